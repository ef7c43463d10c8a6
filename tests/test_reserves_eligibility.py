"""Reserve eligibility against the county's rules (reserves/eligibility.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from reserves.eligibility import check_eligibility, effective_education
from tests import factories as f
from villages.choices import Education
from villages.rules import RuleSet, add_rule_value

ON = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("birth_date", "eligible", "relaxed"),
    [
        (dt.date(1991, 11, 27), True, False),  # 35 on the day: "35岁以下" includes 35
        (dt.date(1990, 11, 28), True, False),  # 35 until tomorrow
        (dt.date(1990, 11, 27), True, True),  # 36 today: relaxed
        (dt.date(1981, 11, 27), True, True),  # 45: still relaxed
        (dt.date(1980, 11, 27), False, False),  # 46
    ],
)
def test_age_limits_with_relaxed_band(world, birth_date, eligible, relaxed):
    person = f.PersonFactory(home_village=world.village_a, birth_date=birth_date)
    result = check_eligibility(person=person, village=world.village_a, on=ON)
    age = person.age_on(ON)
    assert result.eligible is eligible
    assert result.relaxed is relaxed
    if not eligible:
        assert result.reasons == [f"{age}岁，超过放宽年龄上限45岁"]


def test_low_education_is_ineligible_with_the_reason(world):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1995, 1, 1), education=Education.JUNIOR_HIGH
    )
    result = check_eligibility(person=person, village=world.village_a, on=ON)
    assert not result.eligible
    assert result.reasons == ["学历为初中，低于中专/中技/技校/职高或高中"]
    assert result.summary.startswith("不符合条件：")


def test_in_service_education_and_associate_in_progress_count(world):
    person = f.PersonFactory(
        home_village=world.village_a, education=Education.JUNIOR_HIGH, education_in_service=Education.HIGH_SCHOOL
    )
    rules = RuleSet()  # in_progress_counts = 1 (the default): 大专在读 counts as 大专
    assert effective_education(person, rules=rules).level == Education.HIGH_SCHOOL
    person.education_in_progress = Education.ASSOCIATE
    assert effective_education(person, rules=rules).level == Education.ASSOCIATE
    assert effective_education(person, rules=rules).label == "大学专科（在读）"
    person.education_in_progress = Education.BACHELOR  # 本科在读 is not counted: only 大专在读 is
    assert effective_education(person, rules=rules).level == Education.HIGH_SCHOOL
    assert effective_education(person, rules=rules).label == "高中（大学本科在读）"


def test_county_rule_values_change_the_limits(world):
    add_rule_value(
        county_id=world.county.pk,
        key="reserve_age_max",
        value=40,
        effective_on=dt.date(2025, 1, 1),
        document_number="巴组发〔2025〕1号",
    )
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1988, 1, 1))
    assert check_eligibility(person=person, village=world.village_a, on=ON).relaxed is False
    other = f.PersonFactory(home_village=world.village_other_county, birth_date=dt.date(1988, 1, 1))
    assert check_eligibility(person=other, village=world.village_other_county, on=ON).relaxed is True
