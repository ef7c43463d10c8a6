"""资格联审 status (reserves/reviews/status.py) and the negative list (reserves/reviews/rules.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from reserves.choices import ItemEnd, QualificationStatus, ReviewRound
from reserves.models import NegativeListItem, ReviewDepartmentList
from reserves.reviews import ReviewRuleBook, outcome_of, outcomes_for, with_outcome_data
from reserves.reviews.opening import record_opinion
from tests import factories as f
from tests.review_support import answer, departments, negative_record, open_review, passed_review

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def candidate(world):
    return f.PersonFactory(home_village=world.village_a, name="李明")


def test_city_defaults_load_the_2020_list_and_thirteen_departments(world):
    book = ReviewRuleBook.load()
    codes = [item.code for item in book.items(county_id=world.county.pk, on=TODAY)]
    assert codes == ["1", "2", "3", "4", "5", "6", "7.1", "7.2", "7.3", "8", "9.1", "9.2", "9.3", "10"]
    assert book.item(county_id=world.county.pk, code="9.3", on=TODAY).ends == ItemEnd.RECTIFICATION
    assert book.item(county_id=world.county.pk, code="7.2", on=TODAY).years == 3
    assert len(departments(world.village_a)) == 13


def test_a_review_passes_only_when_every_round_and_department_has_answered(candidate):
    review = open_review(candidate)
    answer(review, skip=("公安局",))
    outcome = outcome_of(review, on=TODAY)
    assert outcome.status == QualificationStatus.PENDING
    assert outcome.missing_labels() == ["公安局"]
    assert outcome.round_state(ReviewRound.COUNTY) == "partial"
    record_opinion(
        review=review,
        round=ReviewRound.COUNTY,
        department="公安局",
        conclusion="pass",
        concluded_on=TODAY,
        by=review.opened_by,
    )
    assert outcome_of(review, on=TODAY).status == QualificationStatus.PASSED


def test_a_department_that_fails_then_passes_counts_with_its_latest_answer(candidate):
    review = open_review(candidate)
    answer(review, fail="法院", on=dt.date(2026, 9, 1))
    outcome = outcome_of(review, on=TODAY)
    assert outcome.status == QualificationStatus.FAILED
    assert outcome.failure_reasons(detail=True) == ["法院不通过：查有不良记录"]
    assert outcome.failure_reasons(detail=False) == ["法院不通过"]
    record_opinion(
        review=review,
        round=ReviewRound.COUNTY,
        department="法院",
        conclusion="pass",
        concluded_on=dt.date(2026, 10, 1),
        by=review.opened_by,
    )
    assert outcome_of(review, on=TODAY).status == QualificationStatus.PASSED
    assert review.opinions.count() == 17  # the trail keeps the superseded answer


def test_a_live_until_rectified_item_fails_the_review_until_rectification_is_recorded(candidate):
    review = passed_review(candidate)
    record = negative_record(candidate, "9.3", occurred_on=dt.date(2025, 5, 1))  # 失信被执行人, not removed
    outcome = outcome_of(review, on=TODAY)
    assert outcome.status == QualificationStatus.FAILED
    assert outcome.failure_reasons(detail=True) == [
        "负面清单第9.3项 被列为失信被执行人，尚未移出（法院，（2025）川1902执123号）"
    ]
    assert outcome.failure_reasons(detail=False) == ["负面清单（详情由县委组织部掌握）"]
    record.rectified_on = dt.date(2026, 10, 15)
    record.save()
    assert outcome_of(review, on=dt.date(2026, 10, 14)).status == QualificationStatus.FAILED
    assert outcome_of(review, on=TODAY).status == QualificationStatus.PASSED


def test_an_expired_dated_item_no_longer_counts(candidate):
    review = passed_review(candidate)
    negative_record(candidate, "7.2", occurred_on=dt.date(2023, 11, 2))  # 不合格党员: three years
    assert outcome_of(review, on=dt.date(2026, 11, 1)).status == QualificationStatus.FAILED
    assert outcome_of(review, on=dt.date(2026, 11, 2)).status == QualificationStatus.PASSED


def test_a_dated_item_with_its_own_end_date_and_a_permanent_item(candidate):
    review = passed_review(candidate)
    negative_record(candidate, "3", occurred_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 7, 1))  # 处分期
    assert outcome_of(review, on=dt.date(2026, 6, 30)).status == QualificationStatus.FAILED
    assert outcome_of(review, on=TODAY).status == QualificationStatus.PASSED
    negative_record(candidate, "2", occurred_on=dt.date(2001, 1, 1))
    assert outcome_of(review, on=TODAY).status == QualificationStatus.FAILED


def test_a_county_version_of_an_item_changes_how_it_counts(world, candidate):
    review = passed_review(candidate)
    negative_record(candidate, "7.3", occurred_on=dt.date(2025, 1, 1))  # 长期外出
    assert outcome_of(review, on=TODAY).status == QualificationStatus.FAILED
    NegativeListItem.objects.create(
        county=world.county,
        code="7.3",
        wording="长期外出不能正常履职",
        ends=ItemEnd.RECTIFICATION,
        disqualifies=False,
        effective_on=dt.date(2026, 10, 1),
        document_number="巴组通〔2026〕12号",
    )
    assert outcome_of(review, on=TODAY).status == QualificationStatus.PASSED
    assert outcome_of(review, on=dt.date(2026, 9, 30)).status == QualificationStatus.FAILED


def test_the_department_list_in_force_when_the_review_was_opened_decides_the_county_round(world, candidate):
    ReviewDepartmentList.objects.create(
        county=world.county, departments=["公安局", "法院"], effective_on=dt.date(2026, 1, 1), document_number="文1"
    )
    review = open_review(candidate)
    answer(review)
    outcome = outcome_of(review, on=TODAY)
    assert [s.label for s in outcome.slots] == ["村党组织自审", "乡镇初审", "公安局", "法院", "党委考察"]
    assert outcome.status == QualificationStatus.PASSED


def test_withdrawn_and_other_people_records_do_not_mix(world, candidate):
    other = f.PersonFactory(home_village=world.village_a)
    negative_record(other, "2", occurred_on=dt.date(2020, 1, 1))
    review = passed_review(candidate)
    withdrawn = open_review(other, withdrawn_on=TODAY, withdrawn_reason="本人放弃")
    outcomes = outcomes_for(list(with_outcome_data(type(review).objects.all())), on=TODAY)
    assert outcomes[review.pk].status == QualificationStatus.PASSED
    assert outcomes[withdrawn.pk].status == QualificationStatus.WITHDRAWN


def test_outcomes_of_a_list_take_constant_queries(world, django_assert_num_queries):
    reviews = []
    for n in range(6):
        person = f.PersonFactory(home_village=world.village_a)
        negative_record(person, "9.1", occurred_on=dt.date(2025, 1, 1))
        reviews.append(passed_review(person, cycle=str(2026 + n % 2)))
    with django_assert_num_queries(5):  # reviews, opinions, items, department lists, negative records
        outcomes = outcomes_for(list(with_outcome_data(type(reviews[0]).objects.all())), on=TODAY)
    assert {o.status for o in outcomes.values()} == {QualificationStatus.FAILED}
