"""The review's findings in the risk work queue (villages.risk, a lower layer, calls this finder on recompute).

Contract of `review_findings` (registered by ReservesConfig.ready with `villages.risk.register_finder`):
- `review_not_passed`, one per candidate: an election review (not withdrawn) of the cycle of the village's next
  election (its planned date, else its county's; with neither planned, this year's cycle or later) whose status is
  `pending` or `failed`, while that date is still ahead. Red when failed or when the election is 30 days away or
  less, else amber; due on the election date. The detail never names a negative-list item (township users read
  the risk list);
- `review_opinion_overdue`, one per village: county-round departments that have not answered a pending review
  whose 部门意见反馈期限 has passed, with how many candidates each still owes; red; due on the earliest deadline;
- the owner is the county staff member who opened the review (or, for one opened by the township, who last
  recorded a county or committee opinion), filling an empty owner only.
Five queries whatever the number of villages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import QualificationStatus, ReviewPurpose, ReviewRound
from reserves.cycles import cycle_of
from reserves.models import Review
from reserves.reviews.status import ReviewOutcome, outcomes_for, with_outcome_data
from villages.choices import Post, ReviewRiskKind, Severity
from villages.models import Village
from villages.risk import Finding

URGENT_DAYS = 30


def election_date(village: Village) -> dt.date | None:
    return village.planned_election_on or village.township.county.planned_election_on


def review_findings(villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """Findings per village id (see the module contract)."""
    today = as_of or timezone.localdate()
    reviews = with_outcome_data(
        Review.objects.filter(
            village__in=villages.values("pk"),
            purpose=ReviewPurpose.ELECTION,
            withdrawn_on__isnull=True,
            person__deleted_at__isnull=True,
            cycle__gte=cycle_of(today),
        ).select_related("village__township__county", "opened_by")
    )
    relevant = [r for r in reviews if _ahead(r, today)]
    outcomes = outcomes_for(relevant, on=today)
    found: dict[int, list[Finding]] = defaultdict(list)
    overdue: dict[int, list[ReviewOutcome]] = defaultdict(list)
    for review in relevant:
        outcome = outcomes[review.pk]
        if outcome.status not in (QualificationStatus.PENDING, QualificationStatus.FAILED):
            continue
        found[review.village_id].append(_not_passed(outcome, today=today))
        if review.opinions_due_on and review.opinions_due_on < today and _missing_departments(outcome):
            overdue[review.village_id].append(outcome)
    for village_id, late in overdue.items():
        found[village_id].append(_overdue(late))
    return found


def _ahead(review: Review, today: dt.date) -> bool:
    on = election_date(review.village)
    if on is None:
        return True
    return on >= today and review.cycle == cycle_of(on)


def _owner(outcome: ReviewOutcome) -> int | None:
    opener = outcome.review.opened_by
    if opener.is_county_staff or opener.is_admin:
        return opener.pk
    county_side = [o for o in outcome.latest.values() if o.round in (ReviewRound.COUNTY, ReviewRound.COMMITTEE)]
    return max(county_side, key=lambda o: o.id).recorded_by_id if county_side else None


def _not_passed(outcome: ReviewOutcome, *, today: dt.date) -> Finding:
    review = outcome.review
    on = election_date(review.village)
    urgent = on is not None and (on - today).days <= URGENT_DAYS
    failed = outcome.status == QualificationStatus.FAILED
    post = f"（拟任{Post(review.post).label}）" if review.post else ""
    when = f"，换届日期{on:%Y-%m-%d}" if on else ""
    return Finding(
        kind=ReviewRiskKind.REVIEW_NOT_PASSED,
        severity=Severity.RED if failed or urgent else Severity.AMBER,
        detail=f"{review.person.name}{post}{review.cycle}年换届资格联审{outcome.summary(detail=False)}{when}",
        person_id=review.person_id,
        post=review.post,
        owner_id=_owner(outcome),
        due_on=on,
    )


def _missing_departments(outcome: ReviewOutcome) -> list[str]:
    return [slot.department for slot in outcome.missing if slot.round == ReviewRound.COUNTY]


def _overdue(late: list[ReviewOutcome]) -> Finding:
    owing = Counter(department for outcome in late for department in _missing_departments(outcome))
    due_on = min(o.review.opinions_due_on for o in late if o.review.opinions_due_on)
    departments = "、".join(f"{name}（{count}人）" for name, count in owing.most_common())
    owners = [owner for owner in map(_owner, late) if owner]
    return Finding(
        kind=ReviewRiskKind.REVIEW_OPINION_OVERDUE,
        severity=Severity.RED,
        detail=f"县级联审意见逾期未反馈（反馈期限{due_on:%Y-%m-%d}）：{departments}",
        owner_id=owners[0] if owners else None,
        due_on=due_on,
    )
