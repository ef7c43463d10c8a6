"""Roster pages: headline numbers, the village roster, page vs htmx fragment, constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.roster_data import make_roster
from villages.choices import Education, Gender, Post

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def count_queries(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_township_page_shows_headline_numbers(client_a, world):
    world.village_a.last_party_admission_on = dt.date(2014, 7, 1)
    world.village_a.save()
    make_roster(world.village_a, members=2, groups=2)
    response = client_a.get(reverse("villages:township", args=[world.township_a.code]))
    row = next(v for v in response.context["villages"] if v.village.pk == world.village_a.pk)
    # secretary-director counted once; members born 1964 (62) and 1986 (40), secretary born 1970 (56).
    assert row.stats.members == 3 and row.stats.aged_60_plus == 1
    assert row.group_leaders == 2 and row.one_shoulder is True
    html = response.content.decode()
    assert "2014-07-01" in html and "青龙村" in html and "一肩挑" in html


def test_county_page_pools_townships(client_county, world):
    make_roster(world.village_a, members=2, groups=1)
    other = f.VillageFactory(township=world.township_a)
    make_roster(other, members=1, groups=3)
    response = client_county.get(reverse("villages:county", args=[world.county.code]))
    rows = {t.township.pk: t for t in response.context["townships"]}
    a = rows[world.township_a.pk]
    assert (a.village_count, a.stats.members, a.group_leaders, a.one_shoulder_villages) == (2, 5, 4, 2)
    assert rows[world.township_b.pk].stats.members == 0
    assert world.township_a.name in response.content.decode()


def test_village_page_shows_committee_in_post_order_and_group_leaders(client_a, world):
    roster = make_roster(world.village_a, members=2, groups=1)
    deputy = f.PersonFactory(home_village=world.village_a, name="副书记甲")
    f.PostAssignmentFactory(person=deputy, post=Post.PARTY_DEPUTY_SECRETARY)
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=world.village_a), post=Post.SUPERVISION_DIRECTOR)
    ended = f.PersonFactory(home_village=world.village_a, name="已离任")
    f.PostAssignmentFactory(person=ended, post=Post.CLERK, end_on=dt.date(2025, 1, 1))
    response = client_a.get(reverse("villages:village", args=[world.village_a.code]))
    committee = [p.post for p in response.context["roster"].committee]
    assert committee[:3] == [Post.PARTY_SECRETARY, Post.PARTY_DEPUTY_SECRETARY, Post.DIRECTOR]
    assert response.context["roster"].one_shoulder
    html = response.content.decode()
    assert "已离任" not in html and "副书记甲" in html and "1社" in html and "慢性病" in html
    assert "书记、主任一肩挑" in html and "新增任职" in html
    assert reverse("villages:person", args=[roster.group_leader.pk]) in html
    assert html.index("村“两委”班子") < html.index("村务监督委员会") < html.index("社长（村民小组长）")


def test_read_only_users_see_no_edit_controls(client_county, world):
    make_roster(world.village_a)
    html = client_county.get(reverse("villages:village", args=[world.village_a.code])).content.decode()
    assert "新增任职" not in html and "离任</a>" not in html


def test_htmx_request_gets_the_partial_only(client_a, world):
    make_roster(world.village_a)
    for url, dom_id in [
        (reverse("villages:village", args=[world.village_a.code]), '<section id="roster">'),
        (reverse("villages:township", args=[world.township_a.code]), '<div id="villages"'),
        (reverse("villages:people"), '<div id="people-results">'),
    ]:
        page = client_a.get(url).content.decode()
        fragment = client_a.get(url, **HX).content.decode()
        assert "<html" in page and dom_id in page
        assert "<html" not in fragment and fragment.strip().startswith(dom_id), url


def test_township_page_query_count_is_constant(client_a, world):
    make_roster(world.village_a, members=1, groups=1)
    url = reverse("villages:township", args=[world.township_a.code])
    small = count_queries(client_a, url)
    for _ in range(5):
        make_roster(f.VillageFactory(township=world.township_a), members=4, groups=3)
    assert count_queries(client_a, url) == small


def test_county_page_query_count_is_constant(client_county, world):
    url = reverse("villages:county", args=[world.county.code])
    small = count_queries(client_county, url)
    for _ in range(3):
        township = f.TownshipFactory(county=world.county)
        make_roster(f.VillageFactory(township=township), members=3, groups=2)
    assert count_queries(client_county, url) == small


def test_village_page_query_count_is_constant(client_a, world):
    make_roster(world.village_a, members=1, groups=1)
    url = reverse("villages:village", args=[world.village_a.code])
    small = count_queries(client_a, url)
    for i in range(8):
        person = f.PersonFactory(home_village=world.village_a)
        f.PostAssignmentFactory(person=person, post=Post.SUPERVISION_MEMBER if i % 2 else Post.COMMITTEE_MEMBER)
    for number in range(2, 8):
        group = f.GroupFactory(village=world.village_a, number=number)
        leader = f.PersonFactory(home_village=world.village_a)
        f.PostAssignmentFactory(person=leader, post=Post.GROUP_LEADER, group=group)
    assert count_queries(client_a, url) == small


def test_person_page_query_count_is_constant(client_a, world):
    roster = make_roster(world.village_a, members=1, groups=1)
    person = roster.secretary
    url = reverse("villages:person", args=[person.pk])
    small = count_queries(client_a, url)
    for year in range(2015, 2025):
        f.AssessmentFactory(person=person, year=year)
    for i in range(5):
        person.phone = f"1380000000{i}"
        person.save()
    assert count_queries(client_a, url) == small


def test_people_list_query_count_is_constant_and_filters_work(client_county, world):
    make_roster(world.village_a, members=1)
    url = reverse("villages:people")
    small = count_queries(client_county, url)
    for _ in range(3):
        make_roster(f.VillageFactory(township=world.township_b), members=5, groups=2)
    assert count_queries(client_county, url) == small
    assert count_queries(client_county, url, data={"post": Post.GROUP_LEADER, "age_min": 60}) == small


def test_people_filters(client_a, world):
    roster = make_roster(world.village_a, members=3)
    f.PersonFactory(home_village=world.village_a, name="大学生", education=Education.BACHELOR, gender=Gender.FEMALE)
    url = reverse("villages:people")

    def names(**params) -> set[str]:
        return {p.name for p in client_a.get(url, params).context["page"]}

    assert names(post=Post.GROUP_LEADER) == {roster.group_leader.name}
    assert names(age_min=60) == {roster.members[0].name, roster.group_leader.name}  # born 1964 and 1950
    assert names(age_min=56, age_max=56) == {roster.secretary.name}  # born 1970-03-04
    assert names(education=Education.BACHELOR, gender=Gender.FEMALE) == {"大学生"}
    assert names(village=world.village_a.code, q="大学") == {"大学生"}


def test_people_list_paginates(client_a, world):
    for _ in range(55):
        f.PersonFactory(home_village=world.village_a)
    first = client_a.get(reverse("villages:people"))
    assert len(first.context["page"]) == 50 and "下一页" in first.content.decode()
    second = client_a.get(reverse("villages:people"), {"page": 2})
    assert len(second.context["page"]) == 5


def test_counties_page_for_city_admin(client_city, world):
    html = client_city.get(reverse("villages:counties")).content.decode()
    assert "巴州区" in html and "通江县" in html
