"""Who may do what with reviews and negative records, the per-user lookups, and the audit of sensitive views.

- Reviews are visible to everyone who sees their village (outsiders: 404). Opening one, and the village and
  township rounds, are for the township's own secretary; county staff of the county and the city admin may open
  them too and record the county and committee rounds (`can_record_round`).
- Negative records: county staff (people of their county) and the city admin read and write them; a township
  secretary gets 403 (they see the review's outcome only); outsiders 404. Every showing of a record's detail is
  written to `ReviewAuditEntry` (`log_detail_views`), like `IdNumberView` for whole ID numbers; so is every
  failure shown to the county side with its negative-list items (`log_shown_items`: review page, 台账, API).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from reserves.choices import ReviewAuditKind, ReviewRound
from reserves.models import NegativeRecord, Review, ReviewAuditEntry
from reserves.reviews.enforcement import can_read_details
from reserves.reviews.status import ReviewOutcome
from villages.models import County, Person, User, Village
from villages.permissions import can_edit_roster

COUNTY_ROUNDS = frozenset({ReviewRound.COUNTY, ReviewRound.COMMITTEE})
TOWNSHIP_ONLY = "负面清单详情仅县委组织部可查看"


def is_county_side(user: User, county: County | int) -> bool:
    """County staff of this county, its city's admin or the province admin."""
    return user.oversees_county(county)


def can_open_reviews(user: User, village: Village) -> bool:
    return can_edit_roster(user, village) or is_county_side(user, village.township.county_id)


def can_record_round(user: User, review: Review, round_: str) -> bool:
    """Village and township rounds: the township's secretary; county and committee rounds: the county side."""
    if round_ in COUNTY_ROUNDS:
        return is_county_side(user, review.village.township.county_id)
    return can_edit_roster(user, review.village)


def review_for(user: User, pk: int) -> Review:
    reviews = Review.objects.for_user(user).select_related("person", "village__township__county", "opened_by")
    return get_object_or_404(reviews, pk=pk)


def person_for_records(user: User, pk: int) -> Person:
    """A person whose negative records the user may read: 404 outside the scope, 403 for townships."""
    person = get_object_or_404(Person.objects.for_user(user).select_related("home_village__township"), pk=pk)
    if not can_read_details(user):
        raise PermissionDenied(TOWNSHIP_ONLY)
    return person


def records_for(user: User) -> Iterable[NegativeRecord]:
    """The negative records the user may read; townships are refused outright (403)."""
    if not can_read_details(user):
        raise PermissionDenied(TOWNSHIP_ONLY)
    return NegativeRecord.objects.for_user(user)


def record_for(user: User, pk: int) -> NegativeRecord:
    if user.is_authenticated and user.is_township_secretary:
        # Visible people only: a township secretary learns nothing about records of people outside the township.
        get_object_or_404(NegativeRecord.objects.filter(person__in=Person.objects.for_user(user)), pk=pk)
        raise PermissionDenied(TOWNSHIP_ONLY)
    return get_object_or_404(NegativeRecord.objects.for_user(user).select_related("person", "county"), pk=pk)


def record_county(user: User, person: Person) -> County:
    """The county a new record of `person` is entered for: the user's own, or the person's home county."""
    if user.is_county_staff and user.county is not None:
        return user.county
    return person.home_village.township.county


def log_shown_items(*, user: User, outcomes: Iterable[ReviewOutcome], context: str) -> int:
    """A failure shown with its negative-list items is a view of those records' detail: audit each one shown to a
    county-side user (township users never see them). Call it with the outcomes actually rendered."""
    if not can_read_details(user):
        return 0
    records = [live.record for outcome in outcomes for live in outcome.live_items]
    return log_detail_views(user=user, records=records, context=context) if records else 0


def log_detail_views(*, user: User, records: Iterable[NegativeRecord], context: str) -> int:
    """Record that `user` was shown each record's detail (one query); return how many."""
    entries = [
        ReviewAuditEntry(
            kind=ReviewAuditKind.DETAIL_VIEW,
            user=user,
            county_id=record.county_id,
            person_id=record.person_id,
            record=record,
            context=context,
            detail=f"负面清单第{record.item_code}项（{record.source_department}）",
        )
        for record in records
    ]
    ReviewAuditEntry.objects.bulk_create(entries)
    return len(entries)
