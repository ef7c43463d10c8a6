"""Election-cycle snapshots and their comparison."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests import factories as f
from villages.choices import Education, Post
from villages.models import ElectionCycleSnapshot, Village
from villages.snapshots import compare_cycles, take_snapshot

pytestmark = pytest.mark.django_db
ELECTION_2021 = dt.date(2021, 6, 1)


def committee(village: Village, people: list[tuple[int, str]], *, start: dt.date = dt.date(2021, 1, 1)) -> None:
    """A secretary and members: (birth year, education) each."""
    for index, (year, education) in enumerate(people):
        person = f.PersonFactory(home_village=village, birth_date=dt.date(year, 1, 1), education=education)
        post = Post.PARTY_SECRETARY if index == 0 else Post.COMMITTEE_MEMBER
        f.PostAssignmentFactory(person=person, post=post, start_on=start)


def test_snapshot_freezes_the_roster_and_ages_of_its_date(world):
    committee(world.village_a, [(1970, Education.HIGH_SCHOOL), (1990, Education.ASSOCIATE)])
    late = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1950, 1, 1))
    f.PostAssignmentFactory(person=late, post=Post.COMMITTEE_MEMBER, start_on=dt.date(2024, 1, 1))
    written = take_snapshot(cycle=2021, villages=Village.objects.filter(pk=world.village_a.pk), taken_on=ELECTION_2021)
    assert written == 1
    snap = ElectionCycleSnapshot.objects.get(village=world.village_a, cycle=2021)
    assert snap.members == 2  # the 2024 appointee was not there yet
    assert snap.average_age == Decimal("41.0")  # 51 and 31 on 2021-06-01
    assert (snap.aged_35_or_under, snap.associate_or_above, snap.aged_60_plus) == (1, 1, 0)


def test_taking_a_snapshot_again_replaces_it(world):
    villages = Village.objects.filter(pk=world.village_a.pk)
    take_snapshot(cycle=2026, villages=villages, taken_on=dt.date(2026, 1, 1))
    committee(world.village_a, [(1980, Education.BACHELOR)])
    take_snapshot(cycle=2026, villages=villages, taken_on=dt.date(2026, 2, 1))
    snap = ElectionCycleSnapshot.objects.get(village=world.village_a, cycle=2026)
    assert (snap.members, snap.taken_on) == (1, dt.date(2026, 2, 1))
    assert ElectionCycleSnapshot.objects.count() == 1


def test_comparison_lists_villages_leaving_and_entering_two_lows(world):
    old_then_young = world.village_a
    committee(old_then_young, [(1955, Education.PRIMARY), (1958, Education.JUNIOR_HIGH)], start=dt.date(2020, 1, 1))
    young_then_old = world.village_b
    committee(young_then_old, [(1980, Education.BACHELOR), (1985, Education.ASSOCIATE)], start=dt.date(2020, 1, 1))
    villages = Village.objects.filter(pk__in=[old_then_young.pk, young_then_old.pk])
    take_snapshot(cycle=2021, villages=villages, taken_on=ELECTION_2021)
    # The 2026 election replaces both committees.
    from villages.models import PostAssignment

    PostAssignment.objects.filter(village__in=villages).update(end_on=dt.date(2026, 1, 1))
    committee(old_then_young, [(1990, Education.BACHELOR), (1994, Education.ASSOCIATE)], start=dt.date(2026, 1, 1))
    committee(young_then_old, [(1955, Education.PRIMARY), (1956, Education.PRIMARY)], start=dt.date(2026, 1, 1))
    take_snapshot(cycle=2026, villages=villages, taken_on=dt.date(2026, 6, 1))

    comparison = compare_cycles(villages=villages, before=2021, after=2026)
    assert comparison.left_two_lows == [old_then_young]
    assert comparison.entered_two_lows == [young_then_old]
    row_a = next(r for r in comparison.rows if r.code == world.township_a.code)
    assert row_a.before.average_age == Decimal("64.5")
    assert row_a.after.average_age == Decimal("34.0")
    assert row_a.average_age_change == Decimal("-30.5")
    assert row_a.share_35_or_under_change == Decimal("50.0")
    assert row_a.share_associate_or_above_change == Decimal("100.0")


def test_villages_with_one_cycle_only_are_left_out(world):
    take_snapshot(cycle=2021, villages=Village.objects.all(), taken_on=ELECTION_2021)
    take_snapshot(cycle=2026, villages=Village.objects.filter(pk=world.village_a.pk), taken_on=dt.date(2026, 6, 1))
    comparison = compare_cycles(villages=Village.objects.all(), before=2021, after=2026)
    assert comparison.total.before.villages == 1
    assert {v.pk for v in comparison.missing} == {world.village_b.pk, world.village_other_county.pk}


def test_snapshot_cycle_command(world, capsys):
    call_command("snapshot_cycle", "2021", "--on", "2021-06-01", "--county", world.county.code)
    assert "2 villages" in capsys.readouterr().out
    assert set(ElectionCycleSnapshot.objects.values_list("village__code", flat=True)) == {
        world.village_a.code,
        world.village_b.code,
    }


@pytest.mark.parametrize(("persona", "visible"), [("client_a", False), ("client_county", True), ("client_city", True)])
def test_cycles_page_is_scoped(persona, visible, request, world):
    take_snapshot(cycle=2021, villages=Village.objects.all(), taken_on=ELECTION_2021)
    take_snapshot(cycle=2026, villages=Village.objects.all(), taken_on=dt.date(2026, 6, 1))
    client = request.getfixturevalue(persona)
    html = client.get(reverse("villages:cycles")).content.decode()
    assert "平均年龄" in html
    assert (world.township_b.name in html) is visible
    assert world.township_a.name in html
