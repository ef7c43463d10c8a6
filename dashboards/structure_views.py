"""班子结构对比 pages (the new term against the previous one, per township, county and city) and the statistics
forms as .xlsx, both from dashboards.election_statistics (the same numbers).

Scoped: a township or county outside the user's scope 404s; the top level ("city", code "all") is the whole scope of a
city or province admin (their city, the province; others 404), its rows their counties; ("city", a city's code) is one
city of theirs.
`?since=` picks the cycle (elections held on or after it; default 1 January of last year).
"""

from __future__ import annotations

from typing import cast

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboards.election_statistics import (
    MINZHENG_HEADERS,
    PARTY_HEADERS,
    Level,
    UnitReport,
    area_villages,
    minzheng_row,
    party_row,
    unit_report,
)
from dashboards.statistics_workbook import Form, file_name, statistics_workbook
from reserves.views.election_progress import SinceForm
from villages import permissions
from villages.http import AuthedHttpRequest
from villages.models import City, County, Township, Village
from villages.term_structure import SOURCE_LABELS, SOURCE_ORDER
from villages.views.workbook import xlsx_response

FORMS: tuple[str, ...] = ("minzheng", "party")


def _report(
    request: AuthedHttpRequest, level: str, code: str
) -> tuple[UnitReport, City | County | Township | None, SinceForm]:
    user = request.user
    unit: City | County | Township | None
    if level == "township":
        unit = permissions.township_for(user, code)
    elif level == "county":
        unit = permissions.county_for(user, code)
    elif level == "city" and user.is_admin:
        unit = None if code == "all" else permissions.city_for(user, code)
    else:
        raise Http404("没有这个统计范围")
    form = SinceForm(request.GET)
    villages = area_villages(cast(Level, level), unit, Village.objects.for_user(user))
    label = unit.name if unit is not None else user.scope_label
    return unit_report(level=cast(Level, level), label=label, villages=villages, since=form.start()), unit, form


@require_GET
def structure(request: AuthedHttpRequest, level: str, code: str) -> HttpResponse:
    report, unit, form = _report(request, level, code)
    context = {
        "report": report,
        "unit": unit,
        "level": level,
        "code": code,
        "form": form,
        "indicators": report.total.indicators,
        "charts": [indicator.chart() for indicator in report.total.indicators],
        "sources": [(SOURCE_LABELS[s], report.total.current.sources.get(s, 0)) for s in SOURCE_ORDER],
        "minzheng_headers": [report.child_label, *MINZHENG_HEADERS[1:]],
        "party_headers": [report.child_label, *PARTY_HEADERS[1:]],
        "minzheng_rows": [minzheng_row(u, level=report.level) for u in report.rows],
        "minzheng_total": minzheng_row(report.total, level=report.level, total=True),
        "party_rows": [party_row(u) for u in report.rows],
        "party_total": party_row(report.total),
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "dashboards/structure.html", context)


@require_GET
def statistics_export(request: AuthedHttpRequest, level: str, code: str, form: str) -> FileResponse:
    if form not in FORMS:
        raise Http404("没有这个统计表")
    report, _, _ = _report(request, level, code)
    chosen = cast(Form, form)
    return xlsx_response(statistics_workbook(report, form=chosen), file_name(report, form=chosen))
