"""资格联审 pages: the 台账 of a township or county, one review (opinions, withdraw), opening a batch.

Lookups go through `.for_user()` and reserves/reviews/access.py: outsiders 404, read-only 403. Township users see
outcomes and what is missing; negative-list detail is for county staff and the city admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from reserves.choices import ReviewRound
from reserves.models import Review
from reserves.review_forms import LedgerFilterForm, OpenBatchForm, OpinionForm, WithdrawReviewForm
from reserves.reviews import ReviewOutcome, can_read_details, outcome_of, with_outcome_data
from reserves.reviews.access import (
    COUNTY_ROUNDS,
    can_open_reviews,
    can_record_round,
    is_county_side,
    log_shown_items,
    review_for,
)
from reserves.reviews.ledger import ledger
from reserves.reviews.opening import nominees_in, open_batch, open_for_slates, record_opinion, withdraw_review
from reserves.reviews.status import OpinionFact
from villages import permissions
from villages.models import County, Person, Township, User, Village


class SignedInRequest(HttpRequest):
    """What LoginRequiredMiddleware and HtmxMiddleware guarantee every view here: a signed-in user, `htmx`."""

    user: User
    htmx: HtmxDetails


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name: str
    county: County
    villages: QuerySet[Village]
    township: Township | None = None


def area_for(user: User, level: str, code: str) -> Area:
    """A township or county the user may see (404 otherwise). A county's 台账 spans its townships, so it is for the
    county side only: for a township secretary it is outside their scope (404), like another township's."""
    if level == "township":
        township = permissions.township_for(user, code)
        villages = Village.objects.for_user(user).filter(township=township)
        return Area(level, code, township.name, township.county, villages, township)
    if level != "county":
        raise Http404("范围不正确")
    county = permissions.county_for(user, code)
    if not is_county_side(user, county):
        raise Http404("乡镇用户请查看本乡镇的联审台账")
    return Area(level, code, county.name, county, Village.objects.for_user(user).filter(township__county=county))


@require_GET
def reviews_home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if user.is_township_secretary and user.township is not None:
        return redirect("reserves:review_ledger", level="township", code=user.township.code)
    if user.is_county_staff and user.county is not None:
        return redirect("reserves:review_ledger", level="county", code=user.county.code)
    return render(request, "reserves/reviews/home.html", {"counties": County.objects.for_user(user)})


def ledger_filters(request: SignedInRequest) -> tuple[LedgerFilterForm, dict[str, Any]]:
    form = LedgerFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


LEDGER_PAGE_SIZE = 100  # rows per page; the counts cover every row, the workbook export has them all


