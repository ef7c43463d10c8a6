"""Shared set-up for the tests of the work after an election: a village's committee before its election, and the
election recorded through the product's own write path (reserves.elections.record_village_results), its winners
having passed the election's qualification review first (未经联审不得任职, reserves/reviews)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rest_framework.test import APIClient

from reserves.choices import ReviewPurpose
from reserves.elections import ResultRow, record_village_results
from reserves.models import Election, Review
from reserves.reviews import cycle_of
from tests import factories as f
from tests.review_support import reviewed
from villages.choices import Gender, PoliticalStatus, Post
from villages.models import Person, PostAssignment, Village

TERM_START = dt.date(2021, 3, 1)


@dataclass
class Committee:
    secretary: Person  # also the director (一肩挑)
    member: Person
    supervisors: list[Person]


def person(village: Village, name: str, *, born: dt.date = dt.date(1970, 5, 1), **extra) -> Person:
    extra.setdefault("political_status", PoliticalStatus.CPC_MEMBER)
    return f.PersonFactory.create(home_village=village, name=name, birth_date=born, **extra)


def hold(village: Village, holder: Person, post: str, *, start: dt.date = TERM_START, **extra) -> PostAssignment:
    return f.PostAssignmentFactory.create(person=holder, village=village, post=post, start_on=start, **extra)


def committee(village: Village, *, prefix: str = "") -> Committee:
    """A secretary who is also director, one 村委委员 and a 监委会 of three, all since TERM_START."""
    secretary = person(village, f"{prefix}书记", born=dt.date(1962, 3, 1))
    hold(village, secretary, Post.PARTY_SECRETARY)
    hold(village, secretary, Post.DIRECTOR)
    member = person(village, f"{prefix}委员", born=dt.date(1980, 7, 1), gender=Gender.FEMALE)
    hold(village, member, Post.COMMITTEE_MEMBER)
    supervisors = [person(village, f"{prefix}监委{i}", born=dt.date(1975, 1, 1 + i)) for i in range(3)]
    hold(village, supervisors[0], Post.SUPERVISION_DIRECTOR)
    for other in supervisors[1:]:
        hold(village, other, Post.SUPERVISION_MEMBER)
    return Committee(secretary, member, supervisors)


def elect(village: Village, rows: list[ResultRow], *, held_on: dt.date) -> Election:
    cycle = cycle_of(held_on)
    cleared = set(
        Review.objects.filter(purpose=ReviewPurpose.ELECTION, cycle=cycle).values_list("person_id", flat=True)
    )
    winners = {row.person.pk: row.person for row in rows if isinstance(row.person, Person)}
    reviewed(*[winner for pk, winner in winners.items() if pk not in cleared], on=held_on)
    summary = record_village_results(village=village, held_on=held_on, term="2026—2031", rows=rows, by=None)
    return summary.elections[0]


def signed_in_api(user) -> APIClient:
    """A DRF APIClient signed in as `user`."""
    client = APIClient()
    client.force_authenticate(user)
    return client
