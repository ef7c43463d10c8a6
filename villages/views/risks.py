"""Risk pages: the county's risk work queue, a village's structure panel, the age-out calendar, rule values.

Lookups go through `.for_user()` / `villages.permissions`: outsiders 404, read-only users 403.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from villages import data_version, permissions, risk, rules, structure
from villages.choices import AWAITING_ACTION, ReviewStatus
from villages.data_version import VersionedPaginator
from villages.forms.area import area_villages
from villages.forms.risk import AgeOutForm, RiskReviewForm, RuleValueForm
from villages.forms.risk_filters import RiskFilter
from villages.http import AuthedHttpRequest, page_or_partial
from villages.models import County, Risk, User, Village
from villages.roster import StaleEditError

PAGE_SIZE = 50
VILLAGES_PER_PAGE = 20


@require_GET
def risks(request: AuthedHttpRequest) -> HttpResponse:
    """The risk list: grouped by village (village-level problems first, person rows folded) or flat; every filter
    in the query string. County staff review rows inline, the township answers the ones of its villages."""
    user = request.user
    scoped = Risk.objects.for_user(user).select_related("village__township", "person", "owner")
    counties = County.objects.for_user(user).values_list("pk", flat=True)  # every row is of these counties
    filters = RiskFilter(request.GET, queryset=scoped, user=user)
    as_of = filters.form.cleaned_data.get("as_of") if filters.is_valid() else None
    grouped = filters.grouped and not as_of
    if as_of:
        rows: Any = _preview(filters, as_of=as_of, user=user)
    else:
        rows = risk.village_order(filters.qs, counties=counties) if grouped else filters.qs
    per_page = VILLAGES_PER_PAGE if grouped else PAGE_SIZE
    page = VersionedPaginator(rows, per_page, counties=counties).get_page(request.GET.get("page"))
    groups = risk.group_by_village(risks=filters.qs, villages=risk.villages_in_order(list(page))) if grouped else []
    if not as_of:
        shown = [r for g in groups for r in (*g.village_rows, *g.person_rows)] if grouped else list(page)
        cached_rows([decorate(r, user) for r in shown])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filters,
        "page": page,
        "groups": groups,
        "grouped": grouped,
        "total": data_version.counted(filters.qs, counties=counties) if grouped else None,
        "as_of": as_of,
        "can_review": permissions.can_edit_village_fields(user) and not as_of,
        "query": query.urlencode(),
        "kind_filtered": bool(filters.is_valid() and filters.form.cleaned_data.get("kind")),
    }
    return page_or_partial(request, "villages/risks.html", "risk-table", context)


def _preview(filters: RiskFilter, *, as_of: dt.date, user: User) -> list[risk.PreviewRow]:
    data = filters.form.cleaned_data
    rows = risk.preview_rows(villages=area_villages(user, data), as_of=as_of)
    return [r for r in rows if all(not data.get(k) or getattr(r.finding, k) == data[k] for k in ("kind", "severity"))]


def cached_rows(rows: list[Risk]) -> None:
    """Give each decorated row its HTML (`row_html`), kept per row, per what the user may do with it and per date
    under its village's data version (villages/data_version.py): a row shows the risk, its village and township,
    its person and its owner, and every write that changes them reaches the village's version (a risk
    re-evaluation and a person's save are charged to it; a review, a rename, an account edit is charged to
    nobody). Rows with a form, a message or the confirm form (which holds the session's CSRF token) are rendered
    with the page: their `row_html` is "" and the template renders the partial."""
    for row in rows:
        row.row_html = ""
    kept = {
        (r.pk, r.overdue, r.user_reviews, r.user_answers): r
        for r in rows
        if r.form is None and not r.saved and not r.user_decides
    }
    places = {key: (r.village_id, r.village.township.county_id) for key, r in kept.items()}

    def render_rows(keys: list[tuple]) -> dict[tuple, str]:
        return {key: render_to_string("villages/risks.html#risk-row", {"risk": kept[key]}) for key in keys}

    found = data_version.cached_many("risk-row", list(kept), (timezone.localdate(),), render_rows, village_of=places)
    for key, row in kept.items():
        row.row_html = mark_safe(found[key])  # our own template's output


def decorate(row: Risk, user: User, *, form: BaseForm | None = None, saved: str = "") -> Risk:
    """What one row shows: its type label, overdue badge, which actions the user has, an open form, a saved note."""
    row.form = form
    row.form_kind = getattr(form, "kind", "")  # the template tests this string: a lookup on no form raises inside
    row.saved = saved
    row.overdue = row.is_overdue(timezone.localdate())
    row.user_reviews = permissions.can_review_risk(user, row)
    row.user_answers = permissions.can_answer_risk(user, row) and (
        row.is_active and row.review_status in AWAITING_ACTION | {ReviewStatus.RECTIFIED}
    )
    row.user_decides = row.user_reviews and row.is_active and row.review_status == ReviewStatus.RECTIFIED
    return row


@require_http_methods(["GET", "POST"])
def risk_review(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the row with the county's review form (click to edit); POST: save the review, answer the row again."""
    found = risk_for(request.user, pk)
    if not permissions.can_review_risk(request.user, found):
        raise PermissionDenied("只读用户不能处理风险")
    owners = risk.owner_candidates(township_ids=[found.village.township_id])[found.village.township_id]
    if request.method == "GET":
        return risk_row(request, found, RiskReviewForm(instance=found, owners=owners))
    form = RiskReviewForm(request.POST, instance=copy.copy(found), owners=owners)  # the form must not touch `found`
    if form.is_valid():
        data = form.cleaned_data
        try:
            risk.review_risk(
                risk=found,
                by=request.user,
                expected_version=data["version"],
                review_status=data["review_status"],
                owner_id=data["owner"],
                due_on=data["due_on"],
                note=data["note"],
            )
        except (StaleEditError, ValidationError) as error:
            form.add_error(None, str(error) if isinstance(error, StaleEditError) else error)
        else:
            return saved_row(request, found, f"已保存：{found.get_review_status_display()}")
    return risk_row(request, found, form, status=422)


def risk_for(user: User, pk: int) -> Risk:
    scoped = Risk.objects.for_user(user).select_related("village__township", "person", "owner")
    return get_object_or_404(scoped, pk=pk)


def saved_row(request: AuthedHttpRequest, found: Risk, message: str) -> HttpResponse:
    """After a save: the row again with the success message (htmx), or back to the list with it (plain POST)."""
    if not request.htmx:
        messages.success(request, f"{found.village.name}{risk.kind_label(found.kind)}：{message}")
        return redirect("villages:risks")
    found = risk_for(request.user, found.pk)
    return risk_row(request, found, None, saved=message)


def risk_row(
    request: AuthedHttpRequest, found: Risk, form: BaseForm | None, *, status: int = 200, saved: str = ""
) -> HttpResponse:
    context = {"risk": decorate(found, request.user, form=form, saved=saved), "can_review": True}
    template = "villages/risks.html#risk-row" if request.htmx else "villages/risk_review.html"
    return render(request, template, context, status=status)


@require_GET
def village_structure(request: AuthedHttpRequest, code: str) -> HttpResponse:
    village = permissions.village_for(request.user, code)
    context = structure_panel_context(village)
    template = "villages/_structure_panel.html" if request.htmx else "villages/village_structure.html"
    return render(request, template, context)


def structure_panel_context(village: Village) -> dict[str, object]:
    """Headline figures, rule results, township/county comparison and bands of one village. Constant queries.

    The village's own figures are its risk evaluation (the numbers of the API, the lists and the reports)."""
    one = Village.objects.filter(pk=village.pk)
    township = Village.objects.filter(township_id=village.township_id)
    county = Village.objects.filter(township__county_id=village.township.county_id)
    evaluation = risk.evaluations_for_villages(villages=one)[village.pk]
    comparison = [
        ("本村", evaluation.stats),
        (f"{village.township.name}平均", structure.aggregate_stats(villages=township)),
        (f"{village.township.county.name}平均", structure.aggregate_stats(villages=county)),
    ]
    return {
        "village": village,
        "reference": evaluation.reference,
        "reference_on": evaluation.reference.on if evaluation.reference else None,
        "evaluation": evaluation,
        "counts": evaluation.counts,
        "count_caption": risk.SEVERITY_COUNT_CAPTION,
        "comparison": comparison,
        "age_chart": structure.bands_chart("两委成员年龄结构", structure.age_bands(villages=one)),
        "education_chart": structure.bands_chart("两委成员学历结构", structure.education_bands(villages=one)),
        "leader_age_chart": structure.bands_chart(
            "社长年龄结构", structure.age_bands(villages=one, posts=structure.GROUP_LEADER_POSTS)
        ),
    }


@require_GET
def age_out(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    county = County.objects.for_user(user).order_by("code").first()
    default_on = (county.planned_election_on if county else None) or dt.date(timezone.localdate().year, 12, 31)
    form = AgeOutForm(request.GET or None, user=user, default_on=default_on)
    election_on, villages = default_on, Village.objects.for_user(user)
    if form.is_valid():
        election_on, villages = form.cleaned_data["election_on"], form.area_villages()
    calendar = risk.age_out_calendar(villages=villages, election_on=election_on)
    context = {"form": form, "election_on": election_on, "calendar": calendar, "today": timezone.localdate()}
    return page_or_partial(request, "villages/age_out.html", "age-out", context)


@require_http_methods(["GET", "POST"])
def rule_values(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    county = _rules_county(request)
    # The defaults hold for every county of the province: only a province admin changes them.
    can_edit = user.oversees_county(county) if county is not None else user.is_province_admin
    form = RuleValueForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只读用户不能修改规则参数")
        if form.is_valid():
            data = form.cleaned_data
            rules.add_rule_value(
                county_id=county.pk if county else None,
                key=data["key"],
                value=data["value"],
                effective_on=data["effective_on"],
                document_number=data["document_number"],
                note=data["note"],
            )
            # The form sits below a long table: say so at the top, where the reloaded page opens.
            # The risk list follows in the background (tasks/risk_tasks.py): a county's in seconds, the city's longer.
            scope = "本区县的风险清单几秒内" if county else "全省的风险清单稍后（可能需要一两分钟）"
            messages.success(request, f"已保存{data['effective_on']:%Y-%m-%d}起生效的新取值，{scope}随之重新计算")
            return redirect(f"{request.path}?county={county.code}" if county else request.path)
    context = {
        "county": county,
        "can_edit": can_edit,
        "form": form,
        **rules.rule_table(county_id=county.pk if county else None, on=timezone.localdate()),
    }
    context["counties"] = County.objects.for_user(user) if user.is_admin else []
    return render(request, "villages/rules.html", context, status=422 if form.errors else 200)


def _rules_county(request: AuthedHttpRequest) -> County | None:
    """Whose values the page shows: the user's county; a city or province admin picks one of theirs (?county=) or
    the defaults."""
    user = request.user
    if user.is_admin:
        code = request.GET.get("county")
        return permissions.county_for(user, code) if code else None
    if user.is_county_staff:
        return user.county
    township = getattr(user, "township", None)
    if township is None:
        raise PermissionDenied("无权查看规则参数")
    return township.county
