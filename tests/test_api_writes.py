"""API writes: village groups (社), uniform error shapes (400 names the field, 409 says what changed), JSON only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from reserves.models import ElectionResult
from tests import factories as f
from villages.choices import Post
from villages.models import Group, PostAssignment, Village

API = "/api/v1"
JSON = "application/json"


def _village_with_groups(world, *numbers: int) -> Village:
    village = f.VillageFactory.create(township=world.township_a, code="511902100310", name="青杠坪村")
    for number in numbers:
        Group.objects.create(village=village, number=number, name=f"{number}社")
    return village


def _groups(village: Village) -> list[tuple[int, str]]:
    return list(village.groups.order_by("number").values_list("number", "name"))


def test_county_creates_a_village_with_groups_and_a_roster_can_use_them(client_county, client_a, world):
    body = {
        "code": "511902100311",
        "name": "青杠坪村",
        "township": world.township_a.code,
        "groups": [{"number": 1, "name": "一社"}, {"number": 2}],
    }
    response = client_county.post(f"{API}/villages/", body, content_type=JSON)
    assert response.status_code == 201, response.json()
    assert response.json()["groups"] == [{"number": 1, "name": "一社"}, {"number": 2, "name": ""}]
    assert response.json()["version"] == 1
    person = f.PersonFactory.create(home_village=Village.objects.get(code="511902100311"))
    leader = {"person": person.pk, "village": "511902100311", "post": "group_leader", "group_number": 2}
    assert client_a.post(f"{API}/posts/", leader, content_type=JSON).status_code == 201


def test_patch_with_groups_replaces_the_list(client_county, world):
    village = _village_with_groups(world, 1, 2, 3)
    body = {"groups": [{"number": 1, "name": "一社（老街）"}, {"number": 4, "name": "4社"}]}
    response = client_county.patch(f"{API}/villages/{village.code}/", body, content_type=JSON)
    assert response.status_code == 200, response.json()
    assert response.json()["groups"] == body["groups"]
    assert _groups(village) == [(1, "一社（老街）"), (4, "4社")]
    village.refresh_from_db()
    assert village.version == 2


def test_patch_without_groups_keeps_them(client_county, world):
    village = _village_with_groups(world, 1, 2)
    response = client_county.patch(f"{API}/villages/{village.code}/", {"name": "新名"}, content_type=JSON)
    assert response.status_code == 200 and len(response.json()["groups"]) == 2


def test_removing_a_group_whose_leader_is_in_office_is_400_naming_groups(client_county, world):
    village = _village_with_groups(world, 1, 2)
    person = f.PersonFactory.create(home_village=village, name="王社长")
    f.PostAssignmentFactory.create(
        person=person, village=village, post=Post.GROUP_LEADER, group=village.groups.get(number=2)
    )
    body = {"name": "改名不应保存", "groups": [{"number": 1, "name": "1社"}]}
    response = client_county.patch(f"{API}/villages/{village.code}/", body, content_type=JSON)
    assert response.status_code == 400
    assert response.json() == {"groups": ["第2社（在任社长王社长）不能删除：请先结束社长任职，或保留该社"]}
    village.refresh_from_db()
    assert village.name == "青杠坪村" and village.version == 1 and _groups(village) == [(1, "1社"), (2, "2社")]


def test_removing_a_group_with_past_records_is_400_and_keeps_everything(client_county, world):
    village = _village_with_groups(world, 1, 2)
    group = village.groups.get(number=2)
    past = f.PostAssignmentFactory.create(
        person=f.PersonFactory.create(home_village=village), village=village, post=Post.GROUP_LEADER, group=group
    )
    PostAssignment.objects.filter(pk=past.pk).update(end_on=dt.date(2024, 1, 1))
    election = f.ElectionFactory.create(village=village)
    ElectionResult.objects.create(election=election, person=past.person, post=Post.GROUP_LEADER, group=group)
    response = client_county.patch(
        f"{API}/villages/{village.code}/", {"groups": [{"number": 1, "name": "1社"}]}, content_type=JSON
    )
    assert response.status_code == 400
    assert response.json() == {"groups": ["第2社有历任社长或换届结果记录，不能删除"]}
    assert _groups(village) == [(1, "1社"), (2, "2社")]


@pytest.mark.parametrize(
    ("groups", "error"),
    [
        ([{"number": 1}, {"number": 1}], {"groups": ["社号重复：第1社"]}),
        ([{"number": 0}], {"groups": {"0": {"number": ["请确保该值大于或者等于 1。"]}}}),
        (
            [{"number": 1}, {"number": 2, "leader": "x"}],
            {"groups": {"1": {"leader": ["未知字段：本接口不接受此字段"]}}},
        ),
    ],
)
def test_bad_groups_are_400_naming_the_field(client_county, world, groups, error):
    village = _village_with_groups(world, 1)
    response = client_county.patch(f"{API}/villages/{village.code}/", {"groups": groups}, content_type=JSON)
    assert response.status_code == 400 and response.json() == error
    assert _groups(village) == [(1, "1社")]


def test_township_secretary_cannot_change_groups(client_a, world):
    village = _village_with_groups(world, 1)
    response = client_a.patch(f"{API}/villages/{village.code}/", {"groups": []}, content_type=JSON)
    assert response.status_code == 403
    assert _groups(village) == [(1, "1社")]


def test_code_cannot_be_changed_by_patch(client_county, world):
    response = client_county.patch(
        f"{API}/villages/{world.village_a.code}/", {"code": "511902100999"}, content_type=JSON
    )
    assert response.status_code == 400 and response.json() == {"code": ["只读字段，不能写入"]}


def test_version_on_post_is_refused(client_county, world):
    body = {"code": "511902100312", "name": "新村", "township": world.township_a.code, "version": 3}
    response = client_county.post(f"{API}/villages/", body, content_type=JSON)
    assert response.status_code == 400 and response.json() == {"version": ["只读字段，不能写入"]}


# ---- error shapes ----


def test_form_encoded_body_is_415_not_guessed(client_county, world):
    response = client_county.patch(
        f"{API}/villages/{world.village_a.code}/", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_malformed_json_is_400_under_non_field_errors(client_county, world):
    response = client_county.patch(f"{API}/villages/{world.village_a.code}/", "{name: x", content_type=JSON)
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert message.startswith("请求体不是有效的 JSON")


def test_a_body_that_is_not_an_object_is_400_under_non_field_errors(client_county, world):
    response = client_county.patch(f"{API}/villages/{world.village_a.code}/", "[1, 2]", content_type=JSON)
    assert response.status_code == 400 and list(response.json()) == ["non_field_errors"]


def test_stale_version_is_409_saying_who_changed_which_fields(secretary_a, world):
    person = f.PersonFactory.create(home_village=world.village_a, phone="13900000001")
    first, second = Client(), Client()
    first.force_login(secretary_a)
    second.force_login(secretary_a)
    url = f"{API}/people/{person.pk}/"
    saved = first.patch(url, {"phone": "13900000002", "education": "bachelor", "version": 1}, content_type=JSON)
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = second.patch(url, {"phone": "13900000003", "version": 1}, content_type=JSON)
    assert stale.status_code == 409
    body = stale.json()
    assert body["version"] == 2 and body["changed_by"] == str(secretary_a) and body["changed_at"]
    assert {c["field"]: (c["label"], c["old"], c["new"]) for c in body["changes"]} == {
        "phone": ("联系电话", "13900000001", "13900000002"),
        "education": ("全日制最高学历", "高中", "大学本科"),
    }
    assert "改动：" in body["detail"] and "联系电话" in body["detail"] and "全日制最高学历" in body["detail"]
    person.refresh_from_db()
    assert person.phone == "13900000002"


def test_stale_version_of_a_village_names_the_api_field(client_county, world):
    village = world.village_a
    url = f"{API}/villages/{village.code}/"
    assert client_county.patch(url, {"election_date": "2026-12-01"}, content_type=JSON).status_code == 200
    stale = client_county.patch(url, {"name": "x", "version": 1}, content_type=JSON)
    assert stale.status_code == 409
    assert [c["field"] for c in stale.json()["changes"]] == ["election_date"]


def test_a_version_the_row_never_had_is_409(client_county, world):
    stale = client_county.patch(
        f"{API}/villages/{world.village_a.code}/", {"name": "x", "version": 9}, content_type=JSON
    )
    assert stale.status_code == 409 and stale.json()["version"] == 1 and stale.json()["changes"] == []
