"""Recording election results (reserves/elections.py): one transaction, refused whole on any bad row."""

from __future__ import annotations

import datetime as dt

import pytest

from reserves.choices import ReserveStatus
from reserves.elections import ResultRow, ResultsRefused, record_results, record_township_results
from reserves.models import Election, ElectionResult
from reserves.outcomes import class_outcomes
from tests import factories as f
from villages.choices import How, Post
from villages.models import Group, PostAssignment

HELD_ON = dt.date(2021, 3, 15)


@pytest.fixture
def village_setup(world):
    village = world.village_a
    old_secretary = f.PersonFactory(home_village=village, birth_date=dt.date(1958, 1, 1))
    old_post = f.PostAssignmentFactory(person=old_secretary, post=Post.PARTY_SECRETARY, start_on=dt.date(2016, 3, 1))
    trainee = f.PersonFactory(home_village=village, birth_date=dt.date(1992, 1, 1), political_status="cpc_member")
    training_class = f.TrainingClassFactory(county=world.county, ends_on=dt.date(2020, 7, 1))
    f.EnrollmentFactory(training_class=training_class, person=trainee)
    reserve = f.ReserveFactory(person=trainee, village=village, target_post=Post.PARTY_SECRETARY)
    election = f.ElectionFactory(village=village, held_on=HELD_ON, term="第十一届")
    return village, old_post, trainee, reserve, election, training_class


def test_recording_results_ends_old_posts_starts_new_ones_and_appoints_reserves(village_setup, secretary_a):
    village, old_post, trainee, reserve, election, training_class = village_setup
    clerk = f.PersonFactory(home_village=village)
    summary = record_results(
        election=election,
        rows=[ResultRow(trainee, Post.PARTY_SECRETARY, votes=812), ResultRow(clerk.pk, Post.CLERK, votes=790)],
        by=secretary_a,
    )
    assert (summary.results, summary.ended, summary.reserves_appointed, summary.trainees_elected) == (2, 1, 1, 1)
    old_post.refresh_from_db()
    assert (old_post.end_on, old_post.end_reason) == (HELD_ON, "换届")
    new_post = PostAssignment.objects.get(person=trainee, end_on__isnull=True)
    assert (new_post.post, new_post.start_on, new_post.how, new_post.term) == (
        Post.PARTY_SECRETARY,
        HELD_ON,
        How.ELECTED,
        "第十一届",
    )
    reserve.refresh_from_db()
    assert (reserve.status, reserve.appointed_post, reserve.status_changed_on) == (
        ReserveStatus.APPOINTED,
        new_post,
        HELD_ON,
    )
    result = ElectionResult.objects.get(election=election, person=trainee)
    assert (result.assignment, result.votes) == (new_post, 812)
    village.refresh_from_db()
    assert village.held_election_on == HELD_ON
    election.refresh_from_db()
    assert election.recorded_by == secretary_a
    outcomes = class_outcomes(training_class=training_class, as_of=dt.date(2026, 11, 27))
    assert (outcomes.entered_committee, outcomes.secretary) == (1, 1)


def test_a_bad_row_refuses_the_whole_batch_and_writes_nothing(village_setup, world, secretary_a):
    village, old_post, trainee, reserve, election, _ = village_setup
    outsider = f.PersonFactory(home_village=world.village_other_county)
    with pytest.raises(ResultsRefused) as refused:
        record_results(
            election=election,
            rows=[
                ResultRow(trainee, Post.PARTY_SECRETARY),
                ResultRow(outsider, Post.CLERK),
                ResultRow(trainee, Post.FIRST_SECRETARY),
            ],
            by=secretary_a,
        )
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "person"), (3, "post")]
    old_post.refresh_from_db()
    reserve.refresh_from_db()
    assert old_post.end_on is None
    assert reserve.status == ReserveStatus.ACTIVE
    assert not ElectionResult.objects.exists()
    assert PostAssignment.objects.filter(village=village).count() == 1


