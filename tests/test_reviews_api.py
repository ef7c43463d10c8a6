"""`reviews/` and `negative-records/` (reserves/review_api.py): scope, permission matrix, sensitivity, audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reserves.choices import ReviewAuditKind
from reserves.models import NegativeRecord, Review, ReviewAuditEntry
from tests import factories as f
from tests.review_support import answer, negative_record, open_review

pytestmark = pytest.mark.django_db


def post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def candidate(world):
    return f.PersonFactory(home_village=world.village_a, name="钱进")


@pytest.fixture
def review(candidate, county_staff):
    review = open_review(candidate, by=county_staff)
    answer(review, fail="法院")
    return review


def test_list_and_detail_give_the_derived_status_and_what_is_missing(client_a, candidate, county_staff):
    pending = open_review(candidate, by=county_staff)
    answer(pending, skip=("信访局",))
    body = client_a.get("/api/v1/reviews/").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert (row["status"], row["missing"], row["village"], row["purpose"]) == (
        "pending",
        ["信访局"],
        "511902100201",
        "election",
    )
    assert len(row["opinions"]) == 15
    assert client_a.get(f"/api/v1/reviews/{pending.pk}/").json()["status"] == "pending"
    assert client_a.get("/api/v1/reviews/?status=passed").json()["count"] == 0
    assert client_a.get("/api/v1/reviews/?status=pending&township=511902100").json()["count"] == 1
    assert client_a.get("/api/v1/reviews/?status=purple").status_code == 400


def test_township_users_see_the_outcome_but_no_county_reasons(client_a, client_county, review, candidate):
    negative_record(candidate, "2", occurred_on=dt.date(2010, 5, 1))
    township = client_a.get(f"/api/v1/reviews/{review.pk}/").json()
    assert township["status"] == "failed"
    assert township["failure_reasons"] == ["法院不通过", "负面清单（详情由县委组织部掌握）"]
    assert {o["note"] for o in township["opinions"] if o["round"] == "county"} == {""}
    assert not ReviewAuditEntry.objects.exists()
    county = client_county.get(f"/api/v1/reviews/{review.pk}/").json()
    assert county["failure_reasons"][0] == "法院不通过：查有不良记录"
    assert "第2项 受过刑事处罚" in county["failure_reasons"][1]
    assert ReviewAuditEntry.objects.get().context == "api"  # the item shown is a view of the record's detail


@pytest.mark.parametrize(
    ("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200), ("client_city", 200)]
)
def test_outsiders_get_404(request, review, persona, code):
    assert request.getfixturevalue(persona).get(f"/api/v1/reviews/{review.pk}/").status_code == code


@pytest.mark.parametrize(
    ("persona", "round_", "code"),
    [
        ("client_a", "township", 201),
        ("client_a", "county", 403),
        ("client_a", "committee", 403),
        ("client_county", "county", 201),
        ("client_county", "committee", 201),
        ("client_county", "village", 403),
        ("client_city", "county", 201),
        ("client_b", "township", 404),
    ],
)
def test_opinion_permission_matrix(request, candidate, county_staff, persona, round_, code):
    review = open_review(candidate, by=county_staff)
    body = {"round": round_, "department": "公安局", "conclusion": "pass", "concluded_on": "2026-10-01"}
    response = post(request.getfixturevalue(persona), f"/api/v1/reviews/{review.pk}/opinions/", body)
    assert response.status_code == code, response.content
    if code == 201:
        stored = review.opinions.get()
        assert (stored.round, stored.department) == (round_, "公安局" if round_ == "county" else "")


def test_opinion_problems_answer_400_naming_the_field(client_county, candidate, county_staff):
    review = open_review(candidate, by=county_staff)
    url = f"/api/v1/reviews/{review.pk}/opinions/"
    response = post(client_county, url, {"round": "county", "conclusion": "fail", "concluded_on": "2099-01-01"})
    assert response.status_code == 400
    assert response.json() == {
        "department": ["县级联审须填写部门"],
        "note": ["结论为不通过时须写明理由"],
        "concluded_on": ["审查日期不能晚于今天"],
    }


def test_opening_a_review_once_per_person_purpose_and_cycle(client_a, candidate, world):
    body = {"person": candidate.pk, "village": world.village_a.code, "purpose": "election", "cycle": "2026"}
    response = post(client_a, "/api/v1/reviews/", body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    again = post(client_a, "/api/v1/reviews/", body)
    assert again.status_code == 400 and "已有2026年换届候选人资格联审" in again.json()["person"][0]
    Review.objects.update(withdrawn_on=dt.date(2026, 10, 1), withdrawn_reason="本人放弃")
    assert post(client_a, "/api/v1/reviews/", body).status_code == 200  # reopened
    assert Review.objects.get().withdrawn_on is None


def test_opening_refuses_outsiders_and_people_of_another_township(client_b, client_a, candidate, world):
    body = {"person": candidate.pk, "village": world.village_a.code, "purpose": "election", "cycle": "2026"}
    assert set(post(client_b, "/api/v1/reviews/", body).json()) == {"person", "village"}
    stranger = f.PersonFactory(home_village=world.village_b)
    response = post(client_a, "/api/v1/reviews/", {**body, "person": stranger.pk})
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_township_users_cannot_read_negative_records(client_a, client_b, candidate):
    record = negative_record(candidate, "2", occurred_on=dt.date(2010, 5, 1))
    assert client_a.get("/api/v1/negative-records/").status_code == 403
    assert client_a.get(f"/api/v1/negative-records/{record.pk}/").status_code == 403
    assert client_b.get(f"/api/v1/negative-records/{record.pk}/").status_code == 404  # not their township
    body = {"person": candidate.pk, "item_code": "2", "source_department": "法院", "occurred_on": "2020-01-01"}
    assert post(client_a, "/api/v1/negative-records/", body).status_code == 403
    assert not ReviewAuditEntry.objects.exists()


def test_every_detail_view_is_audited(client_county, client_city, candidate, county_staff, world):
    record = negative_record(candidate, "9.3", occurred_on=dt.date(2025, 5, 1))
    other = negative_record(
        f.PersonFactory(home_village=world.village_other_county), "2", occurred_on=dt.date(2020, 1, 1)
    )
    body = client_county.get("/api/v1/negative-records/").json()
    assert [r["id"] for r in body["results"]] == [record.pk]
    assert body["results"][0]["item"] == "被列为失信被执行人，尚未移出" and body["results"][0]["live"] is True
    assert client_county.get(f"/api/v1/negative-records/{other.pk}/").status_code == 404
    client_county.get(f"/api/v1/negative-records/{record.pk}/")
    client_city.get(f"/api/v1/negative-records/{record.pk}/")
    entries = ReviewAuditEntry.objects.filter(kind=ReviewAuditKind.DETAIL_VIEW).order_by("pk")
    assert [(e.user.username, e.record_id, e.context) for e in entries] == [
        ("county_staff", record.pk, "api"),
        ("county_staff", record.pk, "api"),
        ("city_admin", record.pk, "api"),
    ]


def test_county_staff_enter_and_rectify_a_record(client_county, candidate, world):
    body = {
        "person": candidate.pk,
        "item_code": "9.3",
        "source_department": "法院",
        "occurred_on": "2025-05-01",
        "document_number": "（2025）川1902执123号",
    }
    response = post(client_county, "/api/v1/negative-records/", body)
    assert response.status_code == 201, response.content
    record = NegativeRecord.objects.get()
    assert (record.county, record.recorded_by.username) == (world.county, "county_staff")
    url = f"/api/v1/negative-records/{record.pk}/"
    bad = client_county.patch(url, json.dumps({"ends_on": "2026-01-01"}), content_type="application/json")
    assert bad.status_code == 400 and "不按期限失效" in bad.json()["ends_on"][0]
    fixed = client_county.patch(url, json.dumps({"rectified_on": "2026-10-01"}), content_type="application/json")
    assert fixed.status_code == 200 and fixed.json()["live"] is False
    unknown = post(client_county, "/api/v1/negative-records/", {**body, "item_code": "11"})
    assert unknown.json() == {"item_code": ["本区县负面清单中没有第11项"]}


def test_the_review_list_takes_the_same_queries_for_3_or_15_reviews(world, county_staff, client_county):
    def add(count: int) -> None:
        for _ in range(count):
            review = open_review(f.PersonFactory.create(home_village=world.village_a), by=county_staff)
            answer(review, skip=("法院",))

    add(3)
    client_county.get("/api/v1/reviews/")  # warm: session, user, throttle
    small = CaptureQueriesContext(connection)
    with small:
        assert client_county.get("/api/v1/reviews/").json()["count"] == 3
    add(12)
    large = CaptureQueriesContext(connection)
    with large:
        body = client_county.get("/api/v1/reviews/").json()
    assert body["count"] == 15 and {r["missing"][0] for r in body["results"]} == {"法院"}
    assert len(large.captured_queries) == len(small.captured_queries)
