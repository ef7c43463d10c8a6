"""The 资格审查表: one candidate's qualification review on one A4 page (person, posts, education, assessments, every
opinion per round and department with its date and 文号, the outcome).

Contract of `render_review_form`:
- the ID number is whole only for county staff and the city admin (who also see failure reasons with their
  negative-list items and the county departments' reasons); for anyone else it is masked and the county side's
  reasons are left out, exactly as on the web page;
- a copy printed by the county side is audited (`ReviewAuditEntry` kind `form_print`, and `IdNumberView` for the
  whole number); negative records themselves are never printed, only the items a failure names;
- rendered synchronously through the one renderer (tasks/reports/render.py) with the report fonts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from reserves.choices import ReviewAuditKind, ReviewRound
from reserves.models import Review, ReviewAuditEntry
from reserves.reviews import ReviewOutcome, can_read_details, outcome_of, with_outcome_data
from reserves.reviews.access import COUNTY_ROUNDS
from tasks.reports.fonts import missing_glyphs
from tasks.reports.render import render_pdf
from villages import idcard
from villages.headlines import POST_ORDER
from villages.models import Assessment, IdNumberView, PostAssignment, User


@dataclass(frozen=True)
class OpinionLine:
    round_label: str
    department: str
    conclusion: str
    note: str
    concluded_on: dt.date | None
    document_number: str


@dataclass
class ReviewFormContext:
    review: Review
    outcome: ReviewOutcome
    id_number: str
    age: int
    posts: list[PostAssignment]
    assessments: list[Assessment]
    opinions: list[OpinionLine]
    summary: str
    printed_on: dt.date


def review_form_context(*, review: Review, user: User, today: dt.date | None = None) -> ReviewFormContext:
    today = today or timezone.localdate()
    review = with_outcome_data(Review.objects.filter(pk=review.pk)).select_related("village__township__county").get()
    outcome = outcome_of(review, on=today)
    detail = can_read_details(user)
    person = review.person
    posts = PostAssignment.objects.current(today).filter(person=person).select_related("village", "group")
    return ReviewFormContext(
        review=review,
        outcome=outcome,
        id_number=person.id_number if detail else idcard.mask(person.id_number),
        age=person.age_on(today),
        posts=sorted(posts, key=lambda p: (p.village.code, POST_ORDER.get(p.post, 99))),
        assessments=list(person.assessments.order_by("-year")[:3]),
        opinions=_opinions(outcome, detail=detail),
        summary=outcome.summary(detail=detail),
        printed_on=today,
    )


def _opinions(outcome: ReviewOutcome, *, detail: bool) -> list[OpinionLine]:
    lines = []
    for slot in outcome.slots:
        opinion = outcome.latest.get(slot)
        if opinion is None:
            lines.append(OpinionLine(ReviewRound(slot.round).label, slot.department, "未反馈", "", None, ""))
            continue
        hidden = slot.round in COUNTY_ROUNDS and not detail
        note = "（由县委组织部掌握）" if hidden and opinion.note else opinion.note
        lines.append(
            OpinionLine(
                ReviewRound(slot.round).label,
                slot.department,
                opinion.conclusion_label,
                note,
                opinion.concluded_on,
                opinion.document_number,
            )
        )
    return lines


def render_review_form(*, review: Review, user: User) -> tuple[bytes, str]:
    """(pdf, filename) of the 资格审查表, audited when printed by the county side (see the module contract)."""
    form = review_form_context(review=review, user=user)
    person = form.review.person
    printed = [person.name, form.review.village.name, form.review.village.township.name]
    context = {"f": form, "data_as_of": form.printed_on, "missing_glyphs": missing_glyphs([("姓名", person.name)])}
    _, pdf = render_pdf(template_name="reports/review_form.html", context=context, printed=printed)
    if can_read_details(user):
        ReviewAuditEntry.objects.create(
            kind=ReviewAuditKind.FORM_PRINT,
            user=user,
            county=form.review.village.township.county,
            person=person,
            review=form.review,
            context="review_form",
            detail=f"资格审查表（{form.review.cycle}年{form.review.get_purpose_display()}）",
        )
        IdNumberView.objects.create(person=person, viewed_by=user, context="review_form")
    filename = f"{form.review.village.name}-{person.name}-资格审查表.pdf"
    return pdf, filename
