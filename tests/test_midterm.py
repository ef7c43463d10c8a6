"""届中调整 (reserves/midterm.py and its pages): vacancy → nominee (reserves of the post first) → review → 备案 →
appointment, each step dated and in order, every post written by villages.roster; the post's history shows it;
the appointment needs the nominee's passed qualification review (资格联审, reserves/reviews: refused, or let
through with a warning and an audit record where the county's rule only warns); counts per township and cycle;
permissions (the township's secretary runs it, others read, outsiders 404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reserves import midterm
from reserves.choices import (
    FilingOccasion,
    FilingStatus,
    MidTermStage,
    ReserveStatus,
    ReviewAuditKind,
    ReviewPurpose,
    VacancyReason,
)
from reserves.models import Filing, MidTermChange, ReviewAuditEntry
from reserves.reviews import collect_review_warnings, cycle_of
from reserves.reviews.opening import record_opinion
from tests import factories as f
from tests.after_support import committee, person
from tests.review_support import answer, open_review, reviewed
from villages import risk
from villages.choices import AfterElectionRiskKind, CadreSource, How, PoliticalStatus, Post
from villages.models import PostAssignment, Risk, Village
from villages.rules import add_rule_value

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def team(world):
    return committee(world.village_a)


@pytest.fixture
def leaving(team, world):
    return PostAssignment.objects.get(person=team.member, post=Post.COMMITTEE_MEMBER)


@pytest.fixture
def reserves(world):
    """Two active reserves of 青龙村: one for another post (ranked first), one for 村委委员."""
    other = f.ReserveFactory(person__home_village=world.village_a, person__name="甲", target_post=Post.CLERK, rank=1)
    fit = f.ReserveFactory(
        person__home_village=world.village_a, person__name="乙", target_post=Post.COMMITTEE_MEMBER, rank=2
    )
    return other, fit


def opened(leaving, *, days_ago: int = 30) -> MidTermChange:
    return midterm.open_vacancy(
        assignment=leaving, vacated_on=TODAY - days_ago * DAY, reason=VacancyReason.RESIGNED, by=None
    )


def test_a_full_mid_term_change_from_vacancy_to_appointment(leaving, reserves, world, secretary_a):
    _, fit = reserves
    change = opened(leaving)
    leaving.refresh_from_db()
    assert (leaving.end_on, leaving.end_reason) == (TODAY - 30 * DAY, "届中调整：辞职")
    assert change.cycle == "未知届次"  # the vacated post has no term, and the village no recorded election
    assert change.stage == MidTermStage.VACANT
    assert [r.person.name for r in midterm.suggested_nominees(change)] == ["乙", "甲"]  # the post's reserve first

    change = midterm.nominate(
        change=change, person=fit.person, nominated_on=TODAY - 20 * DAY, by=secretary_a, expected_version=1
    )
    assert change.stage == MidTermStage.NOMINATED and change.nominee_reserve == fit
    filing = change.filing
    assert (filing.occasion, filing.due_on, filing.status(TODAY)) == (
        FilingOccasion.MID_TERM,
        TODAY - 5 * DAY,
        "overdue",
    )
    cycle = cycle_of(TODAY - 3 * DAY)  # the election cycle of the appointment date
    assert midterm.mid_term_review_refusal(change=change, on=TODAY - 3 * DAY) == (
        f"乙未经{cycle}年届中调整资格联审，未经联审不得任职"
    )
    reviewed(fit.person, purpose=ReviewPurpose.MID_TERM_CHANGE, on=TODAY - 3 * DAY)
    assert midterm.mid_term_review_refusal(change=change, on=TODAY - 3 * DAY) is None

    change = midterm.record_review(
        change=change, passed_on=TODAY - 10 * DAY, reference="联审意见2026-31号", by=secretary_a, expected_version=2
    )
    assert change.stage == MidTermStage.REVIEWED

    midterm.file_change(
        change=change, filed_on=TODAY - 5 * DAY, document_number="巴州组备〔2026〕40号", authority=None,
        by=secretary_a, expected_version=filing.version,
    )  # fmt: skip
    change.refresh_from_db()
    assert change.stage == MidTermStage.FILED

    change = midterm.appoint(
        change=change, appointed_on=TODAY - 3 * DAY, how=How.BY_ELECTION, source=CadreSource.RETURNEE,
        by=secretary_a, expected_version=change.version,
    )  # fmt: skip
    assert change.stage == MidTermStage.FILLED and change.days_vacant(TODAY) == 27
    post = change.new_assignment
    assert (post.person, post.post, post.how, post.start_on, post.source, post.term) == (
        fit.person, Post.COMMITTEE_MEMBER, How.BY_ELECTION, TODAY - 3 * DAY, CadreSource.RETURNEE, change.cycle
    )  # fmt: skip
    fit.refresh_from_db()
    assert (fit.status, fit.appointed_post) == (ReserveStatus.APPOINTED, post)
    filing.refresh_from_db()
    assert (filing.post, filing.status(TODAY)) == (post, FilingStatus.FILED)
    # The post's history tells the story: who left, why and when; who came, how and when, and by whom.
    records = {r.history_type: r for r in post.history.all()}
    assert records["+"].history_user == secretary_a
    assert leaving.history.first().end_reason == "届中调整：辞职"


def test_steps_must_come_in_order_and_dates_not_before_the_step_before(leaving, reserves, secretary_a):
    _, fit = reserves
    change = opened(leaving)
    with pytest.raises(ValidationError, match="请先提名人选"):
        midterm.record_review(change=change, passed_on=TODAY, reference="x", by=None, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        midterm.nominate(change=change, person=fit.person, nominated_on=TODAY - 40 * DAY, by=None, expected_version=1)
    assert "不能早于空缺日期" in refused.value.message_dict["nominated_on"][0]
    change = midterm.nominate(change=change, person=fit.person, nominated_on=TODAY - 20 * DAY, by=None,
                              expected_version=1)  # fmt: skip
    with pytest.raises(ValidationError, match="须先完成资格审查和任前备案"):
        midterm.appoint(change=change, appointed_on=TODAY, how=How.APPOINTED, by=None, expected_version=2)
    with pytest.raises(ValidationError) as refused:
        midterm.record_review(change=change, passed_on=TODAY, reference=" ", by=None, expected_version=2)
    assert "审查依据" in refused.value.message_dict["reference"][0]
    change = midterm.record_review(change=change, passed_on=TODAY - 10 * DAY, reference="联审", by=None,
                                   expected_version=2)  # fmt: skip
    midterm.file_change(change=change, filed_on=TODAY - 5 * DAY, document_number="40号", authority=None, by=None,
                        expected_version=change.filing.version)  # fmt: skip
    change.refresh_from_db()
    with pytest.raises(ValidationError) as refused:  # 任前备案: the appointment cannot precede the filing
        midterm.appoint(change=change, appointed_on=TODAY - 6 * DAY, how=How.APPOINTED, by=None,
                        expected_version=change.version)  # fmt: skip
    assert "不能早于备案日期" in refused.value.message_dict["appointed_on"][0]


def _filed(leaving, fit, *, nominee=None) -> MidTermChange:
    """A change of `leaving`'s seat taken to 已备案待任职 (nominated, review recorded, filed 5 days ago)."""
    change = midterm.nominate(change=opened(leaving), person=nominee or fit.person, nominated_on=TODAY - 20 * DAY,
                              by=None, expected_version=1)  # fmt: skip
    change = midterm.record_review(change=change, passed_on=TODAY - 10 * DAY, reference="联审", by=None,
                                   expected_version=2)  # fmt: skip
    assert change.filing is not None  # opened by the nomination
    midterm.file_change(change=change, filed_on=TODAY - 5 * DAY, document_number="40号", authority=None, by=None,
                        expected_version=change.filing.version)  # fmt: skip
    change.refresh_from_db()
    return change


