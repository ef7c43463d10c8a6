"""API for reserves, classes, enrolments, outcomes and elections: fields, scoping (404), roles (403), schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from reserves.choices import ReserveStatus
from reserves.models import Enrollment, TrainingClass
from tests import factories as f
from villages.choices import Post
from villages.models import PostAssignment

API = "/api/v1"


@pytest.fixture
def reserve(world):
    return f.ReserveFactory(person__home_village=world.village_a, person__political_status="cpc_member")


@pytest.fixture
def training_class(world):
    return f.TrainingClassFactory(county=world.county)


@pytest.fixture
def election(world):
    return f.ElectionFactory(village=world.village_a)


def test_reserve_fields_exactly_as_api_md(client_a, reserve):
    body = client_a.get(f"{API}/reserves/").json()
    assert body["count"] == 1
    assert set(body["results"][0]) == {
        "id",
        "person",
        "village",
        "target_post",
        "readiness",
        "rank",
        "status",
        "added_on",
        "added_how",
        "withdrawn_reason",
        "override_reason",
        "eligible",
        "eligibility_note",
        "version",
    }
    assert body["results"][0]["village"] == "511902100201"


@pytest.mark.parametrize(
    ("persona", "visible"), [("client_a", 200), ("client_b", 404), ("client_county", 200), ("client_city", 200)]
)
def test_reserve_detail_scoping(request, reserve, persona, visible):
    client: Client = request.getfixturevalue(persona)
    assert client.get(f"{API}/reserves/{reserve.pk}/").status_code == visible


def test_class_fields_and_other_county_is_404(client_county, training_class, world):
    other = f.TrainingClassFactory(county=world.other_county)
    body = client_county.get(f"{API}/classes/{training_class.pk}/").json()
    assert set(body) == {"id", "name", "institution", "level", "county", "starts_on", "ends_on"}
    assert body["county"] == "511902"
    assert client_county.get(f"{API}/classes/{other.pk}/").status_code == 404


@pytest.mark.parametrize(("persona", "code"), [("client_county", 201), ("client_city", 201), ("client_a", 403)])
def test_who_may_create_classes(request, world, persona, code):
    client: Client = request.getfixturevalue(persona)
    payload = {
        "name": "短期班",
        "institution": "县委党校",
        "level": "short",
        "county": "511902",
        "starts_on": "2026-03-01",
    }
    assert client.post(f"{API}/classes/", payload, content_type="application/json").status_code == code


def test_county_staff_cannot_create_a_class_in_another_county(client_county):
    payload = {
        "name": "短期班",
        "institution": "县委党校",
        "level": "short",
        "county": "511921",
        "starts_on": "2026-03-01",
    }
    assert client_county.post(f"{API}/classes/", payload, content_type="application/json").status_code == 403
    assert not TrainingClass.objects.exists()


def test_enrol_by_post_and_list(client_county, client_a, training_class, world):
    person = f.PersonFactory(home_village=world.village_a)
    url = f"{API}/classes/{training_class.pk}/enrollments/"
    response = client_county.post(url, {"person": person.pk}, content_type="application/json")
    assert response.status_code == 201
    assert set(response.json()) == {"id", "person", "status", "completed_on"}
    assert response.json()["status"] == "enrolled"
    assert client_county.post(url, {"person": person.pk}, content_type="application/json").status_code == 400
    assert client_a.post(url, {"person": person.pk}, content_type="application/json").status_code == 403
    assert client_a.get(url).json()["results"] == [
        {"id": response.json()["id"], "person": person.pk, "status": "enrolled", "completed_on": None}
    ]


def test_enrol_refuses_a_person_outside_the_county(client_county, training_class, world):
    outsider = f.PersonFactory(home_village=world.village_other_county)
    url = f"{API}/classes/{training_class.pk}/enrollments/"
    assert client_county.post(url, {"person": outsider.pk}, content_type="application/json").status_code == 400
    assert not Enrollment.objects.exists()


def test_township_secretary_sees_only_own_trainees_in_enrollments(client_b, training_class, world):
    f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a)
    mine = f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_b)
    body = client_b.get(f"{API}/classes/{training_class.pk}/enrollments/").json()
    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_outcomes_endpoint_shows_rate_and_by_post(client_county, training_class, world):
    for i in range(3):
        person = f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a).person
        if i < 2:
            f.PostAssignmentFactory(
                person=person, post=Post.PARTY_SECRETARY if i == 0 else Post.CLERK, start_on=dt.date(2021, 3, 15)
            )
    body = client_county.get(f"{API}/classes/{training_class.pk}/outcomes/").json()
    assert (body["completed"], body["entered_committee"], body["rate"], body["rate_display"]) == (3, 2, 66.7, "66.7%")
    assert body["by_post"]["party_secretary"] == 1
    assert body["by_post"]["clerk"] == 1
    assert body["by_post"]["group_leader"] == 0


def test_outcomes_of_other_county_class_is_404(client_county, world):
    other = f.TrainingClassFactory(county=world.other_county)
    assert client_county.get(f"{API}/classes/{other.pk}/outcomes/").status_code == 404


def test_election_fields_and_scoping(client_a, client_b, election):
    body = client_a.get(f"{API}/elections/{election.pk}/").json()
    assert set(body) == {"id", "village", "held_on", "term"}
    assert client_b.get(f"{API}/elections/{election.pk}/").status_code == 404


def test_recording_results_by_api(client_a, election, world, reserve):
    rows = [{"person": reserve.person_id, "post": "party_secretary", "votes": 501}]
    url = f"{API}/elections/{election.pk}/results/"
    response = client_a.post(url, {"rows": rows}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["reserves_appointed"] == 1
    reserve.refresh_from_db()
    assert reserve.status == ReserveStatus.APPOINTED
    assert client_a.get(url).json()["results"] == [
        {"person": reserve.person_id, "post": "party_secretary", "votes": 501, "group_number": None}
    ]


def test_results_with_a_bad_row_are_refused_whole_with_400(client_county, election, world, reserve):
    outsider = f.PersonFactory(home_village=world.village_b)
    rows = [
        {"person": reserve.person_id, "post": "party_secretary"},
        {"person": outsider.pk, "post": "clerk"},
    ]
    response = client_county.post(f"{API}/elections/{election.pk}/results/", rows, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["rows"] == [{"row": 2, "field": "person", "message": "人员不存在或不在本乡镇范围内"}]
    assert not PostAssignment.objects.exists()


@pytest.mark.parametrize(("persona", "code"), [("client_b", 404), ("client_city", 201)])
def test_who_may_record_results(request, election, reserve, persona, code):
    client: Client = request.getfixturevalue(persona)
    rows = [{"person": reserve.person_id, "post": "party_secretary"}]
    response = client.post(f"{API}/elections/{election.pk}/results/", {"rows": rows}, content_type="application/json")
    assert response.status_code == code


def test_township_secretary_of_other_township_cannot_create_election(client_b, world):
    payload = {"village": world.village_a.code, "held_on": "2026-12-20", "term": "第十二届"}
    assert client_b.post(f"{API}/elections/", payload, content_type="application/json").status_code == 400
    assert (
        client_b.post(
            f"{API}/elections/", {**payload, "village": world.village_b.code}, content_type="application/json"
        ).status_code
        == 201
    )


def test_anonymous_gets_401_or_403(world, reserve):
    assert Client().get(f"{API}/reserves/").status_code in {401, 403}


def test_schema_has_reserve_endpoints(client_city):
    schema = client_city.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/reserves/",
        "/api/v1/classes/{id}/enrollments/",
        "/api/v1/classes/{id}/outcomes/",
        "/api/v1/elections/{id}/results/",
    ):
        assert path in schema


def test_results_are_listed_in_post_order(client_a, election, world):
    clerk = f.PersonFactory(home_village=world.village_a)
    secretary = f.PersonFactory(home_village=world.village_a, political_status="cpc_member")
    rows = [{"person": clerk.pk, "post": "clerk"}, {"person": secretary.pk, "post": "party_secretary"}]
    url = f"{API}/elections/{election.pk}/results/"
    assert client_a.post(url, {"rows": rows}, content_type="application/json").status_code == 201
    assert [row["post"] for row in client_a.get(url).json()["results"]] == ["party_secretary", "clerk"]
