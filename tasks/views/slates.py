"""Printing a candidate slate with its village report (reports sit above the reserves app, so the view lives here)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from reserves import slates
from tasks.reports.context import village_report
from tasks.reports.facts import village_facts
from tasks.reports.fonts import missing_glyphs
from tasks.reports.render import render_pdf, village_identity
from villages.http import AuthedHttpRequest


@require_GET
def slate_print(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The village report (PDF) with the slate as its own section (与村情报告一并打印), rendered synchronously."""
    slate = slates.slate_for(request.user, pk)
    report = village_report(village=slate.village)
    report.slate = slates.simulate_slate(slate=slate)
    identity = village_identity(report, village_facts(report), job_id=None)
    context = {"r": report, "identity": identity, "missing_glyphs": missing_glyphs(report.printed_texts())}
    _, pdf = render_pdf(template_name="reports/village.html", context=context)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = quote(f"{slate.village.code}-{slate.village.name}-村情报告及预备人选方案.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response
