"""The roster write functions (villages.roster.writes): every rule refused with its field and reason, nothing
written when refused, history naming who wrote, versions compared."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from villages.choices import Gender, Grade, How, PoliticalStatus, Post
from villages.models import Assessment, Person, PostAssignment
from villages.roster import (
    RosterRefused,
    StaleEditError,
    change_post,
    record_assessment,
    save_person,
    start_post,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


def refusals(raised: pytest.ExceptionInfo[RosterRefused]) -> list[tuple[str, str]]:
    return [(r.field, r.message) for r in raised.value.refusals]


def person_values(world, **changes) -> dict:
    number = f.make_id_number(dt.date(1980, 4, 5), gender=Gender.FEMALE, seq=31)
    return {
        "name": "蒲秀英",
        "id_number": number,
        "education": "high_school",
        "home_village": world.village_a,
    } | changes


def test_save_person_derives_from_the_number_and_records_who(world, secretary_a):
    number = f.make_id_number(dt.date(1980, 4, 5), gender=Gender.FEMALE, seq=31)
    raw = " " + number[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + number[17].lower()
    person = save_person(person=None, values=person_values(world, id_number=raw), by=secretary_a, today=TODAY)
    assert (person.id_number, person.gender, person.birth_date) == (number, Gender.FEMALE, dt.date(1980, 4, 5))
    assert person.history.get().history_user == secretary_a


def test_save_person_lists_every_refusal_and_writes_nothing(world, secretary_a):
    values = person_values(
        world, gender=Gender.MALE, birth_date=dt.date(1981, 1, 1), party_joined_on=dt.date(2099, 7, 1)
    )
    with pytest.raises(RosterRefused) as raised:
        save_person(person=None, values=values, by=secretary_a, today=TODAY)
    assert refusals(raised) == [
        ("gender", "性别与身份证号码不一致：号码显示为女"),
        ("birth_date", "出生日期与身份证号码不一致：号码显示为 1980-04-05"),
        ("party_joined_on", "入党时间（2099-07-01）不能晚于今天"),
    ]
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"party_joined_on": dt.date(1979, 12, 31)}, [("party_joined_on", "入党时间不能早于出生日期（1980-04-05）")]),
        ({"id_number": "511902198004050035"}, [("id_number", "校验码错误：末位应为 X，实为 5")]),
        ({"birth_date": dt.date(1980, 4, 1)}, []),  # 1980.04 in a roster agrees with the number's month
    ],
)
def test_save_person_rules(world, changes, expected):
    values = person_values(world, id_number=f.make_id_number(dt.date(1980, 4, 5), seq=1)) | changes
    if expected:
        with pytest.raises(RosterRefused) as raised:
            save_person(person=None, values=values, by=None, today=TODAY)
        assert refusals(raised) == expected
    else:
        assert save_person(person=None, values=values, by=None, today=TODAY).birth_date == dt.date(1980, 4, 5)


def test_save_person_refuses_a_number_someone_else_holds(world):
    other = f.PersonFactory.create(home_village=world.village_b)
    with pytest.raises(RosterRefused) as raised:
        save_person(person=None, values=person_values(world, id_number=other.id_number), by=None, today=TODAY)
    assert refusals(raised) == [("id_number", "该身份证号码已登记在其他人员名下（可能在其他乡镇），请核对")]


def test_save_person_changes_a_copy_checks_the_version_and_bumps_it(world, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a, phone="1")
    saved = save_person(person=person, values={"phone": "2"}, by=secretary_a, expected_version=1, today=TODAY)
    assert (saved.phone, saved.version, person.phone) == ("2", 2, "1")
    assert person.history.first().history_user == secretary_a
    with pytest.raises(StaleEditError) as raised:
        save_person(person=person, values={"phone": "3"}, by=secretary_a, expected_version=1, today=TODAY)
    assert raised.value.refusals[0].field == "version" and "已被他人修改" in str(raised.value)
    assert Person.objects.get(pk=person.pk).phone == "2"


def test_a_party_post_holder_stays_a_full_party_member(world):
    person = f.PersonFactory.create(
        home_village=world.village_a, name="冉书记", political_status=PoliticalStatus.CPC_MEMBER
    )
    f.PostAssignmentFactory.create(person=person, post=Post.PARTY_SECRETARY)
    with pytest.raises(RosterRefused) as raised:
        save_person(person=person, values={"political_status": PoliticalStatus.MASSES}, by=None, today=TODAY)
    assert refusals(raised) == [("political_status", "冉书记的政治面貌为群众，村党组织职务只能由正式党员担任")]
    unchanged = save_person(person=person, values={"phone": "13800000000"}, by=None, today=TODAY)
    assert unchanged.phone == "13800000000"


@pytest.fixture
def member(world) -> Person:
    return f.PersonFactory.create(
        home_village=world.village_a, name="何明", birth_date=dt.date(1985, 2, 1), political_status="cpc_member"
    )


def test_start_post_records_who_and_the_organ(world, secretary_a, member):
    post = start_post(
        person=member, village=world.village_a, post=Post.CLERK, start_on=dt.date(2021, 3, 1), by=secretary_a
    )
    assert (post.organ, post.how, post.history.get().history_user) == ("committee", How.ELECTED, secretary_a)


def test_start_post_lists_every_refusal(world, member):
    f.GroupFactory.create(village=world.village_a, number=1)
    masses = f.PersonFactory.create(home_village=world.village_a, name="付群", birth_date=dt.date(1990, 1, 1))
    cases = [
        (member, Post.GROUP_LEADER, None, dt.date(2021, 1, 1), [("group", "社长须填写所在社（社号）")]),
        (member, Post.GROUP_LEADER, 7, dt.date(2021, 1, 1), [("group", "青龙村没有第7社")]),
        (member, Post.CLERK, 1, dt.date(2021, 1, 1), [("group", "只有社长才填写所在社")]),
        (member, Post.CLERK, None, dt.date(2027, 1, 1), [("start_on", "任职时间（2027-01-01）不能晚于今天")]),
        (member, Post.CLERK, None, dt.date(1984, 1, 1), [("start_on", "任职时间不能早于出生日期（1985-02-01）")]),
        (masses, Post.PARTY_MEMBER, None, None, [("post", "付群的政治面貌为群众，村党组织职务只能由正式党员担任")]),
    ]
    for person, post, group, start_on, expected in cases:
        with pytest.raises(RosterRefused) as raised:
            start_post(
                person=person,
                village=world.village_a,
                post=post,
                group_number=group,
                start_on=start_on,
                by=None,
                today=TODAY,
            )
        assert refusals(raised) == expected, (post, group, start_on)
    assert not PostAssignment.objects.exists()


def test_one_holder_per_single_seat_and_per_group_at_a_time(world, member):
    group = f.GroupFactory.create(village=world.village_a, number=2, name="")
    holder = f.PersonFactory.create(home_village=world.village_a, name="老主任")
    f.PostAssignmentFactory.create(
        person=holder, post=Post.DIRECTOR, start_on=dt.date(2016, 3, 1), end_on=dt.date(2021, 3, 1)
    )
    f.PostAssignmentFactory.create(person=holder, post=Post.GROUP_LEADER, group=group, start_on=dt.date(2018, 1, 1))
    common = {"person": member, "village": world.village_a, "by": None, "today": TODAY}
    start_post(post=Post.DIRECTOR, start_on=dt.date(2021, 3, 1), **common)  # starts the day the old one ended
    with pytest.raises(RosterRefused) as raised:
        start_post(post=Post.DIRECTOR, start_on=dt.date(2015, 1, 1), end_on=dt.date(2016, 6, 1), **common)
    assert refusals(raised) == [
        ("post", "本村村委会主任已由老主任担任（2016-03-01起），同一时间只能一人担任；如其已离任，请先登记离任")
    ]
    with pytest.raises(RosterRefused) as raised:
        start_post(post=Post.GROUP_LEADER, group_number=2, start_on=dt.date(2022, 1, 1), **common)
    assert refusals(raised)[0][1].startswith("2社社长已由老主任担任（2018-01-01起）")
    with pytest.raises(RosterRefused) as raised:
        start_post(post=Post.DIRECTOR, start_on=dt.date(2024, 1, 1), **common)
    assert refusals(raised)[0][1].startswith("何明已担任本村村委会主任（2021-03-01起），同一职务不能重复任职")
    start_post(post=Post.COMMITTEE_MEMBER, start_on=dt.date(2021, 3, 1), **common)
    other = f.PersonFactory.create(home_village=world.village_a)
    start_post(**(common | {"person": other}), post=Post.COMMITTEE_MEMBER, start_on=dt.date(2021, 3, 1))


def test_change_post_checks_dates_and_version_and_never_refuses_ending_an_overlap(world, secretary_a, member):
    first = f.PostAssignmentFactory.create(person=member, post=Post.PARTY_SECRETARY, start_on=dt.date(2021, 3, 1))
    second = f.PostAssignmentFactory.create(  # old bad data: two secretaries at once
        person__home_village=world.village_a, post=Post.PARTY_SECRETARY, start_on=dt.date(2022, 1, 1)
    )
    with pytest.raises(RosterRefused) as raised:
        change_post(assignment=first, changes={"end_on": dt.date(2020, 1, 1)}, by=None, today=TODAY)
    assert refusals(raised) == [("end_on", "离任时间不能早于任职时间（2021-03-01）")]
    ended = change_post(
        assignment=first, changes={"end_on": dt.date(2022, 1, 1), "end_reason": "调任"}, by=secretary_a, today=TODAY
    )
    assert (ended.end_on, ended.version, ended.history.first().history_user) == (dt.date(2022, 1, 1), 2, secretary_a)
    with pytest.raises(RosterRefused) as raised:
        change_post(assignment=ended, changes={"end_on": None}, by=None, today=TODAY)  # reopening overlaps again
    assert refusals(raised)[0][0] == "post"
    with pytest.raises(StaleEditError):
        change_post(assignment=first, changes={"term": "x"}, by=None, today=TODAY)  # first still says version 1
    with pytest.raises(ValueError, match="cannot change"):
        change_post(assignment=second, changes={"post": Post.CLERK}, by=None)


def test_record_assessment_once_per_year_unless_correcting(world, secretary_a, member):
    record_assessment(person=member, year=2025, grade=Grade.COMPETENT, by=secretary_a, today=TODAY)
    with pytest.raises(RosterRefused) as raised:
        record_assessment(person=member, year=2025, grade=Grade.EXCELLENT, by=None, today=TODAY)
    assert refusals(raised) == [("year", "2025年度已有考核结果（称职），每年只能记录一次")]
    with pytest.raises(RosterRefused) as raised:
        record_assessment(person=member, year=2027, grade=Grade.EXCELLENT, by=None, today=TODAY)
    assert refusals(raised) == [("year", "年度应在 1980–2026 之间")]
    corrected = record_assessment(person=member, year=2025, grade=Grade.EXCELLENT, by=secretary_a, correct=True)
    assert (corrected.grade, Assessment.objects.count()) == (Grade.EXCELLENT, 1)
    assert corrected.history.first().history_user == secretary_a
