"""The risk work queue: recompute (auto-close/reopen), threshold changes, pages, API, permissions, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories as f
from villages import risk
from villages.choices import Education, PersonFlag, Post, ReviewStatus, VillageFlag
from villages.models import Risk, RuleValue, Village

# The rules page's form: the county lowers 高龄 for 两委 members to 58.
HIGH_AGE_AT_58 = {
    "key": "high_age_member",
    "value": "58",
    "effective_on": "2026-11-01",
    "document_number": "巴组通〔2026〕9号",
}


def old_secretary(village: Village, *, birth: dt.date = dt.date(1955, 1, 1)):
    person = f.PersonFactory(home_village=village, birth_date=birth, education=Education.PRIMARY)
    f.PostAssignmentFactory(person=person, post=Post.PARTY_SECRETARY)
    return person


@pytest.fixture
def risks_a(world):
    old_secretary(world.village_a)
    old_secretary(world.village_b, birth=dt.date(1956, 1, 1))
    old_secretary(world.village_other_county)
    risk.recompute_risks()
    return Risk.objects.filter(village=world.village_a)


def test_recompute_is_idempotent_and_keeps_review(risks_a, world):
    high = risks_a.get(kind=PersonFlag.HIGH_AGE)
    Risk.objects.filter(pk=high.pk).update(review_status=ReviewStatus.IN_PROGRESS, note="已约谈")
    assert risk.recompute_risks() == risk.RecomputeSummary()
    high.refresh_from_db()
    assert (high.review_status, high.note, high.is_active) == (ReviewStatus.IN_PROGRESS, "已约谈", True)


def test_risk_the_data_no_longer_supports_closes_itself_and_reopens(risks_a, world):
    secretary = world.village_a.posts.get(post=Post.PARTY_SECRETARY).person
    high = risks_a.get(kind=PersonFlag.HIGH_AGE)
    Risk.objects.filter(pk=high.pk).update(review_status=ReviewStatus.ACCEPTED)
    secretary.birth_date = dt.date(1990, 1, 1)
    secretary.save()
    summary = risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    high.refresh_from_db()
    assert summary.closed >= 1
    assert not high.is_active and high.closed_at and high.close_note == risk.AUTO_CLOSE_NOTE
    secretary.birth_date = dt.date(1955, 1, 1)
    secretary.save()
    summary = risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    high.refresh_from_db()
    assert summary.reopened >= 1
    assert high.is_active and high.closed_at is None and high.review_status == ReviewStatus.OPEN
    assert high.close_note.startswith(risk.REOPEN_NOTE)


def test_roster_change_recomputes_on_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old_secretary(world.village_a)
    assert Risk.objects.filter(village=world.village_a, kind=PersonFlag.HIGH_AGE, is_active=True).exists()


def test_signals_paused_skips_recompute(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), risk.signals_paused():
        old_secretary(world.village_a)
    assert not Risk.objects.exists()


def test_threshold_change_takes_effect_everywhere(
    world, county_staff, client_county, django_capture_on_commit_callbacks
):
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1967, 6, 1))  # 59 today
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    risk.recompute_risks()
    assert not Risk.objects.filter(person=person, kind=PersonFlag.HIGH_AGE).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_county.post(reverse("villages:rules"), HIGH_AGE_AT_58)
    assert response.status_code == 302
    assert RuleValue.objects.get(county=world.county, key="high_age_member").document_number == "巴组通〔2026〕9号"
    flagged = Risk.objects.get(person=person, kind=PersonFlag.HIGH_AGE)
    assert "年满58岁" in flagged.detail
    page = client_county.get(reverse("villages:rules"))
    assert "巴组通〔2026〕9号" in page.content.decode() and "默认值（未经文件核实）" in page.content.decode()


def test_rules_page_permissions(world, client_a, client_city, county_staff, client_county, client_province):
    data = {"key": "young_age_max", "value": "40", "effective_on": "2026-11-01", "document_number": "X"}
    assert client_a.get(reverse("villages:rules")).status_code == 200
    assert client_a.post(reverse("villages:rules"), data).status_code == 403
    assert client_county.post(reverse("villages:rules") + "?county=511921", data).status_code == 302  # own county
    assert not RuleValue.objects.filter(county=world.other_county).exists()
    # The defaults hold in every city: the province admin's; a city admin sets their own counties' values.
    assert client_city.post(reverse("villages:rules"), data).status_code == 403
    assert client_city.post(reverse("villages:rules") + "?county=511902", data).status_code == 302
    assert client_province.post(reverse("villages:rules"), data).status_code == 302
    assert RuleValue.objects.filter(county=None, key="young_age_max", value=40).exists()
    bad = client_province.post(reverse("villages:rules"), {**data, "key": "low_education_max", "value": "博士"})
    assert bad.status_code == 422


# ---- the risk list page ----


def test_risk_list_scoping(risks_a, world, client_a, client_b, client_county, client_city):
    url = reverse("villages:risks")
    assert world.village_a.name in client_a.get(url).content.decode()
    assert world.village_a.name not in client_b.get(url).content.decode()
    county_page = client_county.get(url).content.decode()
    assert world.village_a.name in county_page and world.village_other_county.name not in county_page
    assert world.village_other_county.name in client_city.get(url + "?page=1&sort=village&layout=flat").content.decode()


def test_risk_list_filters_are_in_the_query_string(risks_a, world, client_county):
    url = reverse("villages:risks") + f"?township={world.township_b.code}&kind=high_age&severity=red&layout=flat"
    response = client_county.get(url)
    rows = list(response.context["page"])
    assert rows and all(r.village_id == world.village_b.pk and r.kind == "high_age" for r in rows)
    partial = client_county.get(url, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="risk-table">')


def test_risk_list_as_of_preview(world, client_county):
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1966, 12, 15))  # 60 on 2026-12-15
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    before = client_county.get(reverse("villages:risks") + "?kind=high_age&as_of=2026-12-01")
    after = client_county.get(reverse("villages:risks") + "?kind=high_age&as_of=2026-12-31")
    assert person.name not in before.content.decode()
    assert person.name in after.content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_risk_list_query_count_is_constant(risks_a, world, client_county, django_assert_num_queries):
    url = reverse("villages:risks")
    few = _queries(client_county, url)
    for i in range(6):
        old_secretary(f.VillageFactory(township=world.township_a, code=f"51190210030{i}", name=f"新村{i}"))
    risk.recompute_risks()
    assert _queries(client_county, url) == few
    with django_assert_num_queries(few):
        client_county.get(url)


def test_review_inline_edit_permissions(risks_a, world, county_staff, client_a, client_b, client_county):
    target = risks_a.first()
    url = reverse("villages:risk_review", args=[target.pk])
    data = {
        "review_status": "in_progress",
        "owner": county_staff.pk,
        "due_on": "2026-12-15",
        "note": "约谈",
        "version": 1,
    }
    assert client_a.get(url).status_code == 403
    assert client_b.get(url).status_code == 404
    edit = client_county.get(url, headers={"HX-Request": "true"})
    assert edit.status_code == 200 and 'name="version" value="1"' in edit.content.decode()
    assert client_a.post(url, data).status_code == 403
    assert client_b.post(url, data).status_code == 404
    response = client_county.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and f'id="risk-{target.pk}"' in response.content.decode()
    target.refresh_from_db()
    assert (target.review_status, target.owner, target.note, target.version) == ("in_progress", county_staff, "约谈", 2)
    stale = client_county.post(url, {**data, "note": "覆盖"}, headers={"HX-Request": "true"})
    assert stale.status_code == 422 and "已被他人修改" in stale.content.decode()
    target.refresh_from_db()
    assert target.note == "约谈"


def test_structure_panel_and_age_out_pages(world, client_a, client_b, client_county):
    old_secretary(world.village_a)
    url = reverse("villages:village_structure", args=[world.village_a.code])
    page = client_a.get(url).content.decode()
    assert "凌云乡平均" in page and "巴州区平均" in page and "书记无后备" in page
    assert client_b.get(url).status_code == 404
    calendar = client_county.get(reverse("villages:age_out") + "?election_on=2026-12-31")
    assert calendar.status_code == 200 and "凌云乡" in calendar.content.decode()


# ---- API ----


@pytest.fixture
def api_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_api_risks_list_filters_and_fields(risks_a, world, county_staff, api_for):
    response = api_for(county_staff).get("/api/v1/risks/", {"village": world.village_a.code, "kind": "high_age"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert {"id", "village", "person", "kind", "severity", "detail", "review_status", "owner", "due_on", "note"} <= set(
        row
    )
    assert row["village"] == world.village_a.code and row["severity"] == "red"
    other = api_for(county_staff).get("/api/v1/risks/", {"county": world.other_county.code})
    assert other.json()["count"] == 0


def test_api_patch_permissions(risks_a, world, county_staff, secretary_a, secretary_b, api_for):
    target = risks_a.first()
    url = f"/api/v1/risks/{target.pk}/"
    assert api_for(secretary_a).get(url).status_code == 200
    assert api_for(secretary_a).patch(url, {"review_status": "resolved"}, format="json").status_code == 403
    assert api_for(secretary_b).patch(url, {"review_status": "resolved"}, format="json").status_code == 404
    refused = api_for(county_staff).patch(
        url, {"review_status": "resolved", "owner": "county_staff", "severity": "amber"}, format="json"
    )
    assert refused.status_code == 400 and refused.json() == {"severity": ["只读字段，不能写入"]}
    target.refresh_from_db()
    assert target.review_status != "resolved" and target.severity == "red"  # nothing written
    ok = api_for(county_staff).patch(url, {"review_status": "resolved", "owner": "county_staff"}, format="json")
    assert ok.status_code == 200, ok.json()
    target.refresh_from_db()
    assert target.review_status == "resolved" and target.owner == county_staff and target.severity == "red"
    stale = api_for(county_staff).patch(url, {"note": "x", "version": 1}, format="json")
    assert stale.status_code == 409
    # Risks are created in bulk without a history record, so the version read cannot be diffed: who and when only.
    assert stale.json()["version"] == 2 and stale.json()["changed_by"] == str(county_staff)


def test_api_risks_query_count_is_constant(risks_a, world, county_staff, api_for):
    client = api_for(county_staff)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/risks/")
    for i in range(5):
        old_secretary(f.VillageFactory(township=world.township_b, code=f"51190210140{i}", name=f"新村{i}"))
    risk.recompute_risks()
    with CaptureQueriesContext(connection) as more:
        assert client.get("/api/v1/risks/").json()["count"] > 10
    assert len(more.captured_queries) == len(few.captured_queries)


def test_findings_for_villages_query_count_is_constant(world, django_assert_num_queries):
    """Six queries: village facts, rule values, seats, vacancies, relatives and 不称职 years (compliance)."""
    old_secretary(world.village_a)
    with django_assert_num_queries(6):
        risk.findings_for_villages(villages=Village.objects.all())
    for i in range(5):
        old_secretary(f.VillageFactory(township=world.township_a, code=f"51190210050{i}", name=f"再村{i}"))
    with django_assert_num_queries(6):
        result = risk.findings_for_villages(villages=Village.objects.all())
    assert all(any(x.kind == VillageFlag.RESERVE_SHORTFALL for x in fs) for fs in result.values())


def test_structure_panel_shows_zero_shares_as_zero_not_a_dash(client_a, world):
    from tests import factories as f

    man = f.PersonFactory(home_village=world.village_a, gender="male")
    f.PostAssignmentFactory(person=man, post="committee_member")
    html = client_a.get(f"/villages/{world.village_a.code}/structure/").content.decode()
    assert "0.0%" in html  # no women, nobody ≤ 35: a real zero
