"""Risk fields of the API: village `flags`, `succession_gaps`, `stats`; person `flags`; `?as_of=`; constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.roster_data import make_roster
from villages.choices import Education, PersonFlag, Post, Severity, VillageFlag
from villages.models import Village
from villages.structure import committee_stats

pytestmark = pytest.mark.django_db
API = "/api/v1"
ELECTION = dt.date(2026, 12, 31)


def get_ok(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def gap(body: dict, kind: str) -> dict | None:
    return next((g for g in body["succession_gaps"] if g["kind"] == kind), None)


@pytest.fixture
def old_secretary(world):
    """青龙村: a 66-year-old secretary-director with junior-high schooling and one young member, no reserves."""
    world.village_a.planned_election_on = ELECTION
    world.village_a.save()
    secretary = f.PersonFactory(
        home_village=world.village_a, name="王老书记", birth_date=dt.date(1960, 5, 1), education=Education.JUNIOR_HIGH
    )
    f.PostAssignmentFactory(person=secretary, post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory(person=secretary, post=Post.DIRECTOR)
    young = f.PersonFactory(home_village=world.village_a, name="李青", birth_date=dt.date(1996, 2, 2))
    f.PostAssignmentFactory(person=young, post=Post.COMMITTEE_MEMBER)
    return secretary


def test_old_low_educated_secretary_shows_village_flags_and_gaps_naming_people(world, old_secretary, client_a):
    body = get_ok(client_a, f"{API}/villages/{world.village_a.code}/")
    two_lows = gap(body, VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE)
    assert two_lows is not None and two_lows["severity"] == Severity.RED
    assert "王老书记" in two_lows["detail"] and "66岁" in two_lows["detail"] and "初中" in two_lows["detail"]
    assert gap(body, VillageFlag.NO_SECRETARY_RESERVE)["post"] == Post.PARTY_SECRETARY
    assert gap(body, VillageFlag.RESERVE_SHORTFALL)["severity"] == Severity.RED  # no reserves at all
    assert gap(body, VillageFlag.NO_YOUNG_MEMBER) is None  # 李青 is 30
    over_age = gap(body, VillageFlag.SECRETARY_OVER_AGE_AT_ELECTION)
    assert "王老书记" in over_age["detail"] and "2026-12-31" in over_age["detail"]
    assert body["flags"] == [g["kind"] for g in body["succession_gaps"]]  # distinct kinds, same order
    assert set(body["flags"]) <= set(VillageFlag.values)  # person flags are not village flags
    assert all(set(g) == {"kind", "severity", "post", "detail"} for g in body["succession_gaps"])
    listed = get_ok(client_a, f"{API}/villages/")["results"]
    assert [row["succession_gaps"] for row in listed] == [body["succession_gaps"]]

    person = get_ok(client_a, f"{API}/people/{old_secretary.pk}/")
    assert person["flags"] == [PersonFlag.HIGH_AGE, PersonFlag.LOW_EDUCATION]


def test_a_reserve_for_the_secretary_closes_that_gap(world, old_secretary, client_a):
    f.ReserveFactory(person__home_village=world.village_a, village=world.village_a)
    body = get_ok(client_a, f"{API}/villages/{world.village_a.code}/")
    assert VillageFlag.NO_SECRETARY_RESERVE not in body["flags"]
    assert gap(body, VillageFlag.RESERVE_SHORTFALL)["severity"] == Severity.AMBER


@pytest.mark.parametrize("as_of", [None, dt.date(2026, 11, 27), dt.date(2031, 6, 30)])
def test_stats_equal_committee_stats(world, client_county, as_of):
    make_roster(world.village_a, members=3)
    make_roster(world.village_b, members=1)
    query = f"&as_of={as_of:%Y-%m-%d}" if as_of else ""
    rows = get_ok(client_county, f"{API}/villages/?county=511902{query}")["results"]
    expected = committee_stats(villages=Village.objects.filter(township__county=world.county), as_of=as_of)
    assert {row["code"]: row["stats"] for row in rows} == {
        world.village_a.code: expected[world.village_a.pk].as_dict(),
        world.village_b.code: expected[world.village_b.pk].as_dict(),
    }
    assert rows[0]["stats"]["members"] == 4  # 一肩挑 secretary counted once, 社长 not a 两委 member


def test_village_without_members_has_empty_stats(world, client_a):
    stats = get_ok(client_a, f"{API}/villages/{world.village_a.code}/")["stats"]
    assert stats == {
        "members": 0, "average_age": None, "aged_60_plus": 0, "aged_35_or_under": 0, "junior_high_or_below": 0,
        "associate_or_above": 0, "women": 0,
    }  # fmt: skip


def test_person_flags_at_the_59_60_boundary_follow_as_of(world, client_a):
    member = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1966, 12, 31))
    f.PostAssignmentFactory(person=member, post=Post.COMMITTEE_MEMBER)
    detail = f"{API}/people/{member.pk}/"
    assert get_ok(client_a, f"{detail}?as_of=2026-12-30")["flags"] == []  # 59
    assert get_ok(client_a, f"{detail}?as_of=2026-12-31")["flags"] == [PersonFlag.HIGH_AGE]  # 60 on the day
    assert get_ok(client_a, detail)["flags"] == []  # default: no planned election → today, 59
    world.village_a.planned_election_on = ELECTION
    world.village_a.save()
    assert get_ok(client_a, detail)["flags"] == [PersonFlag.HIGH_AGE]  # the village's reference date
    listed = get_ok(client_a, f"{API}/people/?as_of=2026-12-30")["results"]
    assert [row["flags"] for row in listed if row["id"] == member.pk] == [[]]


def test_all_four_person_flags(world, client_a):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1950, 1, 1), education=Education.PRIMARY, able_to_serve=False
    )
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    assert get_ok(client_a, f"{API}/people/{person.pk}/")["flags"] == [
        PersonFlag.HIGH_AGE, PersonFlag.LOW_EDUCATION, PersonFlag.LOW_QUALITY, PersonFlag.TWO_LOWS_ONE_HIGH,
    ]  # fmt: skip


@pytest.mark.parametrize("value", ["2026-13-01", "31.12.2026", "tomorrow", ""])
@pytest.mark.parametrize("endpoint", ["villages", "people"])
def test_malformed_as_of_is_400_with_a_clear_message(world, client_a, endpoint, value):
    response = client_a.get(f"{API}/{endpoint}/?as_of={value}")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in str(response.json()["as_of"])


def test_outsider_gets_404_with_as_of_and_lists_stay_scoped(world, old_secretary, client_b):
    assert client_b.get(f"{API}/villages/{world.village_a.code}/?as_of=2026-12-31").status_code == 404
    assert client_b.get(f"{API}/people/{old_secretary.pk}/?as_of=2026-12-31").status_code == 404
    villages = get_ok(client_b, f"{API}/villages/?as_of=2026-12-31")["results"]
    assert [row["code"] for row in villages] == [world.village_b.code]
    assert get_ok(client_b, f"{API}/people/?as_of=2026-12-31")["count"] == 0


def add_villages(world, count: int, start: int) -> None:
    """`count` villages in township B, each with an old low-educated secretary, a member, a 社长 and a reserve."""
    for n in range(start, start + count):
        village = f.VillageFactory.create(township=world.township_b, code=f"511902101{300 + n}", name=f"村{n}")
        make_roster(village, members=1)
        old = f.PersonFactory(home_village=village, birth_date=dt.date(1958, 1, 1), education=Education.PRIMARY)
        f.PostAssignmentFactory(person=old, post=Post.COMMITTEE_MEMBER)
        f.AssessmentFactory(person=old, year=2025)
        f.ReserveFactory(person__home_village=village, village=village)


@pytest.mark.parametrize("endpoint", ["villages", "people"])
@pytest.mark.parametrize("query", ["", "&as_of=2026-12-31"])
def test_list_queries_do_not_grow_with_rows(world, client_county, django_assert_num_queries, endpoint, query):
    add_villages(world, 2, start=0)
    url = f"{API}/{endpoint}/?page_size=500{query}"
    with CaptureQueriesContext(connection) as few:
        small = get_ok(client_county, url)
    add_villages(world, 18, start=2)
    with django_assert_num_queries(len(few.captured_queries)):
        large = get_ok(client_county, url)
    assert large["count"] > 5 * small["count"] // 2
    assert any(row["flags"] for row in large["results"])
