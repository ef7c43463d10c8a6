"""换届进度 (reserves/election_progress.py): per village registered / results entered / 备案, per township the same
counted; scoped like the township and county pages; constant queries whatever the number of villages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from reserves.election_progress import default_since, township_progress
from tests import factories as f
from villages.choices import Post
from villages.models import Village

THIS_CYCLE = dt.date(2026, 3, 1)


def elected(village, *, winners: int, held_on: dt.date = THIS_CYCLE):
    election = f.ElectionFactory.create(village=village, held_on=held_on)
    for _ in range(winners):
        person = f.PersonFactory.create(home_village=village, political_status="cpc_member")
        election.results.create(person=person, post=Post.COMMITTEE_MEMBER)
    return election


def township_url(world) -> str:
    return reverse("reserves:township_progress", args=[world.township_a.code])


def test_township_progress_shows_registered_entered_and_filing_placeholder(client_a, world):
    second = f.VillageFactory.create(township=world.township_a, code="511902100202", name="白马村")
    third = f.VillageFactory.create(township=world.township_a, code="511902100203", name="红星村")
    elected(world.village_a, winners=3)
    elected(world.village_a, winners=9, held_on=dt.date(2021, 3, 15))  # last cycle: not counted
    elected(second, winners=0)
    rows = {v.name: v for v in client_a.get(township_url(world), {"since": "2025-01-01"}).context["villages"]}
    assert (rows["青龙村"].election_on, rows["青龙村"].winners) == (THIS_CYCLE, 3)
    assert (rows["白马村"].election_on, rows["白马村"].winners) == (THIS_CYCLE, 0)
    assert (rows[third.name].election_on, rows[third.name].winners) == (None, 0)
    html = client_a.get(township_url(world), {"since": "2025-01-01"}).content.decode()
    assert "已录入 3 人" in html and "未录入" in html and "未登记" in html
    assert 'data-label="备案">—</td>' in html


def test_the_cycle_start_defaults_to_january_of_last_year():
    assert default_since(today=dt.date(2026, 11, 29)) == dt.date(2025, 1, 1)


def test_county_progress_counts_per_township(client_county, world):
    f.VillageFactory.create(township=world.township_a, code="511902100202")
    elected(world.village_a, winners=2)
    f.ElectionFactory.create(village=world.village_b, held_on=THIS_CYCLE)
    url = reverse("reserves:county_progress", args=[world.county.code])
    rows = client_county.get(url, {"since": "2025-01-01"}).context["townships"]
    counts = [(r.township.name, r.villages, r.registered, r.entered, r.winners, r.pending) for r in rows]
    assert counts == [("凌云乡", 2, 1, 1, 2, 1), ("大和乡", 1, 1, 0, 0, 1)]
    assert all(row.filed == 0 for row in rows)  # these elections opened no filings (results added directly)


def test_county_progress_for_a_township_secretary_counts_only_their_villages(world):
    villages = Village.objects.filter(township__county=world.county, township=world.township_a)
    assert [r.township for r in township_progress(villages=villages, since=THIS_CYCLE)] == [world.township_a]


@pytest.mark.parametrize(("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200)])
def test_township_progress_scoping(request, world, persona, code):
    client: Client = request.getfixturevalue(persona)
    assert client.get(township_url(world)).status_code == code


def test_other_county_staff_get_404_on_the_county_progress(world):
    other = Client()
    other.force_login(f.CountyStaffFactory.create(username="tongjiang", county=world.other_county))
    assert other.get(reverse("reserves:county_progress", args=[world.county.code])).status_code == 404


def test_progress_pages_are_linked_from_the_township_and_county_pages(client_county, world):
    township_page = client_county.get(reverse("villages:township", args=[world.township_a.code])).content.decode()
    county_page = client_county.get(reverse("villages:county", args=[world.county.code])).content.decode()
    assert township_url(world) in township_page
    assert reverse("reserves:county_progress", args=[world.county.code]) in county_page


def test_progress_query_count_is_constant(client_county, world, django_assert_num_queries):
    county_url = reverse("reserves:county_progress", args=[world.county.code])
    elected(world.village_a, winners=2)
    # One query more than before 备案 was shown: the filings of the shown elections.
    with django_assert_num_queries(6) as small_township:
        client_county.get(township_url(world))
    with django_assert_num_queries(6) as small_county:
        client_county.get(county_url)
    for n in range(6):
        village = f.VillageFactory.create(township=world.township_a, code=f"51190210030{n}")
        elected(village, winners=n)
        elected(f.VillageFactory.create(township=world.township_b, code=f"51190210130{n}"), winners=1)
    with django_assert_num_queries(len(small_township.captured_queries)):
        client_county.get(township_url(world))
    with django_assert_num_queries(len(small_county.captured_queries)):
        client_county.get(county_url)
