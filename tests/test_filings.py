"""备案 (reserves/filings.py, the filings page, API filings/): opened by election results, due by the county's rule,
status derived (due → overdue as days pass, filed once recorded), rule changes move open deadlines, reserve-list
filings where a county asks for them, the risk list, scoping and permissions, constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reserves.choices import FilingOccasion, FilingStatus
from reserves.elections import ResultRow
from reserves.filings import record_filing
from reserves.models import Filing
from tests import factories as f
from tests.after_support import committee, elect, person, signed_in_api
from villages import risk
from villages.choices import AfterElectionRiskKind, CadreSource, Post, Severity
from villages.models import Risk, Village
from villages.rules import add_rule_value

TODAY = timezone.localdate()


@pytest.fixture
def api_for():
    return signed_in_api


@pytest.fixture
def elected(world):
    """青龙村 held its election 20 days ago: a new secretary-and-director and the old member re-elected."""
    old = committee(world.village_a)
    new = person(world.village_a, "新书记", born=dt.date(1988, 2, 1))
    rows = [
        ResultRow(new, Post.PARTY_SECRETARY, source=CadreSource.RETURNEE),
        ResultRow(new, Post.DIRECTOR, source=CadreSource.RETURNEE),
        ResultRow(old.member, Post.COMMITTEE_MEMBER),
    ]
    return elect(world.village_a, rows, held_on=TODAY - dt.timedelta(days=20))


def test_results_open_the_secretary_and_director_filings_due_thirty_days_after(elected):
    filings = list(Filing.objects.filter(election=elected).select_related("post"))
    assert sorted(f.post.post for f in filings) == [Post.DIRECTOR, Post.PARTY_SECRETARY]
    assert {f.occasion for f in filings} == {FilingOccasion.ELECTION}
    assert {f.due_on for f in filings} == {elected.held_on + dt.timedelta(days=30)}
    assert {f.status(TODAY) for f in filings} == {FilingStatus.DUE}
    assert all(f.post.source == CadreSource.RETURNEE for f in filings)


def test_a_filing_becomes_overdue_the_day_after_its_deadline(elected):
    filing = Filing.objects.filter(election=elected).first()
    assert filing.status(filing.due_on) == FilingStatus.DUE
    assert filing.status(filing.due_on + dt.timedelta(days=1)) == FilingStatus.OVERDUE
    on = filing.due_on + dt.timedelta(days=1)
    assert Filing.objects.with_status(on=on).get(pk=filing.pk).status_on == FilingStatus.OVERDUE
    assert Filing.objects.of_status(FilingStatus.OVERDUE, on=on).filter(pk=filing.pk).exists()


def test_the_county_rule_with_its_document_number_sets_and_moves_the_deadline(elected, world):
    add_rule_value(
        county_id=world.county.pk, key="filing_post_days", value=10, effective_on=dt.date(2026, 1, 1),
        document_number="巴州组发〔2026〕3号",
    )  # fmt: skip
    risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))  # runs the refresher
    filing = Filing.objects.filter(election=elected).first()
    assert filing.due_on == elected.held_on + dt.timedelta(days=10)
    assert filing.status(TODAY) == FilingStatus.OVERDUE


def test_due_and_overdue_filings_are_in_the_risk_list_with_their_reason(elected, world):
    villages = Village.objects.filter(pk=world.village_a.pk)
    risk.recompute_risks(villages=villages)
    found = Risk.objects.get(village=world.village_a, kind=AfterElectionRiskKind.FILING_PENDING)
    assert found.severity == Severity.AMBER and "书记 新书记应于" in found.detail and "尚余10天" in found.detail
    risk.recompute_risks(villages=villages, as_of=TODAY + dt.timedelta(days=12))
    found.refresh_from_db()
    assert found.severity == Severity.RED and "已逾期2天" in found.detail


def test_recording_the_filing_closes_the_risk(elected, world, secretary_a):
    for filing in Filing.objects.filter(election=elected):
        record_filing(filing=filing, filed_on=TODAY, document_number="巴州组备〔2026〕7号", by=secretary_a,
                      expected_version=filing.version)  # fmt: skip
    risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    assert not Risk.objects.filter(kind=AfterElectionRiskKind.FILING_PENDING, is_active=True).exists()
    assert {f.status(TODAY) for f in Filing.objects.all()} == {FilingStatus.FILED}


@pytest.mark.parametrize(
    ("filed_on", "number", "field", "message"),
    [
        (None, "X号", "filed_on", "请填写备案日期"),
        (TODAY + dt.timedelta(days=1), "X号", "filed_on", "不能晚于今天"),
        (TODAY - dt.timedelta(days=30), "X号", "filed_on", "不能早于换届日期"),
        (TODAY, " ", "document_number", "请填写备案文号或回执号"),
    ],
)
def test_recording_a_filing_refuses_bad_dates_and_a_missing_number(elected, filed_on, number, field, message):
    filing = Filing.objects.filter(election=elected).first()
    with pytest.raises(ValidationError) as refused:
        record_filing(filing=filing, filed_on=filed_on, document_number=number, by=None, expected_version=1)
    assert message in refused.value.message_dict[field][0]


def test_reserve_filings_only_where_the_county_asks_for_them(world):
    reserve = f.ReserveFactory(person__home_village=world.village_a, added_on=TODAY - dt.timedelta(days=40))
    villages = Village.objects.filter(pk=world.village_a.pk)
    risk.recompute_risks(villages=villages)
    assert not Filing.objects.filter(reserve=reserve).exists()
    add_rule_value(
        county_id=world.county.pk, key="filing_reserve_days", value=30, effective_on=dt.date(2020, 1, 1),
        document_number="巴州组发〔2026〕9号",
    )  # fmt: skip
    risk.recompute_risks(villages=villages)
    filing = Filing.objects.get(reserve=reserve)
    assert (filing.kind, filing.due_on, filing.status(TODAY)) == (
        "reserve",
        reserve.added_on + dt.timedelta(30),
        "overdue",
    )


# ---- pages ----


def test_filings_page_scoped_and_recorded_inline(elected, client_a, client_b, client_county, world):
    url = reverse("reserves:filings")
    assert "新书记" in client_a.get(url).content.decode()
    assert "新书记" not in client_b.get(url).content.decode()
    filing = Filing.objects.filter(election=elected).first()
    record = reverse("reserves:filing_record", args=[filing.pk])
    assert client_b.get(record).status_code == 404
    form = client_county.get(record, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and f'id="filing-{filing.pk}"' in form.content.decode()
    data = {f"filing-{filing.pk}-{k}": v for k, v in {"filed_on": TODAY, "document_number": "回执001",
            "authority": "县委组织部", "note": "", "version": 1}.items()}  # fmt: skip
    saved = client_county.post(record, data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "已备案" in saved.content.decode()
    assert 'id="messages"' in saved.content.decode()  # the success message, out of band
    filing.refresh_from_db()
    assert (filing.filed_on, filing.document_number, filing.version) == (TODAY, "回执001", 2)
    stale = client_county.post(record, data, HTTP_HX_REQUEST="true")
    assert stale.status_code == 422 and "已被他人修改" in stale.content.decode()


def test_filings_page_query_count_is_constant(elected, client_county, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as few:
        client_county.get(reverse("reserves:filings"))
    for i in range(4):
        village = f.VillageFactory(township=world.township_b, code=f"51190210140{i}")
        committee(village, prefix=str(i))
        new = person(village, f"新{i}", born=dt.date(1990, 1, 1))
        elect(village, [ResultRow(new, Post.PARTY_SECRETARY)], held_on=TODAY - dt.timedelta(days=5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_county.get(reverse("reserves:filings"))


# ---- API ----


def test_api_filings_list_detail_and_filters(elected, api_for, secretary_a, secretary_b):
    api = api_for(secretary_a)
    body = api.get("/api/v1/filings/", {"status": "due"}).json()
    assert body["count"] == 2
    row = body["results"][0]
    assert set(row) >= {"id", "kind", "post", "reserve", "authority", "due_on", "filed_on", "document_number", "status"}
    assert (row["kind"], row["status"], row["reserve"]) == ("post", "due", None)
    assert api.get("/api/v1/filings/", {"status": "filed"}).json()["count"] == 0
    assert api_for(secretary_b).get(f"/api/v1/filings/{row['id']}/").status_code == 404


def test_api_patch_records_the_filing_json_only(elected, api_for, secretary_a, county_staff, city_admin):
    filing = Filing.objects.filter(election=elected).first()
    url = f"/api/v1/filings/{filing.pk}/"
    api = api_for(county_staff)
    body = {"filed_on": str(TODAY), "document_number": "巴州组备〔2026〕1号", "version": 1}
    assert api.patch(url, body, format="multipart").status_code == 415
    refused = api.patch(url, {**body, "due_on": "2030-01-01", "colour": "red"}, format="json").json()
    assert refused == {"due_on": ["只读字段，不能写入"], "colour": ["未知字段：本接口不接受此字段"]}
    bad = api.patch(url, {**body, "filed_on": "2020-01-01"}, format="json")
    assert bad.status_code == 400 and "不能早于换届日期" in bad.json()["filed_on"][0]
    done = api.patch(url, body, format="json")
    assert done.status_code == 200 and (done.json()["status"], done.json()["version"]) == ("filed", 2)
    stale = api.patch(url, body, format="json")
    assert stale.status_code == 409
    assert (stale.json()["version"], stale.json()["changed_by"]) == (2, county_staff.username)
    assert {change["field"] for change in stale.json()["changes"]} >= {"filed_on", "document_number"}


def test_api_patch_permissions(elected, api_for, secretary_b, world):
    filing = Filing.objects.filter(election=elected).first()
    reader = f.CountyStaffFactory(username="tongjiang", county=world.other_county)
    body = {"filed_on": str(TODAY), "document_number": "1号", "version": 1}
    assert api_for(secretary_b).patch(f"/api/v1/filings/{filing.pk}/", body, format="json").status_code == 404
    assert api_for(reader).patch(f"/api/v1/filings/{filing.pk}/", body, format="json").status_code == 404


def test_a_filed_post_deleted_as_entered_by_mistake_keeps_its_filing(elected, api_for, secretary_a):
    filing = Filing.objects.filter(election=elected, post__post=Post.DIRECTOR).get()
    assert api_for(secretary_a).delete(f"/api/v1/posts/{filing.post_id}/").status_code == 204
    filing.refresh_from_db()
    assert filing.post is None and filing.status(TODAY) == FilingStatus.DUE
