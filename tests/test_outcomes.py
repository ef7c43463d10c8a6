"""Training outcomes and reserve coverage (reserves/outcomes.py): the survey's 103/116 and its rounding rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reserves.choices import EnrollmentStatus, Readiness
from reserves.outcomes import Rate, area_outcomes, class_outcomes, outcome_table, reserve_coverage
from tests import factories as f
from villages.choices import How, Post
from villages.models import Group, Village

ELECTION = dt.date(2021, 3, 15)
AS_OF = dt.date(2026, 11, 27)


def _class_of(world, *, size: int, elected: int, post: str = Post.COMMITTEE_MEMBER):
    training_class = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2020, 7, 1))
    for i in range(size):
        person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1990, 1, 1))
        f.EnrollmentFactory(training_class=training_class, person=person, status=EnrollmentStatus.COMPLETED)
        if i < elected:
            f.PostAssignmentFactory(person=person, village=world.village_a, post=post, start_on=ELECTION)
    return training_class


def _trainee(world, training_class, **kwargs):
    """A trainee from village A (never a factory-made township: its sequence can collide with the world's codes)."""
    return f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a, **kwargs).person


@pytest.mark.parametrize(
    ("numerator", "denominator", "percent", "display"),
    [
        (103, 116, Decimal("88.8"), "88.8%"),
        (1, 16, Decimal("6.3"), "6.3%"),  # 6.25: half-up, not banker's rounding (6.2)
        (1, 8, Decimal("12.5"), "12.5%"),
        (2, 3, Decimal("66.7"), "66.7%"),
        (0, 5, Decimal("0.0"), "0.0%"),
        (0, 0, None, "—"),
    ],
)
def test_rate_rounds_half_up_to_one_decimal(numerator, denominator, percent, display):
    rate = Rate(numerator, denominator)
    assert rate.percent == percent
    assert rate.display == display


def test_survey_class_of_116_with_103_elected_shows_103_of_116_and_88_8(world):
    training_class = _class_of(world, size=116, elected=103)
    outcomes = class_outcomes(training_class=training_class, as_of=AS_OF)
    assert (outcomes.completed, outcomes.entered_committee) == (116, 103)
    assert outcomes.rate == Rate(103, 116)
    assert outcomes.rate.display == "88.8%"
    assert outcomes.by_post == {Post.COMMITTEE_MEMBER: 103}


def test_trainee_who_became_group_leader_only_does_not_enter_committee(world):
    training_class = f.TrainingClassFactory(county=world.county)
    group = Group.objects.create(village=world.village_a, number=3)
    leader = f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a).person
    f.PostAssignmentFactory(person=leader, post=Post.GROUP_LEADER, group=group, start_on=ELECTION)
    watcher = f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a).person
    f.PostAssignmentFactory(person=watcher, post=Post.SUPERVISION_MEMBER, start_on=ELECTION)
    outcomes = class_outcomes(training_class=training_class, as_of=AS_OF)
    assert outcomes.entered_committee == 0
    assert outcomes.rate.display == "0.0%"
    assert (outcomes.group_leader, outcomes.supervision) == (1, 1)
    assert outcomes.by_post == {Post.GROUP_LEADER: 1, Post.SUPERVISION_MEMBER: 1}


def test_secretary_director_and_other_posts_are_split(world):
    training_class = f.TrainingClassFactory(county=world.county)
    both = _trainee(world, training_class)  # 一肩挑
    f.PostAssignmentFactory(person=both, post=Post.PARTY_SECRETARY, start_on=ELECTION)
    f.PostAssignmentFactory(person=both, post=Post.DIRECTOR, start_on=ELECTION)
    clerk = _trainee(world, training_class)
    f.PostAssignmentFactory(person=clerk, post=Post.CLERK, start_on=ELECTION)
    outcomes = class_outcomes(training_class=training_class, as_of=AS_OF)
    assert (outcomes.entered_committee, outcomes.secretary, outcomes.director, outcomes.other_committee) == (2, 1, 1, 1)


def test_only_completers_count_and_posts_ended_before_the_class_ended_do_not(world):
    training_class = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2020, 7, 1))
    dropped = _trainee(world, training_class, status=EnrollmentStatus.DROPPED)
    f.PostAssignmentFactory(person=dropped, post=Post.COMMITTEE_MEMBER, start_on=ELECTION)
    former = _trainee(world, training_class)
    f.PostAssignmentFactory(
        person=former, post=Post.COMMITTEE_MEMBER, start_on=dt.date(2016, 1, 1), end_on=dt.date(2021, 3, 15)
    )
    outcomes = class_outcomes(training_class=training_class, as_of=AS_OF)
    assert (outcomes.enrolled, outcomes.completed, outcomes.dropped, outcomes.entered_committee) == (2, 1, 1, 0)
    assert outcomes.completion_rate.display == "50.0%"