@require_GET
def review_ledger(request: SignedInRequest, level: str, code: str) -> HttpResponse:
    area = area_for(request.user, level, code)
    form, filters = ledger_filters(request)
    book = ledger(villages=area.villages, detail=can_read_details(request.user), **filters)
    page = Paginator(book.rows, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = book.materialize(list(page.object_list))
    context = {
        "area": area,
        "form": form,
        "ledger": book,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "county_side": is_county_side(request.user, area.county),
        "can_open": area.township is not None and _can_open_in(request.user, area.township),
    }
    log_shown_items(user=request.user, outcomes=[row.outcome for row in rows], context="ledger_page")
    template = "reserves/reviews/ledger.html" + ("#ledger-rows" if request.htmx else "")
    return render(request, template, context)


def _can_open_in(user: User, township: Township) -> bool:
    return (user.is_township_secretary and user.township_id == township.pk) or is_county_side(user, township.county_id)


def _opinion_form(user: User, review: Review, outcome: ReviewOutcome, data: Any = None) -> OpinionForm | None:
    """The opinion form for the rounds the user records (none: no form)."""
    rounds = [r for r in ReviewRound.values if can_record_round(user, review, r)]
    departments = [slot.department for slot in outcome.slots if slot.round == ReviewRound.COUNTY]
    return OpinionForm(data, review=review, rounds=rounds, departments=departments) if rounds else None


def _review_context(request: SignedInRequest, review: Review, **forms: Any) -> dict[str, Any]:
    review = with_outcome_data(Review.objects.filter(pk=review.pk)).select_related("village__township__county").get()
    outcome = outcome_of(review)
    opinion_form = forms.get("opinion_form") or _opinion_form(request.user, review, outcome)
    can_withdraw = review.withdrawn_on is None and can_open_reviews(request.user, review.village)
    detail = can_read_details(request.user)
    log_shown_items(user=request.user, outcomes=[outcome], context="review_page")
    return {
        "review": review,
        "outcome": outcome,
        "summary": outcome.summary(detail=detail),
        "opinion_rows": opinion_rows(outcome, detail=detail),
        "detail": detail,
        "opinion_form": opinion_form if review.withdrawn_on is None else None,
        "withdraw_form": forms.get("withdraw_form") or (WithdrawReviewForm() if can_withdraw else None),
    }


@dataclass(frozen=True)
class OpinionRow:
    round_label: str
    department: str
    opinion: OpinionFact | None
    superseded: bool = False
    hidden: bool = False  # a county-side reason, not shown to township users


def opinion_rows(outcome: ReviewOutcome, *, detail: bool) -> list[OpinionRow]:
    """Every slot in order with its latest opinion (or none yet), each followed by the opinions it superseded;
    then opinions of departments outside the list."""
    by_slot: dict[tuple[str, str], list[OpinionFact]] = {}
    for opinion in outcome.history:
        department = opinion.department if opinion.round == ReviewRound.COUNTY else ""
        by_slot.setdefault((opinion.round, department), []).append(opinion)
    rows: list[OpinionRow] = []
    slots = [(s.round, s.department) for s in outcome.slots]
    for round_, department in slots + [key for key in by_slot if key not in slots]:
        found = by_slot.get((round_, department), [])
        label = ReviewRound(round_).label
        hidden = round_ in COUNTY_ROUNDS and not detail
        if not found:
            rows.append(OpinionRow(label, department, None))
        for n, opinion in enumerate(reversed(found)):
            rows.append(OpinionRow(label, department, opinion, superseded=n > 0, hidden=hidden))
    return rows


@require_GET
def review_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    review = review_for(request.user, pk)
    return render(request, "reserves/reviews/review.html", _review_context(request, review))


@require_POST
def review_opinion(request: SignedInRequest, pk: int) -> HttpResponse:
    review = review_for(request.user, pk)
    round_ = request.POST.get("round", "")
    if not can_record_round(request.user, review, round_ if round_ in ReviewRound.values else ReviewRound.VILLAGE):
        raise PermissionDenied("该环节的审查意见不由你录入")
    form = _opinion_form(request.user, review, outcome_of(review), request.POST)
    if form is not None and form.is_valid():
        record_opinion(review=review, by=request.user, **form.cleaned_data)
        messages.success(request, "已录入审查意见")
        return redirect("reserves:review", pk=review.pk)
    context = _review_context(request, review, opinion_form=form)
    return render(request, "reserves/reviews/review.html", context, status=422)


@require_POST
def review_withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    review = review_for(request.user, pk)
    if not can_open_reviews(request.user, review.village):
        raise PermissionDenied("只读用户不能撤回资格联审")
    form = WithdrawReviewForm(request.POST)
    if form.is_valid() and review.withdrawn_on is None:
        withdraw_review(review=review, reason=form.cleaned_data["reason"])
        messages.success(request, "已撤回该资格联审")
        return redirect("reserves:review", pk=review.pk)
    context = _review_context(request, review, withdraw_form=form)
    return render(request, "reserves/reviews/review.html", context, status=422)


@require_http_methods(["GET", "POST"])
def reviews_open(request: SignedInRequest, code: str) -> HttpResponse:
    """发起联审 for a township: its slates in one step, or a list of nominees (reserve intake, mid-term)."""
    township = permissions.township_for(request.user, code)
    if not _can_open_in(request.user, township):
        raise PermissionDenied("只读用户不能发起资格联审")
    pool = Person.objects.alive().in_villages(Village.objects.filter(township=township)).select_related("home_village")
    form = OpenBatchForm(request.POST or None, people=pool)
    if form.is_valid():
        try:
            result = _open(form.cleaned_data, township=township, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, result.message)
            return redirect("reserves:review_ledger", level="township", code=township.code)
    context = {"township": township, "form": form}
    return render(request, "reserves/reviews/open.html", context, status=422 if form.errors else 200)


def _open(data: dict[str, Any], *, township: Township, user: User) -> Any:
    due = data.get("opinions_due_on")
    if data["source"] == "slates":
        return open_for_slates(township=township, by=user, opinions_due_on=due)
    nominees = nominees_in(people=data["nominees"], township=township)
    return open_batch(nominees=nominees, purpose=data["purpose"], cycle=data["cycle"], by=user, opinions_due_on=due)
