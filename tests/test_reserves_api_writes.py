"""API writes of reserves (POST/PATCH with the web's eligibility rules) and of a trainee's enrolment status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from reserves.choices import ReserveStatus
from reserves.models import Reserve
from tests import factories as f
from villages.choices import Post

API = "/api/v1"
JSON = "application/json"


@pytest.fixture
def young(world):
    return f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1996, 2, 1), education="associate")


@pytest.fixture
def too_old(world):
    return f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1970, 1, 1), education="associate")


def _entry(person, **fields) -> dict:
    return {
        "person": person.pk,
        "village": person.home_village.code,
        "target_post": "party_secretary",
        "readiness": "within_term",
        "added_on": "2026-01-15",
        **fields,
    }


def test_township_secretary_enters_an_eligible_reserve(client_a, young):
    response = client_a.post(f"{API}/reserves/", _entry(young, added_how="inspected", rank=2), content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["added_how"], body["rank"], body["override_reason"], body["version"]) == (
        "active",
        "inspected",
        2,
        "",
        1,
    )
    assert Reserve.objects.get(pk=body["id"]).village.code == young.home_village.code


def test_an_ineligible_person_needs_override_reason_naming_the_rule(client_a, too_old):
    refused = client_a.post(f"{API}/reserves/", _entry(too_old), content_type=JSON)
    assert refused.status_code == 400
    [message] = refused.json()["override_reason"]
    assert "超过放宽年龄上限45岁" in message and "须填写理由" in message
    assert not Reserve.objects.exists()
    kept = client_a.post(
        f"{API}/reserves/", _entry(too_old, override_reason="村民推荐，乡镇党委研究同意"), content_type=JSON
    )
    assert kept.status_code == 201 and kept.json()["override_reason"] == "村民推荐，乡镇党委研究同意"


def test_a_second_active_entry_for_the_same_post_is_400(client_a, young):
    assert client_a.post(f"{API}/reserves/", _entry(young), content_type=JSON).status_code == 201
    again = client_a.post(f"{API}/reserves/", _entry(young), content_type=JSON)
    assert again.status_code == 400 and again.json() == {"target_post": ["此人已是该岗位的在库后备干部"]}


def test_a_person_not_placed_in_the_village_is_400(client_a, world):
    elsewhere = f.PersonFactory(home_village=f.VillageFactory(township=world.township_a))
    response = client_a.post(f"{API}/reserves/", _entry(elsewhere, village=world.village_a.code), content_type=JSON)
    assert response.status_code == 400 and list(response.json()) == ["person"]


def test_first_secretary_is_not_a_reserve_target(client_a, young):
    response = client_a.post(f"{API}/reserves/", _entry(young, target_post="first_secretary"), content_type=JSON)
    assert response.status_code == 400 and list(response.json()) == ["target_post"]


@pytest.mark.parametrize(("persona", "code"), [("client_county", 403), ("client_city", 403), ("client_b", 400)])
def test_only_the_townships_secretary_enters_reserves(request, young, persona, code):
    client: Client = request.getfixturevalue(persona)
    response = client.post(f"{API}/reserves/", _entry(young), content_type=JSON)
    assert response.status_code == code  # client_b: village_a does not exist for them (400 on village/person)
    assert not Reserve.objects.exists()


@pytest.fixture
def reserve(young):
    return f.ReserveFactory(person=young, village=young.home_village, target_post=Post.DIRECTOR)


def test_withdrawing_needs_a_reason(client_a, reserve):
    url = f"{API}/reserves/{reserve.pk}/"
    refused = client_a.patch(url, {"status": "withdrawn"}, content_type=JSON)
    assert refused.status_code == 400 and refused.json() == {"withdrawn_reason": ["退出后备须填写退出原因"]}
    done = client_a.patch(url, {"status": "withdrawn", "withdrawn_reason": "外出务工", "version": 1}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "withdrawn" and done.json()["version"] == 2
    reserve.refresh_from_db()
    assert reserve.status_changed_on is not None
    back = client_a.patch(url, {"status": "active"}, content_type=JSON)
    assert back.status_code == 400 and list(back.json()) == ["status"]


def test_a_reason_without_withdrawal_is_400(client_a, reserve):
    response = client_a.patch(f"{API}/reserves/{reserve.pk}/", {"withdrawn_reason": "x"}, content_type=JSON)
    assert response.status_code == 400 and list(response.json()) == ["withdrawn_reason"]


def test_appointed_only_when_the_person_holds_the_target_post(client_a, reserve):
    url = f"{API}/reserves/{reserve.pk}/"
    refused = client_a.patch(url, {"status": "appointed"}, content_type=JSON)
    assert refused.status_code == 400 and "现未担任" in refused.json()["status"][0]
    post = f.PostAssignmentFactory(
        person=reserve.person, village=reserve.village, post=Post.DIRECTOR, start_on=dt.date(2026, 1, 3)
    )
    done = client_a.patch(url, {"status": "appointed"}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == ReserveStatus.APPOINTED
    reserve.refresh_from_db()
    assert reserve.appointed_post == post and reserve.status_changed_on == dt.date(2026, 1, 3)


def test_editing_an_ineligible_reserve_keeps_needing_a_reason(client_a, too_old):
    reserve = f.ReserveFactory(person=too_old, village=too_old.home_village, eligibility_override_reason="原因")
    url = f"{API}/reserves/{reserve.pk}/"
    assert client_a.patch(url, {"readiness": "ready_now"}, content_type=JSON).status_code == 200
    cleared = client_a.patch(url, {"override_reason": ""}, content_type=JSON)
    assert cleared.status_code == 400 and list(cleared.json()) == ["override_reason"]


def test_fields_fixed_at_entry_are_read_only_on_patch(client_a, reserve):
    response = client_a.patch(f"{API}/reserves/{reserve.pk}/", {"target_post": "clerk"}, content_type=JSON)
    assert response.status_code == 400 and response.json() == {"target_post": ["只读字段，不能写入"]}


@pytest.mark.parametrize(("persona", "code"), [("client_county", 403), ("client_b", 404), ("client_a", 200)])
def test_who_may_patch_a_reserve(request, reserve, persona, code):
    client: Client = request.getfixturevalue(persona)
    assert client.patch(f"{API}/reserves/{reserve.pk}/", {"rank": 4}, content_type=JSON).status_code == code


def test_stale_reserve_version_is_409(client_a, reserve):
    url = f"{API}/reserves/{reserve.pk}/"
    assert client_a.patch(url, {"rank": 2, "version": 1}, content_type=JSON).status_code == 200
    stale = client_a.patch(url, {"rank": 3, "version": 1}, content_type=JSON)
    assert stale.status_code == 409 and [c["field"] for c in stale.json()["changes"]] == ["rank"]


# ---- enrolment detail ----


@pytest.fixture
def enrollment(world):
    training_class = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2020, 7, 1))
    return f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a, status="enrolled")


def _enrollment_url(enrollment) -> str:
    return f"{API}/classes/{enrollment.training_class_id}/enrollments/{enrollment.pk}/"


def test_enrollment_detail(client_a, client_b, enrollment):
    assert client_a.get(_enrollment_url(enrollment)).json() == {
        "id": enrollment.pk,
        "person": enrollment.person_id,
        "status": "enrolled",
        "completed_on": None,
    }
    assert client_b.get(_enrollment_url(enrollment)).status_code == 404  # the trainee is not theirs to see


def test_completing_a_trainee_takes_the_class_end_date(client_county, enrollment):
    response = client_county.patch(_enrollment_url(enrollment), {"status": "completed"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["completed_on"] == "2020-07-01"
    dropped = client_county.patch(_enrollment_url(enrollment), {"status": "dropped"}, content_type=JSON)
    assert dropped.json()["completed_on"] is None
    enrollment.refresh_from_db()
    assert enrollment.status == "dropped" and enrollment.completed_on is None


def test_a_completion_date_without_completion_is_400(client_county, enrollment):
    response = client_county.patch(_enrollment_url(enrollment), {"completed_on": "2020-06-01"}, content_type=JSON)
    assert response.status_code == 400 and list(response.json()) == ["completed_on"]


@pytest.mark.parametrize(("persona", "code"), [("client_a", 403), ("client_city", 200)])
def test_who_may_change_an_enrollment(request, enrollment, persona, code):
    client: Client = request.getfixturevalue(persona)
    assert client.patch(_enrollment_url(enrollment), {"status": "completed"}, content_type=JSON).status_code == code


def test_an_enrollment_of_another_class_is_404(client_county, enrollment, world):
    other = f.TrainingClassFactory(county=world.county)
    url = f"{API}/classes/{other.pk}/enrollments/{enrollment.pk}/"
    assert client_county.get(url).status_code == 404
    assert client_county.patch(url, {"status": "completed"}, content_type=JSON).status_code == 404


def test_the_trainee_cannot_be_swapped(client_county, enrollment, world):
    other = f.PersonFactory(home_village=world.village_a)
    response = client_county.patch(_enrollment_url(enrollment), {"person": other.pk}, content_type=JSON)
    assert response.status_code == 400 and response.json() == {"person": ["只读字段，不能写入"]}


def test_results_with_a_value_of_the_wrong_type_name_the_row(client_a, world):
    election = f.ElectionFactory(village=world.village_a)
    person = f.PersonFactory(home_village=world.village_a)
    rows = [{"person": person.pk, "post": "director"}, {"person": "x", "post": "mayor", "colour": 1}]
    response = client_a.post(f"{API}/elections/{election.pk}/results/", {"rows": rows}, content_type=JSON)
    assert response.status_code == 400
    assert {(r["row"], r["field"]) for r in response.json()["rows"]} == {(2, "person"), (2, "post"), (2, "colour")}
