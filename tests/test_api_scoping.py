"""Units, people and posts API: token auth, scoping (outsiders 404, read-only 403), filters, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.roster_data import make_roster
from villages.choices import Post
from villages.models import Village

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def roster_a(world):
    return make_roster(world.village_a)


@pytest.fixture
def roster_b(world):
    return make_roster(world.village_b)


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_token_flow_gives_scoped_access(world, secretary_a):
    anonymous = Client()
    assert anonymous.get(f"{API}/villages/").status_code in {401, 403}
    response = anonymous.post(
        f"{API}/auth/token/", {"username": "sec_a", "password": "test-pass-2026!"}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert codes(client.get(f"{API}/villages/")) == [world.village_a.code]
    assert client.get(f"{API}/villages/{world.village_b.code}/").status_code == 404
    assert Client(HTTP_AUTHORIZATION="Token wrong").get(f"{API}/villages/").status_code == 401


def test_units_are_scoped_per_role(world, client_a, client_county, client_city):
    assert codes(client_a.get(f"{API}/counties/")) == ["511902"]
    assert codes(client_a.get(f"{API}/townships/")) == ["511902100"]
    assert codes(client_county.get(f"{API}/townships/")) == ["511902100", "511902101"]
    assert client_county.get(f"{API}/counties/511921/").status_code == 404
    assert client_county.get(f"{API}/townships/511921100/").status_code == 404
    assert codes(client_city.get(f"{API}/counties/")) == ["511902", "511921"]
    township = client_county.get(f"{API}/townships/511902101/").json()
    assert township == {"code": "511902101", "name": "大和乡", "county": "511902", "city": "5119"}


def test_village_fields_and_filters(world, client_county, client_city):
    f.GroupFactory(village=world.village_a, number=1, name="1社")
    body = client_county.get(f"{API}/villages/{world.village_a.code}/").json()
    assert body["township"] == "511902100" and body["county"] == "511902"
    assert body["groups"] == [{"number": 1, "name": "1社"}]
    assert {"party_member_count", "last_party_admission_on", "election_date", "version"} <= set(body)
    assert codes(client_county.get(f"{API}/villages/")) == [world.village_a.code, world.village_b.code]
    assert codes(client_county.get(f"{API}/villages/?township=511902101")) == [world.village_b.code]
    assert codes(client_city.get(f"{API}/villages/?county=511921")) == [world.village_other_county.code]
    assert codes(client_county.get(f"{API}/villages/?county=511921")) == []  # filters never widen the scope


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_secretary_b_gets_404_for_village_person_and_post_of_a(world, roster_a, client_b, method):
    urls = [
        f"{API}/villages/{world.village_a.code}/",
        f"{API}/people/{roster_a.secretary.pk}/",
        f"{API}/posts/{roster_a.secretary_post.pk}/",
    ]
    for url in urls:
        response = getattr(client_b, method)(url, {"name": "改名"}, content_type="application/json")
        assert response.status_code == 404, url
    assert Village.objects.get(pk=world.village_a.pk).name == "青龙村"
    roster_a.secretary.refresh_from_db()
    assert roster_a.secretary.deleted_at is None


def test_county_staff_reads_the_whole_county_but_may_not_write_people_or_posts(
    world, roster_a, roster_b, client_county
):
    people = client_county.get(f"{API}/people/?page_size=500").json()
    assert people["count"] == 2 * (1 + 2 + 1)
    villages = {row["village"] for row in people["results"]}
    assert villages == {world.village_a.code, world.village_b.code}
    person_url = f"{API}/people/{roster_a.secretary.pk}/"
    assert client_county.get(person_url).status_code == 200
    assert client_county.patch(person_url, {"name": "改名"}, content_type="application/json").status_code == 403
    assert client_county.patch(person_url, {"name": ""}, content_type="application/json").status_code == 403
    assert client_county.delete(person_url).status_code == 403
    body = {"name": "新人", "village": world.village_a.code, "id_number": roster_a.secretary.id_number}
    assert client_county.post(f"{API}/people/", body, content_type="application/json").status_code == 403
    post_url = f"{API}/posts/{roster_a.secretary_post.pk}/"
    assert client_county.patch(post_url, {"term": "x"}, content_type="application/json").status_code == 403
    assert client_county.delete(post_url).status_code == 403


def test_village_writes_for_county_staff_only(world, client_a, client_county):
    url = f"{API}/villages/{world.village_a.code}/"
    assert client_a.patch(url, {"party_member_count": 40}, content_type="application/json").status_code == 403
    assert client_a.delete(url).status_code == 403
    response = client_county.patch(url, {"party_member_count": 41, "election_date": "2026-12-20"}, "application/json")
    assert response.status_code == 200, response.content
    assert response.json()["election_date"] == "2026-12-20"
    village = Village.objects.get(pk=world.village_a.pk)
    assert (village.party_member_count, village.version) == (41, 2)


def test_county_staff_creates_a_village_only_in_their_county(world, client_county, client_a):
    body = {"code": "511902100299", "name": "新建村", "township": "511902100"}
    assert client_a.post(f"{API}/villages/", body, content_type="application/json").status_code == 403
    response = client_county.post(f"{API}/villages/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    outside = {"code": "511921100299", "name": "外县村", "township": "511921100"}
    response = client_county.post(f"{API}/villages/", outside, content_type="application/json")
    assert response.status_code == 400 and "township" in response.json()
    mismatch = {"code": "511902101299", "name": "错码村", "township": "511902100"}
    assert "code" in client_county.post(f"{API}/villages/", mismatch, content_type="application/json").json()


def test_village_with_people_is_not_deleted(world, roster_a, client_county):
    assert client_county.delete(f"{API}/villages/{world.village_a.code}/").status_code == 409
    empty = f.VillageFactory(township=world.township_b, code="511902101288", name="空村")
    assert client_county.delete(f"{API}/villages/{empty.code}/").status_code == 204


def test_people_and_posts_filters(world, roster_a, roster_b, client_county):
    people = client_county.get(f"{API}/people/?village={world.village_b.code}").json()
    assert {row["village"] for row in people["results"]} == {world.village_b.code}
    posts = client_county.get(f"{API}/posts/?township=511902100&post=party_secretary").json()
    assert [row["id"] for row in posts["results"]] == [roster_a.secretary_post.pk]
    leaders = client_county.get(f"{API}/posts/?village={world.village_a.code}&post={Post.GROUP_LEADER}").json()
    assert leaders["results"][0]["group_number"] == 1


def add_rows(village: Village, count: int) -> None:
    """`count` more people, each with a post and an assessment, and a 社 per person."""
    for n in range(count):
        group = f.GroupFactory(village=village, number=100 + n)
        person = f.PersonFactory(home_village=village)
        f.PostAssignmentFactory(person=person, post=Post.GROUP_LEADER, group=group)
        f.AssessmentFactory(person=person, year=2024)


@pytest.mark.parametrize("endpoint", ["counties", "townships", "villages", "people", "posts"])
def test_list_query_count_does_not_grow_with_rows(world, client_city, django_assert_num_queries, endpoint):
    def create(n: int) -> None:
        for i in range(n):
            county = f.CountyFactory(code=f"5119{40 + len(created) + i}", name="县")
            township = f.TownshipFactory(county=county, code=f"{county.code}100")
            add_rows(f.VillageFactory.create(township=township, code=f"{township.code}201"), 1)
        created.extend(range(n))

    created: list[int] = []
    create(2)
    url = f"{API}/{endpoint}/?page_size=500"
    with CaptureQueriesContext(connection) as few:
        assert client_city.get(url).status_code == 200
    create(18)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client_city.get(url).json()["count"] >= 20