def test_the_appointment_is_refused_without_a_passed_mid_term_review(leaving, reserves, world, secretary_a):
    """The recorded review step is the township's note; the qualification review itself decides at appointment."""
    _, fit = reserves
    change = _filed(leaving, fit)
    appoint = {"appointed_on": TODAY - DAY, "how": How.APPOINTED, "by": secretary_a}
    with pytest.raises(ValidationError) as refused:
        midterm.appoint(change=change, expected_version=change.version, **appoint)
    assert refused.value.message_dict["nominee"] == [
        f"乙未经{cycle_of(TODAY - DAY)}年届中调整资格联审，未经联审不得任职"
    ]
    review = open_review(fit.person, village=world.village_a, purpose=ReviewPurpose.MID_TERM_CHANGE,
                         cycle=cycle_of(TODAY - DAY), opened_on=TODAY - 20 * DAY)  # fmt: skip
    answer(review, skip=("committee",), on=TODAY - 9 * DAY)
    with pytest.raises(ValidationError) as refused:  # pending: 党委考察 is still missing
        midterm.appoint(change=change, expected_version=change.version, **appoint)
    assert "尚缺党委考察意见" in refused.value.message_dict["nominee"][0]
    assert not PostAssignment.objects.filter(person=fit.person, post=Post.COMMITTEE_MEMBER).exists()
    record_opinion(review=review, round="committee", conclusion="pass", concluded_on=TODAY - 8 * DAY, by=secretary_a)
    change = midterm.appoint(change=change, expected_version=change.version, **appoint)
    assert change.stage == MidTermStage.FILLED
    assert not ReviewAuditEntry.objects.filter(kind=ReviewAuditKind.OVERRIDE).exists()


