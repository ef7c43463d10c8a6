"""People and posts API: masked ID numbers, ID validation, derived gender/birth date, versions, assessments."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from tests.roster_data import make_roster
from villages import idcard
from villages.choices import Gender, Grade, How, Post
from villages.models import Assessment, Person, PostAssignment

pytestmark = pytest.mark.django_db
API = "/api/v1"
JSON = "application/json"


@pytest.fixture
def roster_a(world):
    return make_roster(world.village_a)


def new_person(world, **changes) -> dict:
    number = f.make_id_number(dt.date(1988, 7, 9), gender=Gender.FEMALE, region="513701", seq=77)
    return {"name": "苟珺", "village": world.village_a.code, "id_number": number, "education": "associate"} | changes


def test_lists_and_details_show_only_the_masked_number(roster_a, client_a, client_county):
    person = roster_a.secretary
    for client in (client_a, client_county):
        detail = client.get(f"{API}/people/{person.pk}/").json()
        assert detail["id_number_masked"] == idcard.mask(person.id_number)
        assert "id_number" not in detail
        listed = client.get(f"{API}/people/").content.decode()
        assert person.id_number not in listed


def test_person_fields(roster_a, client_a):
    Assessment.objects.create(person=roster_a.secretary, year=2024, grade=Grade.EXCELLENT)
    body = client_a.get(f"{API}/people/{roster_a.secretary.pk}/").json()
    assert body["village"] == roster_a.secretary.home_village.code
    assert body["age"] == roster_a.secretary.age
    assert body["assessments"] == [{"year": 2024, "grade": "excellent"}]
    assert {p["post"] for p in body["posts"]} == {Post.PARTY_SECRETARY, Post.DIRECTOR}
    assert body["version"] == 1
    expected = {"gender", "birth_date", "ethnicity", "political_status", "party_joined_on", "education",
                "education_in_service", "health", "able_to_serve", "phone", "source_categories"}  # fmt: skip
    assert expected <= set(body)


def test_post_person_derives_gender_and_birth_date_from_the_number(world, client_a):
    response = client_a.post(f"{API}/people/", new_person(world, source_categories=["veteran"]), content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["gender"], body["birth_date"]) == ("female", "1988-07-09")
    assert "id_number" not in body and body["id_number_masked"].startswith("5137")
    assert Person.objects.get(pk=body["id"]).source_categories == ["veteran"]


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("51190219880709007X", "校验码错误"),
        ("5119021988070", "18位"),
        ("511902198802300071", "不是有效日期"),
    ],
)
def test_post_person_with_bad_id_number_is_400_with_the_reason(world, client_a, id_number, message):
    response = client_a.post(f"{API}/people/", new_person(world, id_number=id_number), content_type=JSON)
    assert response.status_code == 400
    assert message in response.json()["id_number"][0]
    assert not Person.objects.filter(name="苟珺").exists()


def test_typed_gender_that_disagrees_with_the_number_is_refused(world, client_a):
    response = client_a.post(f"{API}/people/", new_person(world, gender="male"), content_type=JSON)
    assert response.status_code == 400
    assert "性别与身份证号码不一致" in response.json()["gender"][0]


def test_fifteen_digit_numbers_are_upgraded_and_duplicates_refused(world, roster_a, client_a):
    old = "511902" + "650304" + "123"
    response = client_a.post(f"{API}/people/", new_person(world, id_number=old), content_type=JSON)
    assert response.status_code == 201, response.content
    assert Person.objects.get(pk=response.json()["id"]).id_number == idcard.upgrade_15(old)
    again = new_person(world, id_number=roster_a.secretary.id_number.lower(), name="重复")
    response = client_a.post(f"{API}/people/", again, content_type=JSON)
    assert response.status_code == 400 and "已登记" in response.json()["id_number"][0]


def test_secretary_cannot_add_a_person_to_another_township(world, client_a, client_b):
    response = client_b.post(f"{API}/people/", new_person(world), content_type=JSON)
    assert response.status_code == 400 and "village" in response.json()  # A's village does not exist for B
    assert not Person.objects.filter(name="苟珺").exists()


def test_patch_with_stale_version_is_409_and_writes_nothing(roster_a, client_a):
    url = f"{API}/people/{roster_a.secretary.pk}/"
    first = client_a.patch(url, {"phone": "13800000001", "version": 1}, content_type=JSON)
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client_a.patch(url, {"phone": "13900000002", "version": 1}, content_type=JSON)
    assert stale.status_code == 409
    assert "已被他人修改" in stale.json()["detail"]
    assert Person.objects.get(pk=roster_a.secretary.pk).phone == "13800000001"
    assert client_a.patch(url, {"phone": "13900000003"}, content_type=JSON).json()["version"] == 3


def test_patch_id_number_rederives_and_checks(roster_a, client_a):
    url = f"{API}/people/{roster_a.secretary.pk}/"
    number = f.make_id_number(dt.date(1971, 2, 3), seq=401)
    response = client_a.patch(url, {"id_number": number}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["birth_date"] == "1971-02-03"
    response = client_a.patch(url, {"birth_date": "1972-01-01"}, content_type=JSON)
    assert response.status_code == 400 and "出生日期" in response.json()["birth_date"][0]


def test_patch_assessments_adds_and_updates_years(roster_a, client_a):
    Assessment.objects.create(person=roster_a.secretary, year=2024, grade=Grade.COMPETENT)
    url = f"{API}/people/{roster_a.secretary.pk}/"
    rows = [{"year": 2024, "grade": "basically_competent"}, {"year": 2025, "grade": "excellent"}]
    response = client_a.patch(url, {"assessments": rows}, content_type=JSON)
    assert response.status_code == 200, response.content
    grades = dict(Assessment.objects.filter(person=roster_a.secretary).values_list("year", "grade"))
    assert grades == {2024: "basically_competent", 2025: "excellent"}
    twice = [{"year": 2025, "grade": "excellent"}, {"year": 2025, "grade": "competent"}]
    assert client_a.patch(url, {"assessments": twice}, content_type=JSON).status_code == 400


def test_delete_person_is_a_soft_delete(roster_a, client_a):
    url = f"{API}/people/{roster_a.members[0].pk}/"
    assert client_a.delete(url).status_code == 204
    assert client_a.get(url).status_code == 404
    assert Person.objects.filter(pk=roster_a.members[0].pk, deleted_at__isnull=False).exists()


def test_post_lifecycle(world, roster_a, client_a):
    person = roster_a.members[1]
    body = {"person": person.pk, "village": world.village_a.code, "post": "group_leader", "start_on": "2024-03-01"}
    response = client_a.post(f"{API}/posts/", body, content_type=JSON)
    assert response.status_code == 400 and "社号" in response.json()["group_number"][0]
    f.GroupFactory(village=world.village_a, number=2)
    response = client_a.post(f"{API}/posts/", body | {"group_number": 2, "how": How.CHOSEN}, content_type=JSON)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["organ"], created["group_number"], created["version"]) == ("group", 2, 1)
    url = f"{API}/posts/{created['id']}/"
    response = client_a.patch(url, {"end_on": "2024-01-01", "version": 1}, content_type=JSON)
    assert response.status_code == 400 and "离任时间" in response.json()["end_on"][0]
    response = client_a.patch(url, {"end_on": "2026-06-30", "end_reason": "辞职", "version": 1}, content_type=JSON)
    assert response.status_code == 200 and response.json()["version"] == 2
    assert client_a.patch(url, {"term": "x", "version": 1}, content_type=JSON).status_code == 409
    assert client_a.delete(url).status_code == 204
    assert not PostAssignment.objects.filter(pk=created["id"]).exists()


def test_post_refuses_group_for_other_posts_and_a_post_held_twice(world, roster_a, client_a):
    base = {"person": roster_a.secretary.pk, "village": world.village_a.code}
    response = client_a.post(f"{API}/posts/", base | {"post": "clerk", "group_number": 1}, content_type=JSON)
    assert response.status_code == 400 and "只有社长" in response.json()["group_number"][0]
    response = client_a.post(f"{API}/posts/", base | {"post": "party_secretary"}, content_type=JSON)
    # Every rule the post breaks is listed: the (群众) secretary already holds it, and it needs a party member.
    assert response.status_code == 400 and any("已担任本村书记" in m for m in response.json()["post"])


def test_secretary_cannot_post_to_a_visible_village_of_another_township(world, roster_a, client_a):
    # A person of A holding a post in B's village makes that person visible to both, not the village.
    response = client_a.post(
        f"{API}/posts/",
        {"person": roster_a.secretary.pk, "village": world.village_b.code, "post": "clerk"},
        content_type=JSON,
    )
    assert response.status_code == 400 and "village" in response.json()


def test_party_post_needs_a_full_party_member(world, secretary_a):
    from rest_framework.test import APIClient

    from tests import factories as f

    person = f.PersonFactory(home_village=world.village_a, political_status="masses")
    client = APIClient()
    client.force_authenticate(secretary_a)
    body = {"person": person.pk, "village": world.village_a.code, "post": "party_member", "start_on": "2026-01-01"}
    response = client.post("/api/v1/posts/", body, format="json")
    assert response.status_code == 400
    assert "正式党员" in response.json()["post"][0]
    person.political_status = "cpc_member"
    person.save()
    assert client.post("/api/v1/posts/", body, format="json").status_code == 201
