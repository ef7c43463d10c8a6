"""The 资格审查表 PDF of one review (reports sit above the reserves app, so the view lives here)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from reserves.reviews.access import review_for
from reserves.views.reviews import SignedInRequest
from tasks.reports.review_form import render_review_form


@require_GET
def review_form_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    """Rendered synchronously (one page); anyone who sees the review may print it, details for the county side."""
    review = review_for(request.user, pk)
    pdf, filename = render_review_form(review=review, user=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
