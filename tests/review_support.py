"""Helpers for qualification-review tests: open a review and answer every slot it needs."""

from __future__ import annotations

import datetime as dt

from reserves.choices import Conclusion, ReviewPurpose, ReviewRound
from reserves.cycles import cycle_of
from reserves.models import NegativeRecord, Review, ReviewOpinion
from reserves.reviews import ReviewRuleBook
from tests import factories as f
from villages.models import Person, User, Village

OPENED_ON = dt.date(2026, 9, 1)
ANSWERED_ON = dt.date(2026, 9, 20)


def departments(village: Village, on: dt.date = OPENED_ON) -> list[str]:
    county_id = village.township.county_id
    return ReviewRuleBook.load(county_ids=[county_id]).departments(county_id=county_id, on=on)


def open_review(
    person: Person,
    *,
    village: Village | None = None,
    purpose: str = ReviewPurpose.ELECTION,
    cycle: str = "2026",
    by: User | None = None,
    opened_on: dt.date = OPENED_ON,
    **extra: object,
) -> Review:
    return Review.objects.create(
        person=person,
        village=village or person.home_village,
        purpose=purpose,
        cycle=cycle,
        opened_on=opened_on,
        opened_by=by or f.CityAdminFactory.create(),
        **extra,
    )


def answer(
    review: Review,
    *,
    skip: tuple[str, ...] = (),
    fail: str = "",
    by: User | None = None,
    on: dt.date = ANSWERED_ON,
) -> None:
    """通过 for every slot of the review except those named in `skip` (round or department); `fail` answers 不通过."""
    by = by or review.opened_by
    slots = [(ReviewRound.VILLAGE, ""), (ReviewRound.TOWNSHIP, "")]
    slots += [(ReviewRound.COUNTY, d) for d in departments(review.village, review.opened_on)]
    slots.append((ReviewRound.COMMITTEE, ""))
    for round_, department in slots:
        name = department or round_
        if name in skip:
            continue
        failed = name == fail
        ReviewOpinion.objects.create(
            review=review,
            round=round_,
            department=department,
            conclusion=Conclusion.FAIL if failed else Conclusion.PASS,
            note="查有不良记录" if failed else "",
            concluded_on=on,
            document_number=f"{name}〔2026〕1号",
            recorded_by=by,
        )


def reviewed(*people: Person, on: dt.date, purpose: str = ReviewPurpose.ELECTION) -> list[Review]:
    """Passed reviews of `purpose` for the cycle of `on` (reserves/cycles.py), answered a month before it: for tests
    about something else than the review, where 未经联审不得任职 would otherwise refuse the act."""
    reviews = []
    for person in people:
        review = open_review(person, purpose=purpose, cycle=cycle_of(on), opened_on=on - dt.timedelta(days=60))
        answer(review, on=on - dt.timedelta(days=30))
        reviews.append(review)
    return reviews


def passed_review(person: Person, **kwargs: object) -> Review:
    review = open_review(person, **kwargs)  # type: ignore[arg-type]
    answer(review)
    return review


def negative_record(
    person: Person, code: str, *, occurred_on: dt.date, by: User | None = None, **extra
) -> NegativeRecord:
    return NegativeRecord.objects.create(
        person=person,
        county=person.home_village.township.county,
        item_code=code,
        source_department="法院",
        occurred_on=occurred_on,
        document_number="（2025）川1902执123号",
        recorded_by=by or f.CityAdminFactory.create(),
        **extra,
    )
