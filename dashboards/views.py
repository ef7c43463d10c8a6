"""Dashboards (province / city / county / township): every number and chart bar links to the list behind it."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from dashboards.figures import Band, Dashboard, Level, build_dashboard, dashboard_scope
from dashboards.pool import pool_card
from dashboards.templatetags.dashboard_tags import drill_href
from dashboards.todo import township_todo
from villages import data_version
from villages.charts import Bar, bar_chart
from villages.http import AuthedHttpRequest
from villages.risk import SEVERITY_COUNT_CAPTION

# Narrower than the PDF's charts: they sit in columns and must stay legible at a phone's 390 px.
CHART_WIDTH = 400


def _band_chart(title: str, bands: Sequence[Band], *, unit: str = "人") -> SafeString:
    bars = [Bar(b.label, b.count, href=drill_href(b.drill)) for b in bands]
    return bar_chart(title=title, bars=bars, unit=unit, width=CHART_WIDTH)


def _bench_href(board: Dashboard, seat_key: str) -> str:
    """A seat's bar: the area's bench page (secretary: only villages without a ready successor); for the whole
    city, whose bench has no page of its own, the per-county breakdown that links each county's page."""
    drill = board.bench_drill
    if drill is None:
        return "#units"
    return drill_href(drill.with_params(gaps="on") if seat_key == "secretary" else drill)


def dashboard_charts(board: Dashboard) -> dict[str, SafeString]:
    """The dashboard's SVG charts (the same renderer as the PDF reports), each bar a drill-down link."""
    outcomes_href = drill_href(board.outcomes_drill)
    return {
        "committee_age": _band_chart("两委成员年龄结构", board.committee_age),
        "committee_education": _band_chart("两委成员学历结构", board.committee_education),
        "leader_age": _band_chart("社长年龄结构", board.leader_age),
        "leader_education": _band_chart("社长学历结构", board.leader_education),
        "risks": bar_chart(
            title="待处理风险（按类型）",
            bars=[Bar(row.label, row.total, href=drill_href(row.drill)) for row in board.risk_kinds],
            unit="条",
            width=CHART_WIDTH,
        ),
        "bench": bar_chart(
            title="无成熟接替人选的村（按岗位）",
            bars=[Bar(seat.label, n, href=_bench_href(board, seat.key)) for seat, n in board.bench],
            unit="个村",
            width=CHART_WIDTH,
        ),
        "outcomes": bar_chart(
            title="专修班学员去向",
            bars=[Bar(label, n, href=outcomes_href) for label, n in board.outcomes.funnel],
            width=CHART_WIDTH,
        ),
    }


@require_GET
def dashboard(request: AuthedHttpRequest, level: Level | None = None, code: str | None = None) -> HttpResponse:
    scope = dashboard_scope(user=request.user, level=level, code=code)
    as_of = timezone.localdate()

    def render_board() -> str:
        board = build_dashboard(scope=scope, as_of=as_of)
        context = {
            "board": board,
            "charts": dashboard_charts(board),
            "count_caption": SEVERITY_COUNT_CAPTION,
            "user": request.user,  # the crumbs (role); no request: the cached fragment holds nothing per session
        }
        return render_to_string("dashboards/_board.html", context)

    # The numbers and charts depend on the scope (its level and code: a city's, a county's…), the date, the data
    # (its version) and, for the crumbs, the role; dashboard_scope has already refused a scope the user may not see.
    parts = (scope.level, scope.params, as_of, request.user.role)
    # Kept until a write charged to one of the scope's counties (or to none: villages/data_version.py).
    board_html = mark_safe(data_version.cached("dashboard", parts, render_board, counties=scope.county_ids()))
    return render(request, "dashboards/dashboard.html", {"scope": scope, "board_html": board_html})


@require_GET
def todo(request: AuthedHttpRequest) -> HttpResponse:
    """A township secretary's landing page: their to-do list. Other roles start at their dashboard."""
    user = request.user
    if not (getattr(user, "is_township_secretary", False) and user.township_id):
        return redirect("dashboards:dashboard")
    todo_list = township_todo(user=user, today=timezone.localdate())
    return render(request, "dashboards/todo.html", {"todo": todo_list})


def pool_card_view(request: AuthedHttpRequest, level: Level | None = None, code: str | None = None) -> HttpResponse:
    """The 后备队伍 card, loaded by the dashboard after the page (htmx) so the page keeps its own query budget."""
    scope = dashboard_scope(user=request.user, level=level, code=code)
    return render(request, "dashboards/_pool_card.html", {"pool": pool_card(scope=scope)})
