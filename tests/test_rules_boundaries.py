"""Each rule at its boundaries (docs/domain.md §5), through the bulk database path and the hypothetical path alike."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from villages import risk
from villages.choices import Education, Gender, How, PersonFlag, Post, Severity, VillageFlag
from villages.models import Village
from villages.rules import RuleSet, rules_for

ELECTION = dt.date(2026, 12, 31)


def born_aged(age: int, *, on: dt.date = ELECTION, days_younger: int = 0) -> dt.date:
    """Birth date of someone exactly `age` 周岁 on `on` (birthday that day), optionally a few days younger."""
    return on.replace(year=on.year - age) + dt.timedelta(days=days_younger)


def findings_of(village: Village, **kwargs) -> list[risk.Finding]:
    return risk.findings_for_villages(villages=Village.objects.filter(pk=village.pk), **kwargs)[village.pk]


def flag(findings: list[risk.Finding], kind: str) -> risk.Finding | None:
    return next((x for x in findings if x.kind == kind), None)


@pytest.fixture
def village(world) -> Village:
    world.village_a.planned_election_on = ELECTION
    world.village_a.save()
    return world.village_a


@pytest.mark.parametrize(
    ("post", "birth", "expected"),
    [
        (Post.COMMITTEE_MEMBER, born_aged(59, days_younger=1), None),  # turns 60 the day after the election
        (Post.COMMITTEE_MEMBER, born_aged(60), Severity.AMBER),  # birthday on the election day counts
        (Post.PARTY_SECRETARY, born_aged(54, days_younger=1), None),
        (Post.PARTY_SECRETARY, born_aged(55), Severity.AMBER),
        (Post.PARTY_SECRETARY, born_aged(59, days_younger=1), Severity.AMBER),
        (Post.PARTY_SECRETARY, born_aged(60), Severity.RED),
        (Post.DIRECTOR, born_aged(60), Severity.RED),
        (Post.GROUP_LEADER, born_aged(69, days_younger=1), None),
        (Post.GROUP_LEADER, born_aged(70), Severity.AMBER),
    ],
)
def test_high_age_boundaries(village, post, birth, expected):
    person = f.PersonFactory(home_village=village, birth_date=birth)
    group = f.GroupFactory(village=village, number=1) if post == Post.GROUP_LEADER else None
    f.PostAssignmentFactory(person=person, post=post, group=group)
    found = flag(findings_of(village), PersonFlag.HIGH_AGE)
    assert (found.severity if found else None) == expected


def test_age_is_taken_at_the_planned_election_date_and_as_of_overrides(village):
    person = f.PersonFactory(home_village=village, birth_date=born_aged(60))  # 59 today (2026-11-27)
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    assert flag(findings_of(village), PersonFlag.HIGH_AGE) is not None
    assert flag(findings_of(village, as_of=dt.date(2026, 11, 27)), PersonFlag.HIGH_AGE) is None


def test_county_planned_date_is_the_fallback_reference(world):
    world.county.planned_election_on = ELECTION
    world.county.save()
    person = f.PersonFactory(home_village=world.village_b, birth_date=born_aged(60))
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    assert risk.reference_date(Village.objects.get(pk=world.village_b.pk)) == ELECTION
    assert flag(findings_of(world.village_b), PersonFlag.HIGH_AGE) is not None


@pytest.mark.parametrize(
    ("birth", "young"),
    [(born_aged(35), True), (born_aged(36), False), (born_aged(36, days_younger=1), True)],
)
def test_no_young_member_boundary(village, birth, young):
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=village, birth_date=birth), post=Post.CLERK)
    assert (flag(findings_of(village), VillageFlag.NO_YOUNG_MEMBER) is None) == young


@pytest.mark.parametrize(
    ("education", "in_service", "low"),
    [
        (Education.NONE, "", True),
        (Education.PRIMARY, "", True),
        (Education.JUNIOR_HIGH, "", True),
        (Education.HIGH_SCHOOL, "", False),
        (Education.SECONDARY_VOCATIONAL, "", False),
        (Education.ASSOCIATE, "", False),
        (Education.JUNIOR_HIGH, Education.ASSOCIATE, False),  # in-service 大专 counts
        (Education.PRIMARY, Education.JUNIOR_HIGH, True),
    ],
)
def test_low_education_tiers(village, education, in_service, low):
    person = f.PersonFactory(home_village=village, education=education, education_in_service=in_service)
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    assert (flag(findings_of(village), PersonFlag.LOW_EDUCATION) is not None) == low


AS_OF = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("last_admission", "expected"),
    [
        (dt.date(2024, 11, 28), None),  # one day short of 2 years
        (dt.date(2024, 11, 27), Severity.AMBER),
        (dt.date(2016, 11, 28), Severity.AMBER),  # one day short of 10 years
        (dt.date(2016, 11, 27), Severity.RED),
    ],
)
def test_no_new_party_member_years(village, last_admission, expected):
    village.last_party_admission_on = last_admission
    village.save()
    found = flag(findings_of(village, as_of=AS_OF), VillageFlag.NO_NEW_PARTY_MEMBER)
    assert (found.severity if found else None) == expected


@pytest.mark.parametrize(("days", "expected"), [(89, Severity.AMBER), (90, Severity.AMBER), (91, Severity.RED)])
def test_acting_secretary_days(village, days, expected):
    person = f.PersonFactory(home_village=village)
    f.PostAssignmentFactory(
        person=person, post=Post.PARTY_SECRETARY, how=How.ACTING, start_on=AS_OF - dt.timedelta(days=days)
    )
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=village), post=Post.DIRECTOR)
    found = flag(findings_of(village, as_of=AS_OF), VillageFlag.VACANT_OR_ACTING_POST)
    assert found.severity == expected
    assert f"代理{days}天" in found.detail


def test_vacant_key_post_counts_days_since_the_last_holder_left(village):
    f.PostAssignmentFactory(
        person=f.PersonFactory(home_village=village), post=Post.DIRECTOR, end_on=AS_OF - dt.timedelta(days=91)
    )
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=village), post=Post.PARTY_SECRETARY)
    found = flag(findings_of(village, as_of=AS_OF), VillageFlag.VACANT_OR_ACTING_POST)
    assert found.severity == Severity.RED and "村委会主任" in found.detail and "空缺91天" in found.detail


@pytest.mark.parametrize(("reserves", "expected"), [(0, Severity.RED), (1, Severity.AMBER), (2, None)])
def test_reserve_shortfall(village, reserves, expected):
    for i in range(reserves):
        f.ReserveFactory(
            village=village, person=f.PersonFactory(home_village=village, birth_date=dt.date(1995, 1, i + 1))
        )
    found = flag(findings_of(village), VillageFlag.RESERVE_SHORTFALL)
    assert (found.severity if found else None) == expected
    assert (flag(findings_of(village), VillageFlag.NO_SECRETARY_RESERVE) is None) == (reserves > 0)


def test_two_lows_one_high_person_and_village(village):
    old = f.PersonFactory(home_village=village, birth_date=born_aged(66), education=Education.PRIMARY)
    f.AssessmentFactory(person=old, year=2025, grade="basically_competent")
    f.PostAssignmentFactory(person=old, post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=village, birth_date=born_aged(30)), post=Post.CLERK)
    findings = findings_of(village)
    person = flag(findings, PersonFlag.TWO_LOWS_ONE_HIGH)
    assert person.person_id == old.pk and person.severity == Severity.RED
    assert "66岁" in person.detail and "小学" in person.detail and "2025年度考核基本称职" in person.detail
    village_flag = flag(findings, VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE)
    assert "两委成员2名中1名年龄高或学历低（50.0%），达到50%" in village_flag.detail
    assert "年龄高且学历低" in village_flag.detail


def test_share_below_half_passes(village):
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=village, birth_date=born_aged(61)), post=Post.CLERK)
    for _ in range(2):
        f.PostAssignmentFactory(person=f.PersonFactory(home_village=village), post=Post.COMMITTEE_MEMBER)
    assert flag(findings_of(village), VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE) is None


def test_no_woman_on_village_committee(village):
    man = f.PostAssignmentFactory(person=f.PersonFactory(home_village=village), post=Post.DIRECTOR)
    assert flag(findings_of(village), VillageFlag.NO_WOMAN_ON_COMMITTEE) is not None
    f.PostAssignmentFactory(
        person=f.PersonFactory(home_village=village, gender=Gender.FEMALE), post=Post.COMMITTEE_MEMBER
    )
    assert flag(findings_of(village), VillageFlag.NO_WOMAN_ON_COMMITTEE) is None
    assert man.pk


def test_secretary_over_age_at_election(village):
    f.PostAssignmentFactory(
        person=f.PersonFactory(home_village=village, birth_date=born_aged(60)), post=Post.PARTY_SECRETARY
    )
    found = flag(findings_of(village, as_of=AS_OF), VillageFlag.SECRETARY_OVER_AGE_AT_ELECTION)
    assert found.severity == Severity.RED and "2026-12-31" in found.detail


def test_evaluate_committee_matches_the_database_path(village):
    people = [
        f.PersonFactory(home_village=village, birth_date=born_aged(60), education=Education.JUNIOR_HIGH),
        f.PersonFactory(home_village=village, birth_date=born_aged(34), gender=Gender.FEMALE),
    ]
    f.PostAssignmentFactory(person=people[0], post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory(person=people[1], post=Post.DIRECTOR)
    seats = [risk.Seat(people[0], Post.PARTY_SECRETARY), risk.Seat(people[1], Post.DIRECTOR)]
    hypothetical = risk.evaluate_committee(village=village, seats=seats, as_of=ELECTION)
    assert sorted(hypothetical.findings, key=repr) == sorted(findings_of(village), key=repr)
    assert hypothetical.stats.members == 2 and hypothetical.stats.women == 1
    assert {r.key for r in hypothetical.rule_results} == set(VillageFlag.values)


def test_rules_for_falls_back_from_county_to_city_to_code(world):
    assert rules_for(county_id=world.county.pk, on=AS_OF).high_age_member == 60
    assert rules_for(county_id=world.county.pk, on=AS_OF).sources["high_age_member"].scope == "city"
    f.RuleValueFactory(county=world.county, key="high_age_member", value=58, effective_on=dt.date(2026, 1, 1))
    assert rules_for(county_id=world.county.pk, on=AS_OF).high_age_member == 58
    assert rules_for(county_id=world.county.pk, on=dt.date(2025, 12, 31)).high_age_member == 60
    assert rules_for(county_id=world.other_county.pk, on=AS_OF).high_age_member == 60
    assert RuleSet().low_education_max == Education.JUNIOR_HIGH