def test_duplicate_seats_and_group_rules_are_row_errors(village_setup, secretary_a):
    village, _, trainee, _, election, _ = village_setup
    Group.objects.create(village=village, number=1)
    other = f.PersonFactory(home_village=village, political_status="cpc_member")
    with pytest.raises(ResultsRefused) as refused:
        record_results(
            election=election,
            rows=[
                ResultRow(trainee, Post.PARTY_SECRETARY),
                ResultRow(other, Post.PARTY_SECRETARY),
                ResultRow(other, Post.GROUP_LEADER, group_number=9),
                ResultRow(other, Post.CLERK, group_number=1),
                ResultRow(trainee, Post.GROUP_LEADER, group_number=1),
                ResultRow(other, Post.GROUP_LEADER, group_number=1),
            ],
            by=secretary_a,
        )
    assert [(e.row, e.field) for e in refused.value.errors] == [
        (2, "post"),
        (3, "group_number"),
        (4, "group_number"),
        (6, "post"),
    ]


def test_group_leader_result_refills_only_that_group(village_setup, secretary_a):
    village, _, _, _, election, _ = village_setup
    one, two = Group.objects.create(village=village, number=1), Group.objects.create(village=village, number=2)
    leader_one = f.PostAssignmentFactory(person__home_village=village, post=Post.GROUP_LEADER, group=one)
    leader_two = f.PostAssignmentFactory(person__home_village=village, post=Post.GROUP_LEADER, group=two)
    newcomer = f.PersonFactory(home_village=village)
    record_results(election=election, rows=[ResultRow(newcomer, Post.GROUP_LEADER, group_number=1)], by=None)
    leader_one.refresh_from_db()
    leader_two.refresh_from_db()
    assert (leader_one.end_on, leader_two.end_on) == (HELD_ON, None)
    assert PostAssignment.objects.get(person=newcomer).group == one


def test_results_cannot_be_recorded_twice(village_setup, secretary_a):
    _, _, trainee, _, election, _ = village_setup
    record_results(election=election, rows=[ResultRow(trainee, Post.PARTY_SECRETARY)], by=secretary_a)
    with pytest.raises(ResultsRefused) as refused:
        record_results(election=election, rows=[ResultRow(trainee, Post.DIRECTOR)], by=secretary_a)
    assert refused.value.errors[0].field == "election"


def test_township_results_create_one_election_per_village_or_nothing(world, secretary_a):
    second_village = f.VillageFactory(township=world.township_a, code="511902100202", name="白马村")
    first = f.PersonFactory(home_village=world.village_a, political_status="cpc_member")
    second = f.PersonFactory(home_village=second_village)
    rows = [
        ResultRow(first, Post.PARTY_SECRETARY, village=world.village_a),
        ResultRow(second, Post.DIRECTOR, village=second_village),
        ResultRow(second, Post.DIRECTOR, village=world.village_b),
    ]
    with pytest.raises(ResultsRefused) as refused:
        record_township_results(township=world.township_a, held_on=HELD_ON, term="第十一届", rows=rows, by=None)
    assert [(e.row, e.field) for e in refused.value.errors] == [(3, "village")]
    assert not Election.objects.exists()
    summary = record_township_results(
        township=world.township_a, held_on=HELD_ON, term="第十一届", rows=rows[:2], by=secretary_a
    )
    assert summary.results == 2
    assert set(Election.objects.values_list("village__code", flat=True)) == {"511902100201", "511902100202"}


def test_township_results_refuse_person_outside_township_and_roll_back_created_elections(world):
    outsider = f.PersonFactory(home_village=world.village_b)
    with pytest.raises(ResultsRefused):
        record_township_results(
            township=world.township_a,
            held_on=HELD_ON,
            term="",
            rows=[ResultRow(outsider, Post.CLERK, village=world.village_a)],
            by=None,
        )
    assert not Election.objects.exists()
