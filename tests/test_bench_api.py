"""The bench API (reserves/bench_api.py): talents, mentors, talks, placements, programmes; JSON only, strict,
scoped (outsiders 404, read-only 403), constant query counts on lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reserves.models import EducationProgramme, Reserve, Talent
from tests import factories as f
from villages.choices import Education

TODAY = timezone.localdate()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def reserve(world):
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1996, 1, 1))
    return f.ReserveFactory(person=person, added_on=dt.date(2025, 1, 1))


def test_talent_create_promote_keeps_the_person(world, secretary_a):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1994, 1, 1), education=Education.ASSOCIATE
    )
    client = api(secretary_a)
    body = {"person": person.pk, "village": world.village_a.code, "source": "graduate", "category": "governance"}
    created = client.post("/api/v1/talents/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "in_pool" and created.json()["entered_on"] == TODAY.isoformat()
    talent_id = created.json()["id"]
    promoted = client.post(f"/api/v1/talents/{talent_id}/promote/", {"target_post": "director"}, format="json")
    assert promoted.status_code == 201, promoted.json()
    assert promoted.json()["person"] == person.pk and promoted.json()["eligible"] is True
    assert Talent.objects.get().reserve_id == promoted.json()["id"]
    again = client.post(f"/api/v1/talents/{talent_id}/promote/", {"target_post": "director"}, format="json")
    assert again.status_code == 400 and "不在人才库中" in again.json()["non_field_errors"][0]


def test_an_ineligible_promotion_names_the_rule_on_override_reason(world, secretary_a):
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 1, 1), education=Education.PRIMARY)
    talent = f.TalentFactory(person=person)
    client = api(secretary_a)
    refused = client.post(f"/api/v1/talents/{talent.pk}/promote/", {"target_post": "director"}, format="json")
    assert refused.status_code == 400 and "学历为小学" in refused.json()["override_reason"][0]
    body = {"target_post": "director", "override_reason": "养殖大户"}
    assert client.post(f"/api/v1/talents/{talent.pk}/promote/", body, format="json").status_code == 201


def test_writes_are_strict_and_json_only(world, secretary_a):
    talent = f.TalentFactory(person=f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 1, 1)))
    client = api(secretary_a)
    unknown = client.patch(
        f"/api/v1/talents/{talent.pk}/", {"willingness": "unwilling", "colour": "red"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json() == {"colour": ["此字段不可写入"]}
    read_only = client.patch(f"/api/v1/talents/{talent.pk}/", {"status": "promoted"}, format="json")
    assert read_only.status_code == 400 and "status" in read_only.json()
    form = client.patch(f"/api/v1/talents/{talent.pk}/", {"willingness": "unwilling"}, format="multipart")
    assert form.status_code == 415
    ok = client.patch(f"/api/v1/talents/{talent.pk}/", {"willingness": "unwilling"}, format="json")
    assert ok.status_code == 200 and ok.json()["willingness"] == "unwilling"


def test_talents_scoping_and_permissions(world, secretary_a, secretary_b, county_staff):
    talent = f.TalentFactory(person=f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 1, 1)))
    assert api(secretary_b).get(f"/api/v1/talents/{talent.pk}/").status_code == 404
    assert api(secretary_b).get("/api/v1/talents/").json()["count"] == 0
    county = api(county_staff)
    assert county.get(f"/api/v1/talents/{talent.pk}/").status_code == 200
    assert county.patch(f"/api/v1/talents/{talent.pk}/", {"strengths": "x"}, format="json").status_code == 403
    assert (
        county.post(f"/api/v1/talents/{talent.pk}/promote/", {"target_post": "director"}, format="json").status_code
        == 403
    )
    body = {"person": talent.person_id, "village": world.village_a.code, "source": "graduate", "category": "governance"}
    assert county.post("/api/v1/talents/", body, format="json").status_code == 403
    other = f.PersonFactory(home_village=world.village_b, birth_date=dt.date(1994, 1, 1))
    body = {"person": other.pk, "village": world.village_a.code, "source": "graduate", "category": "governance"}
    outsider = api(secretary_a).post("/api/v1/talents/", body, format="json")
    assert outsider.status_code == 400 and "person" in outsider.json()  # another township's person does not exist


def test_mentors_talks_placements(world, reserve, secretary_a, secretary_b, county_staff):
    client = api(secretary_a)
    base = f"/api/v1/reserves/{reserve.pk}"
    mentors = client.get(f"{base}/mentors/").json()
    assert [m["side"] for m in mentors] == ["township", "village"] and mentors[0]["due_on"] == "2025-02-01"
    named = client.post(
        f"{base}/mentors/",
        {"side": "township", "name": "赵委员", "post": "组织委员", "named_on": "2025-01-10"},
        format="json",
    )
    assert named.status_code == 201 and named.json()["name"] == "赵委员"
    outsider = f.PersonFactory(home_village=world.village_b)
    bad = client.post(
        f"{base}/mentors/", {"side": "village", "person": outsider.pk, "named_on": "2025-01-10"}, format="json"
    )
    assert bad.status_code == 400 and "person" in bad.json()
    talk = client.post(
        f"{base}/talks/", {"held_on": TODAY.isoformat(), "by": "township_mentor", "topic": "学习计划"}, format="json"
    )
    assert talk.status_code == 201 and talk.json()["by_name"] == "赵委员"
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    future = client.post(
        f"{base}/talks/", {"held_on": tomorrow, "by": "other", "by_name": "x", "topic": "y"}, format="json"
    )
    assert future.status_code == 400 and "不能晚于今天" in str(future.json())
    placement = client.post(
        f"{base}/placements/", {"post_name": "书记助理", "starts_on": "2025-03-01", "stipend": True}, format="json"
    )
    assert placement.status_code == 201
    assert client.get(f"{base}/talks/").json()["count"] == 1
    assert api(secretary_b).get(f"{base}/talks/").status_code == 404
    assert (
        api(secretary_b).post(f"{base}/talks/", {"held_on": "2025-05-01", "by": "other"}, format="json").status_code
        == 404
    )
    assert api(county_staff).get(f"{base}/placements/").json()["count"] == 1
    denied = api(county_staff).post(
        f"{base}/talks/", {"held_on": "2025-05-01", "by": "other", "by_name": "x", "topic": "y"}, format="json"
    )
    assert denied.status_code == 403


def test_programmes_record_and_end(world, reserve, secretary_a, county_staff):
    client = api(secretary_a)
    body = {
        "person": reserve.person_id,
        "institution": "四川开放大学巴中分部",
        "major": "农村行政管理",
        "level": "associate",
        "enrolled_on": "2025-03-01",
        "expected_graduation_on": "2027-07-01",
        "funding_note": "服务期5年",
    }
    created = client.post("/api/v1/education-programmes/", body, format="json")
    assert created.status_code == 201 and created.json()["status"] == "studying"
    reserve.person.refresh_from_db()
    assert reserve.person.education_in_progress == Education.ASSOCIATE
    pk = created.json()["id"]
    assert (
        api(county_staff)
        .patch(
            f"/api/v1/education-programmes/{pk}/", {"status": "dropped", "ended_on": TODAY.isoformat()}, format="json"
        )
        .status_code
        == 403
    )
    wrong = client.patch(f"/api/v1/education-programmes/{pk}/", {"major": "法律"}, format="json")
    assert wrong.status_code == 400 and "major" in wrong.json()
    dropped = client.patch(
        f"/api/v1/education-programmes/{pk}/", {"status": "dropped", "ended_on": TODAY.isoformat()}, format="json"
    )
    assert dropped.status_code == 200 and dropped.json()["status"] == "dropped"
    reserve.person.refresh_from_db()
    assert reserve.person.education_in_progress == ""
    assert api(county_staff).post("/api/v1/education-programmes/", body, format="json").status_code == 403
    assert api(county_staff).get(f"/api/v1/education-programmes/?person={reserve.person_id}").json()["count"] == 1


@pytest.mark.parametrize(
    "url",
    ["/api/v1/talents/", "/api/v1/education-programmes/", "/api/v1/reserves/{reserve}/talks/"],
)
def test_lists_read_a_constant_number_of_queries(world, reserve, secretary_a, url, django_assert_max_num_queries):
    client = api(secretary_a)
    url = url.format(reserve=reserve.pk)

    def add() -> None:
        person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1995, 1, 1))
        f.TalentFactory(person=person)
        f.EducationProgrammeFactory(person=person)
        f.TalkFactory(reserve=reserve)

    add()
    with django_assert_max_num_queries(20) as captured:
        assert client.get(url).status_code == 200
    baseline = len(captured.captured_queries)
    for _ in range(4):
        add()
    with django_assert_max_num_queries(baseline):
        assert client.get(url).json()["count"] == 5
    assert EducationProgramme.objects.count() == 5 and Reserve.objects.count() == 1
