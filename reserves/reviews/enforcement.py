"""未经联审不得任职: the one check every entry path calls before it puts someone in a post or the reserve pool.

Contract of `review_refusal`:
- the county's rule `review_required` in force on the date of the act (`on`; default today) decides the mode:
  on (1) refuses, warn-only (0) lets the act through;
- the person passes when they have a review of that purpose and cycle whose derived status is `passed` on
  min(`on`, today) (reserves/reviews/status.py);
- otherwise the answer is the reason in Chinese, naming the person, the purpose and cycle and what is wrong (no
  review, still pending with the opinions missing, failed, withdrawn); the negative-list item is named only when
  `by` may read negative-list details (county staff, city admin);
- in warn-only mode the answer is None, a `ReviewAuditEntry` (kind `override`) records who let whom through and
  why (written in the caller's transaction, so a refused batch leaves no record), and the reason is added to the
  warnings collected by an enclosing `collect_review_warnings()` block so that the form, API or workbook can show it.
Callers: reserves/elections.py (election results: form, township screen, API, results workbook), reserves/forms.py
(adding a reserve), reserves/slates.py (finalising a slate), reserves/midterm.py (a mid-term appointment,
`ReviewPurpose.MID_TERM_CHANGE`, through `mid_term_review_refusal`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Sequence

from django.utils import timezone

from reserves.choices import QualificationStatus, ReviewAuditKind, ReviewPurpose
from reserves.models import Review, ReviewAuditEntry
from reserves.reviews.status import ReviewOutcome, outcomes_for, with_outcome_data
from villages.models import County, Person, User
from villages.rules import rules_for

_warnings: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("review_warnings", default=None)


@contextlib.contextmanager
def collect_review_warnings() -> Iterator[list[str]]:
    """Collect the warn-only messages of the `review_refusal` calls made inside the block."""
    collected: list[str] = []
    token = _warnings.set(collected)
    try:
        yield collected
    finally:
        _warnings.reset(token)


def can_read_details(user: User | None) -> bool:
    """Negative-list details: county staff and the city and province admins only (each within their scope)."""
    return user is not None and user.is_authenticated and (user.is_county_staff or user.is_admin)


def review_refusal(
    *,
    person: Person | int,
    purpose: str,
    cycle: str,
    county: County | int,
    on: dt.date | None = None,
    by: User | None = None,
    context: str = "",
) -> str | None:
    """The reason the act is refused, or None (see the module contract). Five queries."""
    person_id = person if isinstance(person, int) else person.pk
    return review_refusals(
        people=[person_id], purpose=purpose, cycle=cycle, county=county, on=on, by=by, context=context
    ).get(person_id)


def review_refusals(
    *,
    people: Sequence[Person | int],
    purpose: str,
    cycle: str,
    county: County | int,
    on: dt.date | None = None,
    by: User | None = None,
    context: str = "",
) -> dict[int, str]:
    """`review_refusal` for several people at once (a slate): {person id: reason} for those refused, in a
    constant number of queries."""
    today = timezone.localdate()
    on = on or today
    county_id = county if isinstance(county, int) else county.pk
    ids = [p if isinstance(p, int) else p.pk for p in people]
    reviews = {
        r.person_id: r
        for r in with_outcome_data(Review.objects.filter(person_id__in=ids, purpose=purpose, cycle=cycle))
    }
    outcomes = outcomes_for(list(reviews.values()), on=min(on, today))
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    reasons: dict[int, str] = {}
    for person_id in ids:
        review = reviews.get(person_id)
        outcome = outcomes.get(review.pk) if review else None
        if outcome is None or outcome.status != QualificationStatus.PASSED:
            reasons[person_id] = _reason(names.get(person_id, ""), purpose, cycle, outcome, by=by)
    if not reasons or rules_for(county_id=county_id, on=on).review_required:
        return reasons
    _let_through(reasons, reviews, county_id=county_id, by=by, context=context)
    return {}


def _reason(name: str, purpose: str, cycle: str, outcome: ReviewOutcome | None, *, by: User | None) -> str:
    what = f"{cycle}年{ReviewPurpose(purpose).label}资格联审"
    if outcome is None:
        return f"{name}未经{what}，未经联审不得任职"
    if outcome.status == QualificationStatus.PENDING:
        missing = "、".join(outcome.missing_labels())
        return f"{name}的{what}尚未通过（尚缺{missing}意见），未经联审不得任职"
    if outcome.status == QualificationStatus.WITHDRAWN:
        return f"{name}的{what}已撤回，未经联审不得任职"
    reasons = "；".join(outcome.failure_reasons(detail=can_read_details(by)))
    return f"{name}{what}不通过（{reasons}），不得任职"


def _let_through(
    reasons: dict[int, str], reviews: dict[int, Review], *, county_id: int, by: User | None, context: str
) -> None:
    """Warn-only: audit each person let through and hand the warnings to the enclosing collector."""
    ReviewAuditEntry.objects.bulk_create(
        ReviewAuditEntry(
            kind=ReviewAuditKind.OVERRIDE,
            user=by if by is not None and by.is_authenticated else None,
            county_id=county_id,
            person_id=person_id,
            review=reviews.get(person_id),
            context=context,
            detail=reason[:300],
        )
        for person_id, reason in reasons.items()
    )
    collected = _warnings.get()
    if collected is not None:
        collected.extend(f"{reason}（本区县联审规则为“仅提醒”，已放行并留痕）" for reason in reasons.values())
