"""The audit trail page: roster changes and whole-ID-number views in the user's scope, newest first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from villages.audit.trail import audit_entries
from villages.forms.audit import AuditFilterForm
from villages.http import AuthedHttpRequest, page_or_partial

PAGE_SIZE = 50


@require_GET
def audit(request: AuthedHttpRequest) -> HttpResponse:
    """County staff see their county, city admins everything, township secretaries their own township."""
    form = AuditFilterForm(request.GET or None, user=request.user)
    page = Paginator(form.rows(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "entries": audit_entries(list(page.object_list)), "query": query.urlencode()}
    return page_or_partial(request, "villages/audit.html", "audit-results", context)
