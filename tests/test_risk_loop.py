"""The risk loop: the county assigns a risk to the township's secretary, the township answers (text + file) and
marks it 已整改待核, the county confirms or sends it back; 已认可 needs a reason; no past due dates; overdue on both
sides; grouped list (village-level first); xlsx export. Pages and API go through the same domain functions."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from villages import risk
from villages.choices import Education, PersonFlag, Post, ReviewStatus, VillageFlag
from villages.models import Risk, Village

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def old_secretary(village: Village, *, birth: dt.date = dt.date(1955, 1, 1)):
    person = f.PersonFactory(home_village=village, birth_date=birth, education=Education.PRIMARY)
    f.PostAssignmentFactory(person=person, post=Post.PARTY_SECRETARY)
    return person


@pytest.fixture
def gap(world) -> Risk:
    """A village-level risk of 青龙村 (township A): no reserve for the secretary post."""
    old_secretary(world.village_a)
    old_secretary(world.village_b)
    risk.recompute_risks()
    return Risk.objects.get(village=world.village_a, kind=VillageFlag.NO_SECRETARY_RESERVE)


def in_days(n: int) -> str:
    return f"{timezone.localdate() + dt.timedelta(days=n):%Y-%m-%d}"


def review(client, target: Risk, **data):
    payload = {"review_status": "in_progress", "owner": "", "due_on": "", "note": "", "version": target.version}
    return client.post(reverse("villages:risk_review", args=[target.pk]), {**payload, **data}, headers=HX)


def answer(client, target: Risk, text: str = "已推荐两名后备人选", **files):
    data = {"action_taken": text, "version": target.version, **files}
    return client.post(reverse("villages:risk_answer", args=[target.pk]), data, headers=HX)


# ---- assigning ----


def test_owner_choices_are_the_townships_secretary_county_staff_and_city(
    gap, world, secretary_a, secretary_b, county_staff, city_admin, client_county
):
    html = client_county.get(reverse("villages:risk_review", args=[gap.pk]), headers=HX).content.decode()
    assert f'value="{secretary_a.pk}"' in html and "凌云乡党委书记" in html
    assert f'value="{secretary_b.pk}"' not in html  # another township's secretary
    assert f'value="{county_staff.pk}"' in html and f'value="{city_admin.pk}"' in html
    assert 'value="rectified"' not in html  # only the township's answer sets 已整改待核


def test_county_assigns_a_risk_to_the_township_secretary(gap, secretary_a, client_county):
    response = review(client_county, gap, owner=secretary_a.pk, due_on=in_days(30), note="一个月内推荐后备")
    assert response.status_code == 200
    assert "已保存：处理中" in response.content.decode()
    gap.refresh_from_db()
    assert (gap.owner, gap.review_status, gap.version) == (secretary_a, "in_progress", 2)


def test_another_townships_secretary_cannot_be_owner(gap, secretary_b, client_county):
    response = review(client_county, gap, owner=secretary_b.pk)
    assert response.status_code == 422
    gap.refresh_from_db()
    assert gap.owner is None


def test_past_due_date_is_refused_but_an_existing_one_may_stay(gap, client_county):
    response = review(client_county, gap, due_on=in_days(-1))
    assert response.status_code == 422 and "期限不能早于今天" in response.content.decode()
    Risk.objects.filter(pk=gap.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    gap.refresh_from_db()
    kept = review(client_county, gap, due_on=f"{gap.due_on:%Y-%m-%d}", note="仍在推进")
    assert kept.status_code == 200


def test_accepting_needs_a_reason(gap, client_county):
    refused = review(client_county, gap, review_status="accepted")
    assert refused.status_code == 422 and "须在备注中写明认可理由" in refused.content.decode()
    gap.refresh_from_db()
    assert gap.review_status == "open"
    assert review(client_county, gap, review_status="accepted", note="该村2027年合并").status_code == 200


def test_county_cannot_mark_rectified_itself(gap, client_county):
    response = review(client_county, gap, review_status="rectified")
    assert response.status_code == 422
    gap.refresh_from_db()
    assert gap.review_status == "open"


# ---- the township answers ----


def test_township_answers_with_text_and_attachment(gap, secretary_a, client_a, client_county, client_b):
    pdf = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.7 report", content_type="application/pdf")
    response = answer(client_a, gap, attachment=pdf)
    assert response.status_code == 200
    assert "已提交整改情况" in response.content.decode()
    gap.refresh_from_db()
    assert gap.review_status == ReviewStatus.RECTIFIED and gap.action_taken == "已推荐两名后备人选"
    assert gap.rectified_at is not None and gap.attachment_name.endswith(".pdf")
    url = reverse("villages:risk_attachment", args=[gap.pk])
    download = client_county.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 report"
    assert client_b.get(url).status_code == 404
    history = gap.history.first()
    assert history.history_user == secretary_a


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("a.exe", b"MZ", "文件类型不支持"), ("big.pdf", b"0" * (10 * 1024 * 1024 + 1), "不能超过 10 MB")],
)
def test_attachment_type_and_size_are_limited(gap, client_a, name, content, message):
    response = answer(client_a, gap, attachment=SimpleUploadedFile(name, content))
    assert response.status_code == 422 and message in response.content.decode()
    gap.refresh_from_db()
    assert gap.review_status == "open" and not gap.attachment


def test_answer_needs_text_and_the_current_version(gap, client_a):
    assert answer(client_a, gap, text="  ").status_code == 422
    Risk.objects.filter(pk=gap.pk).update(version=5)
    stale = answer(client_a, gap)
    assert stale.status_code == 422 and "已被他人修改" in stale.content.decode()
    gap.refresh_from_db()
    assert gap.review_status == "open"


def test_answer_permissions(gap, client_a, client_b, client_county, client_city):
    url = reverse("villages:risk_answer", args=[gap.pk])
    assert client_a.get(url, headers=HX).status_code == 200
    assert client_b.get(url).status_code == 404
    assert client_b.post(url, {"action_taken": "x", "version": 1}).status_code == 404
    assert client_county.get(url).status_code == 403
    assert client_county.post(url, {"action_taken": "x", "version": 1}).status_code == 403
    assert client_city.post(url, {"action_taken": "x", "version": 1}).status_code == 403
    decide = reverse("villages:risk_decide", args=[gap.pk])
    assert client_a.post(decide, {"decision": "confirm", "version": 1}).status_code == 403
    assert client_b.post(decide, {"decision": "confirm", "version": 1}).status_code == 404


def test_resolved_risk_cannot_be_answered(gap, client_a):
    Risk.objects.filter(pk=gap.pk).update(review_status=ReviewStatus.RESOLVED)
    gap.refresh_from_db()
    response = answer(client_a, gap)
    assert response.status_code == 422 and "无需再答复" in response.content.decode()


# ---- the county confirms or sends back ----


def test_county_confirms_or_sends_back(gap, client_a, client_county):
    answer(client_a, gap)
    gap.refresh_from_db()
    url = reverse("villages:risk_decide", args=[gap.pk])
    no_reason = client_county.post(url, {"decision": "reopen", "version": gap.version}, headers=HX)
    assert no_reason.status_code == 422 and "写明原因" in no_reason.content.decode()
    back = client_county.post(
        url, {"decision": "reopen", "note": "名单未经支部研究", "version": gap.version}, headers=HX
    )
    assert back.status_code == 200 and "已退回乡镇重新整改" in back.content.decode()
    gap.refresh_from_db()
    assert (gap.review_status, gap.note) == ("in_progress", "名单未经支部研究")
    answer(client_a, gap, text="已经支部研究")
    gap.refresh_from_db()
    ok = client_county.post(url, {"decision": "confirm", "version": gap.version})
    assert ok.status_code == 302
    gap.refresh_from_db()
    assert gap.review_status == "resolved" and gap.action_taken == "已经支部研究"
    page = client_county.get(reverse("villages:risks")).content.decode()
    assert "已确认整改，风险已解决" in page  # the message after a plain (non-htmx) POST


# ---- overdue on both sides ----


def test_overdue_badge_and_filter_on_both_sides(gap, world, secretary_a, client_a, client_county):
    other = Risk.objects.filter(village=world.village_a).exclude(pk=gap.pk).first()
    Risk.objects.filter(pk=gap.pk).update(owner=secretary_a, due_on=timezone.localdate() - dt.timedelta(days=2))
    Risk.objects.filter(pk=other.pk).update(owner=secretary_a, due_on=timezone.localdate() + dt.timedelta(days=2))
    for client in (client_a, client_county):
        response = client.get(reverse("villages:risks") + "?overdue=on&layout=flat")
        rows = list(response.context["page"])
        assert [r.pk for r in rows] == [gap.pk]
        assert "逾期" in response.content.decode()
    mine = client_a.get(reverse("villages:risks") + "?mine=on&layout=flat")
    assert {r.pk for r in mine.context["page"]} == {gap.pk, other.pk}
    Risk.objects.filter(pk=gap.pk).update(review_status=ReviewStatus.RECTIFIED)  # answered: no longer overdue
    assert not list(client_a.get(reverse("villages:risks") + "?overdue=on&layout=flat").context["page"])


# ---- the grouped list ----


def grouped_world(world, villages: int) -> None:
    for i in range(villages):
        village = f.VillageFactory(township=world.township_a, code=f"51190210060{i}", name=f"学历村{i}")
        for _ in range(3):
            person = f.PersonFactory(home_village=village, education=Education.JUNIOR_HIGH)
            f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    risk.recompute_risks()


def test_grouped_list_puts_village_level_problems_first(gap, world, client_county):
    grouped_world(world, 2)
    response = client_county.get(reverse("villages:risks"))
    groups = response.context["groups"]
    assert groups[0].village_rows and all(not r.person_id for g in groups for r in g.village_rows)
    assert all(r.person_id for g in groups for r in g.person_rows)
    counts = [len(g.village_rows) for g in groups]
    assert counts == sorted(counts, reverse=True)
    html = response.content.decode()
    assert "<details>" in html and "人员风险" in html  # person rows folded where the village has its own problems
    low = client_county.get(reverse("villages:risks") + f"?kind={PersonFlag.LOW_EDUCATION}").content.decode()
    assert "<details open>" in low  # asked for person rows: shown unfolded


def test_grouped_list_query_count_is_constant(gap, world, client_county, client_a):
    url = reverse("villages:risks")
    few = {}
    for name, client in (("county", client_county), ("township", client_a)):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        few[name] = len(ctx.captured_queries)
    grouped_world(world, 5)
    for name, client in (("county", client_county), ("township", client_a)):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        assert len(ctx.captured_queries) == few[name], name


def test_grouped_list_exact_query_count(gap, world, client_county, client_a, django_assert_num_queries):
    grouped_world(world, 3)
    # session, user, risks (count), villages (count, page), the page's risks, the user's county and two filter
    # choice lists (the shared area filter, villages/forms/area.py)
    for client in (client_county, client_a):
        with django_assert_num_queries(9):
            client.get(reverse("villages:risks"))


# ---- export ----


def test_export_is_the_filtered_list_without_id_numbers(gap, world, client_county):
    grouped_world(world, 1)
    response = client_county.get(reverse("villages:risks_export") + f"?township={world.township_a.code}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book["风险清单"].iter_rows(values_only=True))
    assert rows[0][:5] == ("乡镇", "村", "层级", "人员", "类型")
    assert {r[0] for r in rows[1:]} == {"凌云乡"}
    assert len(rows) - 1 == Risk.objects.filter(village__township=world.township_a, is_active=True).count()
    text = " ".join(str(c) for r in rows for c in r if c)
    assert not any(p.id_number in text for p in world.village_a.residents.all())
    assert "村级" in [r[2] for r in rows]


def test_export_query_count_is_constant(gap, world, client_county, client_b):
    url = reverse("villages:risks_export")
    with CaptureQueriesContext(connection) as few:
        client_county.get(url)
    grouped_world(world, 3)
    with CaptureQueriesContext(connection) as more:
        client_county.get(url)
    assert len(more.captured_queries) == len(few.captured_queries)
    outsider = client_b.get(url + f"?township={world.township_a.code}")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(outsider.streaming_content)))
    assert "青龙村" not in str(list(book.active.iter_rows(values_only=True)))


# ---- API: same rules, same contract ----


@pytest.fixture
def api_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_api_loop(gap, secretary_a, secretary_b, county_staff, api_for):
    url = f"/api/v1/risks/{gap.pk}/"
    county, township = api_for(county_staff), api_for(secretary_a)
    assigned = county.patch(
        url, {"owner": "sec_a", "due_on": in_days(10), "review_status": "in_progress"}, format="json"
    )
    assert assigned.status_code == 200, assigned.json()
    assert county.patch(url, {"due_on": in_days(-3)}, format="json").status_code == 400
    assert county.patch(url, {"owner": "sec_b"}, format="json").status_code == 400
    assert county.patch(url, {"review_status": "accepted", "note": ""}, format="json").status_code == 400
    assert township.patch(url, {"review_status": "resolved"}, format="json").status_code == 403
    assert township.patch(url, {"note": "x"}, format="json").status_code == 403
    assert api_for(secretary_b).patch(url, {"action_taken": "x"}, format="json").status_code == 404
    # The API takes JSON only: an attachment is uploaded on the web page (test_answer_with_attachment...).
    assert township.patch(url, {"action_taken": "x"}, format="multipart").status_code == 415
    answered = township.patch(url, {"action_taken": "已推荐"}, format="json")
    assert answered.status_code == 200, answered.json()
    body = answered.json()
    assert body["review_status"] == "rectified" and body["attachment_url"] is None
    listed = county.get("/api/v1/risks/", {"review_status": "rectified"}).json()
    assert [r["id"] for r in listed["results"]] == [gap.pk]
    assert county.patch(url, {"review_status": "resolved"}, format="json").json()["review_status"] == "resolved"


def test_api_overdue_field_and_filter(gap, county_staff, api_for):
    Risk.objects.filter(pk=gap.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    client = api_for(county_staff)
    rows = client.get("/api/v1/risks/", {"overdue": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [gap.pk] and rows[0]["overdue"] is True
    others = client.get("/api/v1/risks/", {"overdue": "false"}).json()["results"]
    assert gap.pk not in [r["id"] for r in others] and others


@pytest.mark.parametrize("status", ["open", "in_progress", "accepted", "resolved"])
def test_api_existing_review_status_values_stay_valid(gap, county_staff, api_for, status):
    response = api_for(county_staff).patch(
        f"/api/v1/risks/{gap.pk}/", {"review_status": status, "note": "理由"}, format="json"
    )
    assert response.status_code == 200 and response.json()["review_status"] == status
