"""The review in the risk work queue (reserves/reviews/queue.py), the 资格审查表 PDF, and the demo township."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.urls import reverse

from reserves.choices import QualificationStatus, ReviewAuditKind
from reserves.cycles import cycle_of
from reserves.models import Review, ReviewAuditEntry
from reserves.reviews import outcome_of
from tasks.management.demo import reviews as demo_reviews
from tasks.management.demo import villages as demo
from tests import factories as f
from tests.reports_support import pdf_text
from tests.review_support import answer, negative_record, open_review, passed_review
from villages.choices import ReviewRiskKind, Severity
from villages.models import IdNumberView, Risk, Village
from villages.risk import recompute_risks

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 20)
ELECTION_ON = dt.date(2026, 12, 11)
CYCLE = cycle_of(ELECTION_ON)  # "2027": a round that starts in October counts as the next year's


@pytest.fixture
def election_ahead(world):
    world.village_a.planned_election_on = ELECTION_ON
    world.village_a.save()
    return world.village_a


def test_pending_and_failed_candidates_and_late_departments_enter_the_risk_list(election_ahead, county_staff):
    village = election_ahead
    done = passed_review(f.PersonFactory(home_village=village), by=county_staff, cycle=CYCLE)
    late = open_review(
        f.PersonFactory(home_village=village, name="吴迟"),
        by=county_staff,
        cycle=CYCLE,
        opinions_due_on=TODAY - dt.timedelta(days=5),
    )
    answer(late, skip=("公安局", "信访局", "committee"))
    failed = passed_review(
        f.PersonFactory(home_village=village, name="郑否"), by=county_staff, cycle=CYCLE, post="director"
    )
    negative_record(failed.person, "2", occurred_on=dt.date(2015, 1, 1))
    recompute_risks(villages=Village.objects.filter(pk=village.pk), as_of=TODAY)
    risks = {(r.person_id, r.kind): r for r in Risk.objects.filter(kind__in=ReviewRiskKind.values)}
    assert set(risks) == {
        (late.person_id, ReviewRiskKind.REVIEW_NOT_PASSED),
        (failed.person_id, ReviewRiskKind.REVIEW_NOT_PASSED),
        (None, ReviewRiskKind.REVIEW_OPINION_OVERDUE),
    }
    pending_risk = risks[(late.person_id, ReviewRiskKind.REVIEW_NOT_PASSED)]
    assert (pending_risk.severity, pending_risk.due_on, pending_risk.owner) == (
        Severity.AMBER,
        dt.date(2026, 12, 11),
        county_staff,
    )
    assert "待审：尚缺公安局、信访局、党委考察意见" in pending_risk.detail
    failed_risk = risks[(failed.person_id, ReviewRiskKind.REVIEW_NOT_PASSED)]
    assert failed_risk.severity == Severity.RED
    assert "不通过：负面清单（详情由县委组织部掌握）" in failed_risk.detail and "刑事" not in failed_risk.detail
    overdue = risks[(None, ReviewRiskKind.REVIEW_OPINION_OVERDUE)]
    assert overdue.detail == "县级联审意见逾期未反馈（反馈期限2026-10-15）：公安局（1人）、信访局（1人）"
    assert (overdue.due_on, overdue.owner) == (dt.date(2026, 10, 15), county_staff)
    assert done.person_id not in {person for person, _ in risks}


def test_the_risks_close_when_the_review_passes_and_the_engine_keeps_them_otherwise(election_ahead, county_staff):
    review = open_review(f.PersonFactory(home_village=election_ahead), by=county_staff, cycle=CYCLE)
    villages = Village.objects.filter(pk=election_ahead.pk)
    recompute_risks(villages=villages, as_of=TODAY)
    risk = Risk.objects.get(kind=ReviewRiskKind.REVIEW_NOT_PASSED)
    recompute_risks(villages=villages, as_of=TODAY)  # the rule engine's recompute does not close the review's rows
    risk.refresh_from_db()
    assert risk.is_active
    answer(review)
    recompute_risks(villages=villages, as_of=TODAY)
    risk.refresh_from_db()
    assert not risk.is_active


def test_no_review_risk_after_the_election_date_or_for_another_cycle(election_ahead, county_staff):
    open_review(f.PersonFactory(home_village=election_ahead), by=county_staff, cycle=str(int(CYCLE) + 1))
    recompute_risks(villages=Village.objects.filter(pk=election_ahead.pk), as_of=TODAY)
    recompute_risks(villages=Village.objects.filter(pk=election_ahead.pk), as_of=dt.date(2026, 12, 12))
    assert not Risk.objects.filter(kind__in=ReviewRiskKind.values).exists()


def test_opening_and_opinions_schedule_a_recompute(election_ahead, county_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = open_review(f.PersonFactory(home_village=election_ahead), by=county_staff, cycle=CYCLE)
    assert Risk.objects.filter(kind=ReviewRiskKind.REVIEW_NOT_PASSED, is_active=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        answer(review)
    assert not Risk.objects.filter(kind=ReviewRiskKind.REVIEW_NOT_PASSED, is_active=True).exists()


needs_pdf = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


@needs_pdf
def test_the_review_form_prints_whole_numbers_only_for_the_county_and_is_audited(
    world, county_staff, client_a, client_county, tmp_path
):
    person = f.PersonFactory(home_village=world.village_a, name="林喆")
    review = open_review(person, by=county_staff, cycle=CYCLE, post="party_secretary")
    answer(review, fail="法院")
    url = reverse("reports:review_form", args=[review.pk])
    for client, name in ((client_a, "township.pdf"), (client_county, "county.pdf")):
        response = client.get(url)
        assert response["Content-Type"] == "application/pdf"
        (tmp_path / name).write_bytes(response.content)
    township, county = pdf_text(tmp_path / "township.pdf"), pdf_text(tmp_path / "county.pdf")
    assert "林喆" in township and person.id_number not in township and "5119**********" in township
    assert "查有不良记录" not in township and "（由县委组织部掌握）" in township
    assert person.id_number in county and "法院不通过：查有不良记录" in county
    assert ReviewAuditEntry.objects.get(kind=ReviewAuditKind.FORM_PRINT).user == county_staff
    assert IdNumberView.objects.get(context="review_form").viewed_by == county_staff


def test_an_outsider_cannot_print_the_form(world, county_staff, client_b):
    review = open_review(f.PersonFactory(home_village=world.village_a), by=county_staff, cycle=CYCLE)
    assert client_b.get(reverse("reports:review_form", args=[review.pk])).status_code == 404


def test_the_demo_township_is_mid_review_with_one_failure_and_one_missing_opinion(db):
    demo.seed_demo(scale="small", history=False)
    demo_reviews.seed_hook(scale="small", seed=2026)
    demo_reviews.seed_hook(scale="small", seed=2026)  # idempotent
    reviews = Review.objects.filter(village__township__code=demo.DEMO_TOWNSHIP)
    statuses = [o.status for o in map(outcome_of, reviews)]
    assert statuses.count(QualificationStatus.FAILED) == 1
    pending = [o for o in map(outcome_of, reviews) if o.status == QualificationStatus.PENDING]
    assert len(pending) == 1
    assert [s.department for s in pending[0].missing if s.round == "county"] == ["信访局"]
    assert statuses.count(QualificationStatus.PASSED) == len(statuses) - 2