def test_retention_after_one_and_three_years_counts_only_those_elected_long_enough_ago(world):
    training_class = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2020, 7, 1))
    stayed = _trainee(world, training_class)
    f.PostAssignmentFactory(person=stayed, post=Post.COMMITTEE_MEMBER, start_on=ELECTION)
    left = _trainee(world, training_class)
    f.PostAssignmentFactory(person=left, post=Post.COMMITTEE_MEMBER, start_on=ELECTION, end_on=dt.date(2023, 1, 1))
    recent = _trainee(world, training_class)
    f.PostAssignmentFactory(person=recent, post=Post.CLERK, start_on=dt.date(2026, 3, 1), how=How.BY_ELECTION)
    outcomes = class_outcomes(training_class=training_class, as_of=AS_OF)
    assert outcomes.retention_1y == Rate(2, 2)
    assert outcomes.retention_3y == Rate(1, 2)


def test_re_elected_needs_a_second_election(world):
    training_class = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2015, 7, 1))
    person = _trainee(world, training_class)
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER, start_on=dt.date(2016, 3, 1), end_on=ELECTION)
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER, start_on=ELECTION)
    once = _trainee(world, training_class)
    f.PostAssignmentFactory(person=once, post=Post.CLERK, start_on=ELECTION)
    outcomes = class_outcomes(training_class=training_class, as_of=AS_OF)
    assert (outcomes.entered_committee, outcomes.re_elected) == (2, 1)
    assert [value for _, value in outcomes.funnel] == [2, 2, 0, 2, 1]


def test_area_outcomes_count_a_person_once_and_split_by_township(world):
    first = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2019, 7, 1))
    second = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2020, 7, 1))
    person = f.PersonFactory(home_village=world.village_a)
    f.EnrollmentFactory(training_class=first, person=person)
    f.EnrollmentFactory(training_class=second, person=person)
    f.PostAssignmentFactory(person=person, post=Post.DIRECTOR, start_on=ELECTION)
    f.EnrollmentFactory(training_class=second, person__home_village=world.village_b)
    f.EnrollmentFactory(
        training_class=f.TrainingClassFactory(county=world.other_county),
        person__home_village=world.village_other_county,
    )
    county = area_outcomes(county=world.county, as_of=AS_OF)
    assert (county.completed, county.entered_committee, county.director) == (2, 1, 1)
    township_a = area_outcomes(county=world.county, township=world.township_a, as_of=AS_OF)
    assert township_a.rate == Rate(1, 1)
    table = outcome_table(classes=world.county.classes.all(), as_of=AS_OF)
    assert table.total.rate == Rate(1, 2)
    assert {c.pk: o.completed for c, o in table.by_class} == {second.pk: 2, first.pk: 1}
    assert [(t.pk, o.rate) for t, o in table.by_township] == [
        (world.township_a.pk, Rate(1, 1)),
        (world.township_b.pk, Rate(0, 1)),
    ]


def test_outcome_table_query_count_does_not_grow_with_classes(world, django_assert_num_queries):
    for _ in range(3):
        _class_of(world, size=4, elected=2)
    with django_assert_num_queries(5):
        table = outcome_table(classes=world.county.classes.all(), as_of=AS_OF)
    assert table.total.rate == Rate(6, 12)


def test_withdrawn_reserve_disappears_from_coverage(world):
    reserve = f.ReserveFactory(person__home_village=world.village_a, target_post=Post.PARTY_SECRETARY)
    f.ReserveFactory(person__home_village=world.village_b, target_post=Post.DIRECTOR)
    villages = Village.objects.filter(township__county=world.county)
    assert reserve_coverage(villages=villages) == Rate(1, 2)
    assert reserve_coverage(villages=villages).display == "50.0%"
    reserve.withdraw(reason="外出务工", on=dt.date(2026, 1, 1))
    assert reserve_coverage(villages=villages) == Rate(0, 2)


def test_reserve_stage_of_funnel_counts_completers_who_are_reserves(world):
    training_class = f.TrainingClassFactory(county=world.county)
    person = f.EnrollmentFactory(training_class=training_class, person__home_village=world.village_a).person
    f.ReserveFactory(person=person, readiness=Readiness.READY_NOW)
    assert class_outcomes(training_class=training_class, as_of=AS_OF).reserves == 1
