"""资格联审 pages: the 台账 (scope, sensitivity, constant queries), one review, opening a batch, negative records,
the county's lists and the audit page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from reserves.choices import ReviewAuditKind, SlateStatus
from reserves.models import NegativeListItem, NegativeRecord, Review, ReviewAuditEntry, ReviewDepartmentList
from reserves.slates import set_candidate, start_slate
from tests import factories as f
from tests.review_support import answer, negative_record, open_review, passed_review
from villages.choices import Post

pytestmark = pytest.mark.django_db


def ledger_url(level: str, code: str) -> str:
    return reverse("reserves:review_ledger", args=[level, code])


@pytest.fixture
def reviews(world, county_staff):
    """Village A: one passed, one failed by a negative-list entry, one pending (公安局 missing)."""
    people = [f.PersonFactory(home_village=world.village_a, name=name) for name in ("甲一", "乙二", "丙三")]
    passed_review(people[0], by=county_staff)
    passed_review(people[1], by=county_staff)
    negative_record(people[1], "9.3", occurred_on=dt.date(2025, 5, 1))
    pending = open_review(people[2], by=county_staff, opinions_due_on=dt.date(2026, 9, 30))
    answer(pending, skip=("公安局",))
    return people


@pytest.mark.parametrize(
    ("persona", "level", "code", "status"),
    [
        ("client_a", "township", "511902100", 200),
        ("client_b", "township", "511902100", 404),
        ("client_county", "township", "511902100", 200),
        ("client_county", "county", "511902", 200),
        ("client_a", "county", "511902", 404),
        ("client_city", "county", "511921", 200),
        ("client_county", "county", "511921", 404),
    ],
)
def test_ledger_permission_matrix(request, reviews, persona, level, code, status):
    assert request.getfixturevalue(persona).get(ledger_url(level, code)).status_code == status


def test_the_township_sees_outcomes_and_the_county_sees_the_item(reviews, client_a, client_county):
    township = client_a.get(ledger_url("township", "511902100")).content.decode()
    assert "负面清单（详情由县委组织部掌握）" in township and "失信被执行人" not in township
    assert "尚缺公安局" in township
    assert not ReviewAuditEntry.objects.exists()  # the township saw no detail: nothing to audit
    county = client_county.get(ledger_url("county", "511902")).content.decode()
    assert "第9.3项 被列为失信被执行人" in county
    client_county.get(reverse("reserves:review", args=[Review.objects.get(person=reviews[1]).pk]))
    shown = ReviewAuditEntry.objects.filter(kind=ReviewAuditKind.DETAIL_VIEW, person=reviews[1])
    assert sorted(shown.values_list("context", flat=True)) == ["ledger_page", "review_page"]


def test_ledger_queries_do_not_grow_with_reviews(world, county_staff, client_county, django_assert_max_num_queries):
    for _ in range(3):
        passed_review(f.PersonFactory(home_village=world.village_a), by=county_staff)
    client_county.get(ledger_url("county", "511902"))  # warm: session, user
    with django_assert_max_num_queries(12) as small:
        client_county.get(ledger_url("county", "511902"))
    for _ in range(12):
        review = open_review(f.PersonFactory(home_village=world.village_b), by=county_staff, cycle="2027")
        answer(review, skip=("法院",))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client_county.get(ledger_url("county", "511902"))
    assert response.content.decode().count("尚缺法院") == 12


def test_ledger_filters_by_status(reviews, client_county):
    body = client_county.get(ledger_url("county", "511902") + "?status=failed").content.decode()
    assert "乙二" in body and "甲一" not in body and "丙三" not in body


def test_review_page_records_an_opinion_for_the_rounds_of_the_role(reviews, client_a, client_county):
    review = Review.objects.get(person=reviews[2])
    url = reverse("reserves:review_opinion", args=[review.pk])
    data = {"round": "county", "department": "公安局", "conclusion": "pass", "concluded_on": "2026-10-08"}
    assert client_a.post(url, data).status_code == 403
    page = client_a.get(reverse("reserves:review", args=[review.pk])).content.decode()
    assert "待审" in page and "（由县委组织部掌握）" not in page
    response = client_county.post(url, {**data, "document_number": "巴公函〔2026〕9号"})
    assert response.status_code == 302
    assert "通过" in client_county.get(reverse("reserves:review", args=[review.pk])).content.decode()
    bad = client_county.post(url, {**data, "conclusion": "fail"})
    assert bad.status_code == 422 and "结论为不通过时须写明理由" in bad.content.decode()


def test_withdrawing_needs_a_reason_and_stops_opinions(reviews, client_a):
    review = Review.objects.get(person=reviews[2])
    url = reverse("reserves:review_withdraw", args=[review.pk])
    assert client_a.post(url, {"reason": ""}).status_code == 422
    assert client_a.post(url, {"reason": "本人放弃参选"}).status_code == 302
    review.refresh_from_db()
    assert review.withdrawn_reason == "本人放弃参选"
    assert "录入审查意见" not in client_a.get(reverse("reserves:review", args=[review.pk])).content.decode()


def test_opening_reviews_for_the_townships_slates_in_one_step(world, secretary_a, client_a, client_b):
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白云村")
    for village in (world.village_a, second):
        holder = f.PersonFactory(home_village=village)
        f.PostAssignmentFactory(person=holder, post=Post.PARTY_SECRETARY)
        slate = start_slate(village=village, by=secretary_a, name="方案", election_on=dt.date(2026, 12, 20))
        set_candidate(slate=slate, post=Post.COMMITTEE_MEMBER, seat=1, person=f.PersonFactory(home_village=village))
    old = start_slate(village=second, by=secretary_a, name="旧方案", election_on=dt.date(2026, 12, 20))
    old.status = SlateStatus.FINAL
    old.save()  # the final slate of 白云村 wins over its newer draft: its one holder only
    url = reverse("reserves:reviews_open", args=[world.township_a.code])
    assert client_b.get(url).status_code == 404
    response = client_a.post(url, {"source": "slates", "opinions_due_on": "2026-12-10", "purpose": "election"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Review.objects.filter(purpose="election", cycle="2027").count() == 3  # December: the next round
    assert set(Review.objects.values_list("post", flat=True)) == {Post.PARTY_SECRETARY, Post.COMMITTEE_MEMBER}
    client_a.post(url, {"source": "slates", "purpose": "election"})
    assert Review.objects.count() == 3  # once per person, purpose and cycle


def test_opening_reviews_for_a_list_of_nominees(world, client_a):
    one = f.PersonFactory(home_village=world.village_a, name="孙一")
    two = f.PersonFactory(home_village=world.village_a, name="孙二")
    url = reverse("reserves:reviews_open", args=[world.township_a.code])
    data = {"source": "list", "purpose": "reserve_entry", "cycle": "2026", "people": f"孙一\n{two.id_number}\n查无此人"}
    response = client_a.post(url, data)
    assert response.status_code == 422 and "第3行“查无此人”：本乡镇未找到此人" in response.content.decode()
    assert not Review.objects.exists()
    client_a.post(url, {**data, "people": f"孙一\n{two.id_number}"})
    assert set(Review.objects.values_list("person", "purpose", "village")) == {
        (one.pk, "reserve_entry", world.village_a.pk),
        (two.pk, "reserve_entry", world.village_a.pk),
    }


def test_negative_records_page_is_for_the_county_and_every_showing_is_audited(reviews, client_a, client_county):
    person = reviews[1]
    url = reverse("reserves:person_records", args=[person.pk])
    assert client_a.get(url).status_code == 403
    body = client_county.get(url).content.decode()
    assert "被列为失信被执行人" in body and "有效" in body
    data = {
        "item_code": "2",
        "source_department": "法院",
        "occurred_on": "2019-06-01",
        "document_number": "（2019）刑1号",
    }
    assert client_county.post(url, data).status_code == 302
    assert NegativeRecord.objects.filter(person=person).count() == 2
    record = NegativeRecord.objects.get(person=person, item_code="9.3")
    edit = reverse("reserves:record_edit", args=[record.pk])
    assert client_a.get(edit).status_code == 403
    assert "整改完成日期" in client_county.get(edit).content.decode()
    client_county.post(edit, {"source_department": "法院", "occurred_on": "2025-05-01", "rectified_on": "2026-10-01",
                              "document_number": "（2025）川1902执123号"})  # fmt: skip
    record.refresh_from_db()
    assert record.rectified_on == dt.date(2026, 10, 1)
    views = ReviewAuditEntry.objects.filter(kind=ReviewAuditKind.DETAIL_VIEW)
    assert views.count() == 2  # the list (one record then), the edit form; the POSTs showed nothing
    assert not views.exclude(user__username="county_staff").exists()


def test_rules_page_shows_the_city_list_and_county_staff_add_versions(world, client_county, client_a):
    url = reverse("reserves:review_rules")
    body = client_a.get(url).content.decode()
    assert "被列为失信被执行人" in body and "纪委监委" in body
    assert client_a.post(url, {"form": "departments"}).status_code == 403
    data = {
        "form": "departments",
        "departments": "公安局\n法院",
        "effective_on": "2026-11-01",
        "document_number": "巴组〔2026〕3号",
    }
    assert client_county.post(url, data).status_code == 302
    assert ReviewDepartmentList.objects.get(county=world.county).departments == ["公安局", "法院"]
    item = {"form": "item", "code": "7.3", "wording": "长期外出", "ends": "rectification", "disqualifies": "",
            "in_force": "on", "effective_on": "2026-11-01", "document_number": "巴组〔2026〕4号"}  # fmt: skip
    assert client_county.post(url, item).status_code == 302
    assert NegativeListItem.objects.get(county=world.county).disqualifies is False


def test_audit_page_is_for_the_county_side(reviews, client_a, client_county, client_city):
    client_county.get(reverse("reserves:person_records", args=[reviews[1].pk]))
    assert client_a.get(reverse("reserves:review_audit")).status_code == 403
    assert "查看负面清单记录" in client_county.get(reverse("reserves:review_audit")).content.decode()
    assert client_city.get(reverse("reserves:review_audit")).status_code == 200


def test_the_rules_page_lists_the_review_switch(client_county):
    body = client_county.get(reverse("villages:rules")).content.decode()
    assert "资格联审：未经联审不得任职" in body and "开启（未通过则拒绝）" in body
    response = client_county.post(
        reverse("villages:rules"),
        {
            "key": "review_required",
            "value": "仅提醒",
            "effective_on": "2026-12-01",
            "document_number": "巴组〔2026〕8号",
        },
    )
    assert response.status_code == 302
