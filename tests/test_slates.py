"""Slate simulation (预备人选): seats, candidate pool, rule results side by side, permissions, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reserves.choices import SlateStatus
from reserves.cycles import cycle_of
from reserves.models import Slate, SlateCandidate
from reserves.slates import set_candidate, simulate_slate, start_slate
from tests import factories as f
from tests.review_support import passed_review
from villages.choices import Education, Gender, Post, VillageFlag
from villages.models import Person

pytestmark = pytest.mark.django_db
ELECTION = dt.date(2026, 12, 31)


@pytest.fixture
def old_committee(world):
    """Village A: a 一肩挑 secretary-director and two members, nobody aged 35 or under."""
    village = world.village_a
    secretary = f.PersonFactory(home_village=village, birth_date=dt.date(1970, 2, 2), education=Education.HIGH_SCHOOL)
    f.PostAssignmentFactory(person=secretary, post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory(person=secretary, post=Post.DIRECTOR)
    for year in (1968, 1975):
        member = f.PersonFactory(home_village=village, birth_date=dt.date(year, 1, 1), gender=Gender.FEMALE)
        f.PostAssignmentFactory(person=member, post=Post.COMMITTEE_MEMBER)
    return village


@pytest.fixture
def young_reserve(world):
    return f.ReserveFactory(
        village=world.village_a,
        person__home_village=world.village_a,
        person__birth_date=dt.date(1996, 5, 5),
        person__education=Education.ASSOCIATE,
        target_post=Post.COMMITTEE_MEMBER,
    )


def rule(comparison, key):
    return next(r for r in comparison.rules if r.key == key)


def test_a_slate_starts_from_todays_committee_and_matches_it(old_committee, secretary_a):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    seats = list(slate.candidates.values_list("post", "seat"))
    assert sorted(seats) == sorted(
        [(Post.PARTY_SECRETARY, 1), (Post.DIRECTOR, 1), (Post.COMMITTEE_MEMBER, 1), (Post.COMMITTEE_MEMBER, 2)]
    )
    comparison = simulate_slate(slate=slate)
    assert all(r.change == "" for r in comparison.rules)
    assert comparison.today.stats == comparison.proposed.stats


def test_a_young_reserve_turns_the_no_young_member_rule_to_pass(old_committee, young_reserve, secretary_a):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    assert rule(simulate_slate(slate=slate), VillageFlag.NO_YOUNG_MEMBER).proposed.passed is False
    set_candidate(slate=slate, post=Post.COMMITTEE_MEMBER, seat=2, person=young_reserve.person)
    comparison = simulate_slate(slate=slate)
    row = rule(comparison, VillageFlag.NO_YOUNG_MEMBER)
    assert (row.today.passed, row.proposed.passed, row.change) == (False, True, "fixed")
    assert comparison.proposed.stats.aged_35_or_under == 1
    assert comparison.today.stats.aged_35_or_under == 0


def test_appointing_the_only_secretary_reserve_uses_it_up(old_committee, secretary_a, world):
    reserve = f.ReserveFactory(village=world.village_a, person__home_village=world.village_a)
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    assert rule(simulate_slate(slate=slate), VillageFlag.NO_SECRETARY_RESERVE).proposed.passed is True
    set_candidate(slate=slate, post=Post.PARTY_SECRETARY, seat=1, person=reserve.person)
    row = rule(simulate_slate(slate=slate), VillageFlag.NO_SECRETARY_RESERVE)
    assert (row.today.passed, row.proposed.passed, row.change) == (True, False, "broken")


def test_ages_are_judged_on_the_election_date(world, secretary_a):
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1967, 1, 1))
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    early = start_slate(village=world.village_a, by=secretary_a, name="早", election_on=dt.date(2026, 12, 31))
    late = start_slate(village=world.village_a, by=secretary_a, name="晚", election_on=dt.date(2027, 1, 1))
    assert simulate_slate(slate=early).proposed.stats.aged_60_plus == 0  # 59 on 2026-12-31
    assert simulate_slate(slate=late).proposed.stats.aged_60_plus == 1  # 60 on 2027-01-01


def test_candidates_must_come_from_the_township(old_committee, secretary_a, world):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    neighbour = f.PersonFactory(home_village=f.VillageFactory(township=world.township_a))
    set_candidate(slate=slate, post=Post.CLERK, seat=1, person=neighbour)
    outsider = f.PersonFactory(home_village=world.village_b)
    with pytest.raises(ValidationError):
        set_candidate(slate=slate, post=Post.CLERK, seat=1, person=outsider)
    with pytest.raises(ValidationError):
        set_candidate(slate=slate, post=Post.PARTY_SECRETARY, seat=2, person=neighbour)


def test_secretary_creates_a_slate_and_edits_a_seat_with_htmx(client_a, old_committee, young_reserve):
    response = client_a.post(
        reverse("reserves:village_slates", args=[old_committee.code]),
        {"name": "草案", "election_on": "2026-12-31", "from_current": "on"},
    )
    slate = Slate.objects.get()
    assert response["Location"] == reverse("reserves:slate", args=[slate.pk])
    assert slate.status == SlateStatus.DRAFT
    response = client_a.post(
        reverse("reserves:slate_seat", args=[slate.pk]),
        {"seat_key": "committee_member:2", "person": young_reserve.person.pk},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.strip().startswith('<div id="slate-body">')
    assert "转为通过" in html
    assert SlateCandidate.objects.get(slate=slate, post=Post.COMMITTEE_MEMBER, seat=2).person == young_reserve.person


def test_clearing_a_seat_leaves_it_vacant(client_a, old_committee, secretary_a):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    client_a.post(reverse("reserves:slate_seat", args=[slate.pk]), {"seat_key": "director:1", "person": ""})
    row = rule(simulate_slate(slate=slate), VillageFlag.VACANT_OR_ACTING_POST)
    assert (row.today.passed, row.proposed.passed) == (True, False)


@pytest.mark.parametrize(
    ("persona", "view_status", "edit_status"),
    [("client_a", 200, 302), ("client_b", 404, 404), ("client_county", 200, 403), ("client_city", 200, 403)],
)
def test_slate_permission_matrix(persona, view_status, edit_status, request, old_committee, secretary_a):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:slate", args=[slate.pk])).status_code == view_status
    data = {"seat_key": "clerk:1", "person": ""}
    assert client.post(reverse("reserves:slate_seat", args=[slate.pk]), data).status_code == edit_status
    assert client.post(reverse("reserves:slate_status", args=[slate.pk])).status_code == edit_status
    create = client.post(reverse("reserves:village_slates", args=[old_committee.code]), {"name": "x"})
    assert create.status_code == (200 if edit_status == 302 else edit_status)


def test_a_final_slate_is_read_only_until_reopened(client_a, old_committee, secretary_a):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    for person_id in set(slate.candidates.values_list("person_id", flat=True)):
        passed_review(
            Person.objects.get(pk=person_id), cycle=cycle_of(ELECTION)
        )  # 定稿 needs passed reviews (test_reviews_enforcement.py)
    client_a.post(reverse("reserves:slate_status", args=[slate.pk]))
    slate.refresh_from_db()
    assert slate.status == SlateStatus.FINAL
    assert 'id="seat-form"' not in client_a.get(reverse("reserves:slate", args=[slate.pk])).content.decode()


def test_simulation_query_count_is_constant(client_a, old_committee, secretary_a, world):
    slate = start_slate(village=old_committee, by=secretary_a, name="方案一", election_on=ELECTION)
    url = reverse("reserves:slate", args=[slate.pk])
    with CaptureQueriesContext(connection) as small:
        client_a.get(url)
    for number in range(1, 4):
        group = f.GroupFactory(village=old_committee, number=number)
        leader = f.PersonFactory(home_village=old_committee, birth_date=dt.date(1950, 1, 1))
        f.PostAssignmentFactory(person=leader, post=Post.GROUP_LEADER, group=group)
        f.ReserveFactory(village=old_committee, person__home_village=old_committee)
        set_candidate(slate=slate, post=Post.GROUP_LEADER, seat=number, person=leader)
    with CaptureQueriesContext(connection) as large:
        client_a.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_saved_slate_prints_with_the_village_report(client_county, old_committee, young_reserve, secretary_a):
    from io import BytesIO

    from pypdf import PdfReader

    slate = start_slate(village=old_committee, by=secretary_a, name="预备方案甲", election_on=ELECTION)
    set_candidate(slate=slate, post=Post.COMMITTEE_MEMBER, seat=2, person=young_reserve.person)
    response = client_county.get(reverse("reports:slate_print", args=[slate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "换届人选方案" in text and "预备方案甲" in text
    assert young_reserve.person.name in text