def test_where_the_county_only_warns_the_appointment_goes_ahead_audited(leaving, reserves, world, secretary_a):
    _, fit = reserves
    add_rule_value(county_id=world.county.pk, key="review_required", value=0, effective_on=TODAY - 30 * DAY,
                   document_number="巴组通〔2026〕9号")  # fmt: skip
    change = _filed(leaving, fit)
    with collect_review_warnings() as warnings:
        change = midterm.appoint(change=change, appointed_on=TODAY - DAY, how=How.APPOINTED, by=secretary_a,
                                 expected_version=change.version)  # fmt: skip
    assert change.stage == MidTermStage.FILLED
    (warning,) = warnings
    assert warning.startswith("乙未经") and "已放行并留痕" in warning
    entry = ReviewAuditEntry.objects.get(kind=ReviewAuditKind.OVERRIDE)
    assert (entry.person, entry.user, entry.context) == (fit.person, secretary_a, "mid_term_appointment")


def test_the_page_shows_the_nominees_review_and_the_warning_of_a_warn_only_county(
    leaving, reserves, world, client_a, secretary_a
):
    _, fit = reserves
    change = _filed(leaving, fit)
    url = reverse("reserves:mid_term_change", args=[change.pk])
    page = client_a.get(url).content.decode()
    assert (
        "乙尚无届中调整资格联审记录" in page and reverse("reserves:reviews_open", args=[world.township_a.code]) in page
    )
    assert not ReviewAuditEntry.objects.exists()  # showing the page is no act: nothing audited
    (review,) = reviewed(fit.person, purpose=ReviewPurpose.MID_TERM_CHANGE, on=TODAY)
    page = client_a.get(url).content.decode()
    assert f"{review.cycle}年 通过" in page and reverse("reserves:review", args=[review.pk]) in page
    review.delete()
    add_rule_value(county_id=world.county.pk, key="review_required", value=0, effective_on=TODAY - 30 * DAY,
                   document_number="巴组通〔2026〕9号")  # fmt: skip
    step = reverse("reserves:mid_term_step", args=[change.pk, "appoint"])
    body = {"appointed_on": str(TODAY - DAY), "how": How.APPOINTED, "source": "", "version": change.version}
    response = client_a.post(step, body, follow=True)
    assert response.status_code == 200 and "已放行并留痕" in response.content.decode()
    assert MidTermChange.objects.get(pk=change.pk).stage == MidTermStage.FILLED


def test_a_party_post_needs_a_full_party_member(team, world, reserves):
    secretary_post = PostAssignment.objects.get(person=team.secretary, post=Post.PARTY_SECRETARY)
    change = midterm.open_vacancy(assignment=secretary_post, vacated_on=TODAY - 5 * DAY, reason=VacancyReason.DIED,
                                  by=None)  # fmt: skip
    probationary = person(world.village_a, "预备", political_status=PoliticalStatus.CPC_PROBATIONARY)
    with pytest.raises(ValidationError) as refused:
        midterm.nominate(change=change, person=probationary, nominated_on=TODAY, by=None, expected_version=1)
    assert "只能由正式党员担任" in refused.value.message_dict["nominee"][0]


def test_one_open_change_per_vacated_post_and_other_needs_a_reason(leaving):
    opened(leaving)
    leaving.refresh_from_db()
    with pytest.raises(ValidationError, match="已有进行中的届中调整"):
        opened(leaving)
    with pytest.raises(ValidationError) as refused:
        midterm.open_vacancy(assignment=leaving, vacated_on=None, reason=VacancyReason.OTHER, by=None)
    assert "请写明" in refused.value.message_dict["reason_note"][0]


def test_an_open_vacancy_of_a_key_post_shows_in_the_risk_list(team, world):
    post = PostAssignment.objects.get(person=team.secretary, post=Post.DIRECTOR)
    change = midterm.open_vacancy(assignment=post, vacated_on=TODAY - 100 * DAY, reason=VacancyReason.PROMOTED,
                                  by=None)  # fmt: skip
    midterm.nominate(change=change, person=team.member, nominated_on=TODAY - 90 * DAY, by=None, expected_version=1)
    risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    kinds = set(Risk.objects.filter(village=world.village_a, is_active=True).values_list("kind", flat=True))
    assert {"vacant_or_acting_post", AfterElectionRiskKind.FILING_PENDING} <= kinds


