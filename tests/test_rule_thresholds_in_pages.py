"""Age badges on the village page mark the county's 年龄高 thresholds (villages.rules), not numbers in templates."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.conftest import World
from villages.choices import Post


def _group_leader_aged(world: World, age: int) -> None:
    today = timezone.localdate()
    leader = f.PersonFactory.create(home_village=world.village_a, birth_date=dt.date(today.year - age, 1, 1))
    group = f.GroupFactory.create(village=world.village_a, number=1)
    f.PostAssignmentFactory.create(person=leader, post=Post.GROUP_LEADER, group=group)


def _page(client: Client, world: World) -> str:
    return client.get(reverse("villages:village", args=[world.village_a.code])).content.decode()


def test_group_leader_badge_uses_the_code_default_of_70(client_a: Client, world: World) -> None:
    _group_leader_aged(world, 66)
    assert "社长年龄高" not in _page(client_a, world)


def test_group_leader_badge_follows_the_countys_own_threshold(client_a: Client, world: World) -> None:
    f.RuleValueFactory.create(
        county=world.county, key="high_age_group_leader", value=65, effective_on=dt.date(2020, 1, 1)
    )
    _group_leader_aged(world, 66)
    assert '<span class="badge red" title="社长年龄高：65岁及以上">66</span>' in _page(client_a, world)


def test_committee_badge_follows_the_countys_own_threshold(client_a: Client, world: World) -> None:
    f.RuleValueFactory.create(county=world.county, key="high_age_member", value=58, effective_on=dt.date(2020, 1, 1))
    today = timezone.localdate()
    member = f.PersonFactory.create(home_village=world.village_a, birth_date=dt.date(today.year - 59, 1, 1))
    f.PostAssignmentFactory.create(person=member, post=Post.COMMITTEE_MEMBER)
    assert '<span class="badge amber" title="年龄高：58岁及以上">59</span>' in _page(client_a, world)
