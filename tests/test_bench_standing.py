"""Eligibility that stays true (reserves/standing.py): a reserve who no longer meets the rules stops counting for
一职一备, the reserve count and coverage unless kept with a reason, and the village flag says why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reserves.education import record_programme
from reserves.outcomes import Rate, reserve_coverage
from reserves.standing import reevaluate_reserves
from tests import factories as f
from villages.choices import BenchRiskKind, Education, Post, Severity, VillageFlag
from villages.models import Risk, Village
from villages.rules import add_rule_value, rules_for


def active_risk(village: Village, kind: str) -> Risk | None:
    return Risk.objects.filter(village=village, kind=kind, is_active=True).first()


@pytest.fixture
def trainee(world):
    """A 初中 secretary reserve who counts because of the 大专 course of a degree class (大专在读 counts as 大专)."""
    village = world.village_a
    person = f.PersonFactory(
        home_village=village, name="周航", birth_date=dt.date(1995, 3, 1), education=Education.JUNIOR_HIGH
    )
    degree = f.TrainingClassFactory(
        county=world.county,
        level="degree",
        name="2025级学历提升班（大专）",
        starts_on=dt.date(2025, 9, 1),
        ends_on=None,
    )
    enrollment = f.EnrollmentFactory(training_class=degree, person=person, status="enrolled")
    return person, enrollment


def test_a_dropped_out_trainee_stops_counting_as_the_secretary_reserve(
    world, trainee, django_capture_on_commit_callbacks
):
    person, enrollment = trainee
    village = world.village_a
    with django_capture_on_commit_callbacks(execute=True):
        record_programme(
            person=person,
            institution="四川开放大学巴中分部",
            major="农村行政管理",
            level=Education.ASSOCIATE,
            enrolled_on=dt.date(2025, 9, 1),
            expected_graduation_on=dt.date(2028, 1, 10),
            enrollment=enrollment,
        )
        reserve = f.ReserveFactory(person=person, village=village, target_post=Post.PARTY_SECRETARY)
    reserve.refresh_from_db()
    assert reserve.eligible
    assert active_risk(village, VillageFlag.NO_SECRETARY_RESERVE) is None
    one = Village.objects.filter(pk=village.pk)
    assert reserve_coverage(villages=one) == Rate(1, 1)

    with django_capture_on_commit_callbacks(execute=True):
        enrollment.status = "dropped"
        enrollment.save()

    person.refresh_from_db()
    reserve.refresh_from_db()
    assert person.education_in_progress == ""  # the programme followed the enrolment: 在读 ended
    assert not reserve.eligible
    assert "学历为初中" in reserve.eligibility_note and "退学" in reserve.eligibility_note
    flag = active_risk(village, VillageFlag.NO_SECRETARY_RESERVE)
    assert flag is not None, "书记无后备 must return when the only secretary reserve no longer meets the rules"
    assert "周航" in flag.detail and "退学" in flag.detail and "不计入" in flag.detail
    assert reserve_coverage(villages=one) == Rate(0, 1)
    assert active_risk(village, VillageFlag.RESERVE_SHORTFALL).detail.startswith("在库后备干部0名")
    ineligible = active_risk(village, BenchRiskKind.RESERVE_INELIGIBLE)
    assert ineligible.person_id == person.pk and ineligible.severity == Severity.RED

    # Keeping the reserve with a recorded reason makes them count again; the flag closes itself.
    with django_capture_on_commit_callbacks(execute=True):
        reserve.eligibility_override_reason = "群众基础好，已报名2026年春季学历提升，经乡镇党委研究保留"
        reserve.save()
    assert active_risk(village, VillageFlag.NO_SECRETARY_RESERVE) is None
    assert active_risk(village, BenchRiskKind.RESERVE_INELIGIBLE) is None
    assert reserve_coverage(villages=one) == Rate(1, 1)


def test_a_rule_change_re_evaluates_every_reserve_of_the_county(world, django_capture_on_commit_callbacks):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1996, 1, 1), education=Education.HIGH_SCHOOL
    )
    other = f.PersonFactory(
        home_village=world.village_other_county, birth_date=dt.date(1996, 1, 1), education=Education.HIGH_SCHOOL
    )
    with django_capture_on_commit_callbacks(execute=True):
        reserve = f.ReserveFactory(person=person)
        other_reserve = f.ReserveFactory(person=other)
    assert active_risk(world.village_a, VillageFlag.NO_SECRETARY_RESERVE) is None
    with django_capture_on_commit_callbacks(execute=True):
        add_rule_value(
            county_id=world.county.pk,
            key="reserve_education_min",
            value=Education.ASSOCIATE,
            effective_on=dt.date(2025, 1, 1),
            document_number="巴组发〔2025〕9号",
        )
    reserve.refresh_from_db()
    other_reserve.refresh_from_db()
    assert not reserve.eligible and reserve.eligibility_note.startswith("学历为高中")
    assert other_reserve.eligible  # another county's rules did not change
    assert "书记后备" in active_risk(world.village_a, VillageFlag.NO_SECRETARY_RESERVE).detail


def test_how_a_course_under_way_counts_is_the_county_rule(world, django_capture_on_commit_callbacks):
    person = f.PersonFactory(
        home_village=world.village_a,
        birth_date=dt.date(1996, 1, 1),
        education=Education.JUNIOR_HIGH,
        education_in_progress=Education.ASSOCIATE,
    )
    with django_capture_on_commit_callbacks(execute=True):
        reserve = f.ReserveFactory(person=person)
    reserve.refresh_from_db()
    assert reserve.eligible  # default rule: 大专在读 counts as 大专
    with django_capture_on_commit_callbacks(execute=True):
        add_rule_value(
            county_id=world.county.pk,
            key="in_progress_counts",
            value=0,
            effective_on=dt.date(2025, 1, 1),
            document_number="巴组发〔2025〕10号",
        )
    reserve.refresh_from_db()
    assert not reserve.eligible
    assert reserve.eligibility_note.startswith("学历为初中（大学专科在读）")


def test_reevaluation_reads_a_constant_number_of_queries(world):
    def queries() -> int:
        reevaluate_reserves()  # bring everything up to date first: only the reads are compared
        with CaptureQueriesContext(connection) as captured:
            summary = reevaluate_reserves()
        assert summary.changed == 0
        return len(captured.captured_queries)

    f.ReserveFactory(person=f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1995, 1, 1)))
    one = queries()
    for village in (world.village_a, world.village_b, world.village_other_county):
        for _ in range(3):
            f.ReserveFactory(person=f.PersonFactory(home_village=village, birth_date=dt.date(1970, 1, 1)))
    assert queries() == one


def test_the_rules_page_shows_the_bench_rules_and_takes_in_progress_words(world, client_county, county_staff):
    page = client_county.get(reverse("villages:rules"))
    for label in (
        "后备干部入库后明确帮带人时限（月）",
        "帮带人谈心谈话间隔（月，至少每…一次）",
        "在读学历计入方式",
        "大专在读计为大专",
    ):
        assert label.encode() in page.content
    body = {
        "key": "in_progress_counts",
        "value": "不计入",
        "effective_on": "2026-01-01",
        "document_number": "巴组发〔2026〕2号",
    }
    assert client_county.post(reverse("villages:rules"), body).status_code == 302
    assert rules_for(county_id=world.county.pk, on=dt.date(2026, 6, 1)).in_progress_counts == 0
    bad = client_county.post(reverse("villages:rules"), {**body, "value": "也许"})
    assert bad.status_code == 422 and "在读学历计入方式请填写".encode() in bad.content