def test_counts_per_township_and_cycle(leaving, world):
    change = opened(leaving, days_ago=30)
    other = committee(f.VillageFactory(township=world.township_a, code="511902100202", name="白马村"), prefix="白")
    second = midterm.open_vacancy(
        assignment=PostAssignment.objects.get(person=other.member), vacated_on=TODAY - 10 * DAY,
        reason=VacancyReason.DISMISSED, by=None,
    )  # fmt: skip
    midterm.cancel(change=second, reason="登记错误", by=None, expected_version=1)
    (row,) = midterm.mid_term_counts(MidTermChange.objects.all(), on=TODAY)
    assert (row.township, row.cycle, row.changes, row.filled, row.open, row.days) == (
        world.township_a, change.cycle, 1, 0, 1, [30]
    )  # fmt: skip


# ---- pages ----


def test_pages_permissions_and_scoping(leaving, client_a, client_b, client_county, world):
    change = opened(leaving)
    detail = reverse("reserves:mid_term_change", args=[change.pk])
    assert client_a.get(detail).status_code == 200
    assert client_county.get(detail).status_code == 200
    assert client_b.get(detail).status_code == 404
    step = reverse("reserves:mid_term_step", args=[change.pk, "cancel"])
    assert client_county.post(step, {"cancel_reason": "x", "version": 1}).status_code == 403
    assert client_b.post(step, {"cancel_reason": "x", "version": 1}).status_code == 404
    new = reverse("reserves:mid_term_open", args=[world.village_a.code])
    assert client_county.get(new).status_code == 403 and client_b.get(new).status_code == 404
    township = reverse("reserves:township_mid_term", args=[world.township_a.code])
    assert client_a.get(township).status_code == 200 and client_b.get(township).status_code == 404
    county = reverse("reserves:county_mid_term", args=[world.county.code])
    assert client_county.get(county).status_code == 200


def test_the_secretary_runs_the_workflow_on_the_page(leaving, reserves, client_a, world):
    _, fit = reserves
    new = reverse("reserves:mid_term_open", args=[world.village_a.code])
    assert "委员" in client_a.get(new).content.decode()
    response = client_a.post(
        new, {"assignment": leaving.pk, "vacated_on": str(TODAY - 30 * DAY), "reason": "resigned", "reason_note": ""}
    )
    change = MidTermChange.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reserves:mid_term_change", args=[change.pk])
    step = reverse("reserves:mid_term_step", args=[change.pk, "nominate"])
    page = client_a.get(response["Location"]).content.decode()
    assert "乙（村委委员" in page  # the suggested reserve of the post, named first
    bad = client_a.post(step, {"nominee": fit.person.pk, "nominated_on": str(TODAY + DAY), "version": 1},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert bad.status_code == 422 and "不能晚于今天" in bad.content.decode()
    ok = client_a.post(step, {"nominee": fit.person.pk, "nominated_on": str(TODAY - 20 * DAY), "version": 1},
                       HTTP_HX_REQUEST="true")  # fmt: skip
    body = ok.content.decode()
    assert ok.status_code == 200 and 'id="change-steps"' in body and "已提名拟任人选" in body  # message out of band
    assert MidTermChange.objects.get().nominee == fit.person
    village_page = client_a.get(reverse("reserves:village_elections", args=[world.village_a.code])).content.decode()
    assert 'id="mid-term-changes"' in village_page and "拟任 乙 · 已提名待审查" in village_page


def test_township_list_query_count_is_constant(leaving, client_a, world, django_assert_num_queries):
    opened(leaving)
    url = reverse("reserves:township_mid_term", args=[world.township_a.code])
    with django_assert_num_queries(7) as few:
        client_a.get(url)
    for i in range(3):
        village = f.VillageFactory(township=world.township_a, code=f"51190210050{i}")
        team = committee(village, prefix=str(i))
        midterm.open_vacancy(assignment=PostAssignment.objects.get(person=team.member), vacated_on=TODAY,
                             reason=VacancyReason.RESIGNED, by=None)  # fmt: skip
    with django_assert_num_queries(len(few.captured_queries)):
        client_a.get(url)


def test_cancelling_drops_the_unfiled_filing_and_its_risk(leaving, reserves, world):
    _, fit = reserves
    change = opened(leaving)
    change = midterm.nominate(change=change, person=fit.person, nominated_on=TODAY - 20 * DAY, by=None,
                              expected_version=1)  # fmt: skip
    midterm.cancel(change=change, reason="本人撤回辞职申请", by=None, expected_version=2)
    change.refresh_from_db()
    assert (change.stage, change.filing, Filing.objects.count()) == (MidTermStage.CANCELLED, None, 0)
    risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    assert not Risk.objects.filter(kind=AfterElectionRiskKind.FILING_PENDING, is_active=True).exists()
    with pytest.raises(ValidationError, match="不能撤销"):
        midterm.cancel(change=change, reason="再撤", by=None, expected_version=3)
