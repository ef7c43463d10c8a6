"""Small rosters for the roster page tests (tests/test_roster_*.py, tests/test_scoping_pages.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests import factories as f
from villages import models
from villages.choices import Gender, Health, Post


@dataclass
class Roster:
    secretary: models.Person
    members: list[models.Person]
    group_leader: models.Person
    secretary_post: models.PostAssignment
    leader_post: models.PostAssignment


def make_roster(village: models.Village, *, members: int = 2, groups: int = 1) -> Roster:
    """一肩挑 secretary-director, `members` committee members (one aged 62), `groups` 社 with a 社长 each."""
    secretary = f.PersonFactory.create(home_village=village, birth_date=dt.date(1970, 3, 4))
    secretary_post = f.PostAssignmentFactory.create(person=secretary, post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory.create(person=secretary, post=Post.DIRECTOR)
    people = []
    for i in range(members):
        born = dt.date(1964, 1, 1) if i == 0 else dt.date(1985 + i % 10, 5, 5)
        person = f.PersonFactory.create(
            home_village=village, birth_date=born, gender=Gender.FEMALE if i % 2 else Gender.MALE
        )
        f.PostAssignmentFactory.create(person=person, post=Post.COMMITTEE_MEMBER)
        people.append(person)
    leader_post: models.PostAssignment | None = None
    for number in range(1, groups + 1):
        group = f.GroupFactory.create(village=village, number=number)
        leader = f.PersonFactory.create(home_village=village, birth_date=dt.date(1950, 1, 1), health=Health.CHRONIC)
        leader_post = f.PostAssignmentFactory.create(person=leader, post=Post.GROUP_LEADER, group=group)
    assert leader_post is not None, "a roster has at least one 社"
    return Roster(secretary, people, leader_post.person, secretary_post, leader_post)
