"""Roster import: planning, problems with row and column, upsert, conflicts, all-or-nothing, round trip, command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from tests import factories as f
from tests.workbooks import build, person_row
from villages import idcard
from villages.choices import Education, Gender, Grade, Health, PoliticalStatus, Post, SourceCategory
from villages.models import Assessment, Person, PostAssignment
from villages.workbook.exporter import township_roster
from villages.workbook.importer import apply_import, plan_import
from villages.workbook.reader import read_roster

TODAY = dt.date(2026, 11, 27)


def plan_for(content: bytes, township, user=None):
    return plan_import(sheet=read_roster(io.BytesIO(content), today=TODAY), township=township, user=user, today=TODAY)


def snapshot() -> tuple:
    """Everything an import could write, to prove a rejected import wrote nothing."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(PostAssignment.objects.order_by("pk").values()),
        list(Assessment.objects.order_by("pk").values()),
        Person.history.count(),
        PostAssignment.history.count(),
    )


def test_new_person_with_two_posts_and_assessment_is_created_with_history(world, secretary_a):
    f.GroupFactory(village=world.village_a, number=3)
    rows = [
        person_row(职务="党支部书记、村委会主任", 来源类别="退伍军人、致富能手", 在职学历="函授大专"),
        person_row(姓名="李小红", 性别="女", seq=8, birth=dt.date(1990, 1, 2), 职务="社长", 所在社="3社", 学历="初中"),
    ]
    plan = plan_for(build(rows), world.township_a, secretary_a)
    assert plan.problems == []
    assert plan.counts == {"create": 2, "update": 0, "unchanged": 0, "invalid": 0, "rows": 2}
    apply_import(plan)

    wang = Person.objects.get(name="王大明")
    assert wang.home_village == world.village_a
    assert wang.birth_date == dt.date(1970, 5, 20)  # from the ID number, not the year-month cell
    assert (wang.education, wang.education_in_service) == (Education.HIGH_SCHOOL, Education.ASSOCIATE)
    assert wang.political_status == PoliticalStatus.CPC_MEMBER
    assert wang.party_joined_on == dt.date(1995, 7, 1)
    assert wang.source_categories == [SourceCategory.VETERAN, SourceCategory.ENTREPRENEUR]
    posts = {p.post: p for p in PostAssignment.objects.filter(person=wang)}
    assert set(posts) == {Post.PARTY_SECRETARY, Post.DIRECTOR}
    assert posts[Post.DIRECTOR].start_on == dt.date(2021, 3, 1)
    assert Assessment.objects.get(person=wang).grade == Grade.COMPETENT
    assert Assessment.objects.get(person=wang).year == 2025
    leader = PostAssignment.objects.get(person__name="李小红")
    assert (leader.post, leader.group.number) == (Post.GROUP_LEADER, 3)
    assert Person.objects.get(name="李小红").gender == Gender.FEMALE
    record = wang.history.get()
    assert record.history_user == secretary_a and record.history_type == "+"
    assert PostAssignment.history.filter(history_user=secretary_a).count() == 3


def test_every_problem_is_reported_with_row_and_column_and_nothing_is_written(world, secretary_a):
    f.PersonFactory(home_village=world.village_a, name="已有人员")
    bad_check = make_bad_check_id()
    rows = [
        person_row(seq=1),  # row 3: valid
        person_row(seq=2, 公民身份号码=bad_check),  # row 4
        person_row(seq=3, 村名称="不存在村"),  # row 5
        person_row(seq=4, 学历="扫盲班"),  # row 6
        person_row(seq=5, 出生年月="1971.05"),  # row 7: disagrees with the ID
        person_row(seq=6, 性别="女", id_gender=Gender.MALE),  # row 8: disagrees with the ID
        person_row(seq=9, 职务="社长"),  # row 9: no 所在社
        person_row(seq=10, 入党时间="1995.13", 职务="护林员"),  # row 10: two problems
        person_row(seq=1),  # row 11: same person as row 3
    ]
    before = snapshot()
    plan = plan_for(build(rows), world.township_a, secretary_a)
    assert not plan.is_valid
    assert [str(p) for p in plan.problems] == [
        f"row 4: 公民身份号码: 校验码错误：末位应为 {idcard.check_character(bad_check[:17])}，实为 {bad_check[17]}",
        "row 5: 村名称: 凌云乡没有名为“不存在村”的村（可填村名或12位代码）",
        "row 6: 学历: 无法识别“扫盲班”，可填写：研究生、大学本科、大学专科、中专/中技/技校/职高、高中、初中、小学、"
        "文盲或半文盲",
        "row 7: 出生年月: 出生日期与身份证号码不一致：号码显示为 1970-05-20",
        "row 8: 性别: 性别与身份证号码不一致：号码显示为男",
        "row 9: 所在社: 社长须填写所在社（社号）",
        "row 10: 入党时间: “1995.13”不是有效日期",
        "row 10: 职务: 无法识别职务“护林员”，可填写：书记、副书记、支委委员、村委会主任、副主任、村委委员、监委会主任、"
        "监委委员、村文书、社长、第一书记（多个职务用“、”分隔）",
        "row 11: 公民身份号码: 与第 3 行是同一人（身份证号码重复）",
    ]
    with pytest.raises(ValueError, match="未写入任何数据"):
        apply_import(plan)
    assert snapshot() == before


def make_bad_check_id() -> str:
    good = f.make_id_number(dt.date(1970, 5, 20), seq=2)
    wrong = "0" if good[17] != "0" else "1"
    return good[:17] + wrong


def test_aliases_full_width_digits_spaces_and_15_digit_ids(world, secretary_a):
    headers = ["村(社区)", "姓名", "身份证号", "文化程度", "政治面貌", "现任职务", "考核等次", "出生日期", "任职时间"]
    born = dt.date(1962, 8, 9)
    id15 = f.make_id_number(born, seq=3)[:6] + f"{born:%y%m%d}" + "007"
    to_full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    full_width = f.make_id_number(dt.date(1980, 2, 3), seq=4).translate(to_full_width)
    rows = [
        {"村(社区)": " 青龙村 ", "姓名": "赵  一", "身份证号": id15, "文化程度": "职高", "政治面貌": "党员",
         "现任职务": "支部书记", "考核等次": "优秀", "出生日期": "1962年8月", "任职时间": "２０２１．０３"},
        {"村(社区)": world.village_a.code, "姓名": "钱二", "身份证号": f" {full_width[:9]} {full_width[9:]} ",
         "文化程度": "大专", "现任职务": "主任", "出生日期": dt.datetime(1980, 2, 3), "任职时间": 202103},
    ]  # fmt: skip
    plan = plan_for(build(rows, headers=headers), world.township_a, secretary_a)
    assert plan.problems == []
    apply_import(plan)
    zhao = Person.objects.get(name="赵一")
    assert zhao.id_number == idcard.upgrade_15(id15)
    assert zhao.education == Education.SECONDARY_VOCATIONAL
    assert zhao.posts.get().start_on == dt.date(2021, 3, 1)
    assert zhao.assessments.get().grade == Grade.EXCELLENT
    qian = Person.objects.get(name="钱二")
    assert qian.id_number == idcard.normalise(full_width)
    assert qian.posts.get().post == Post.DIRECTOR
    assert qian.home_village == world.village_a
    assert "15位身份证号码已转换为18位" in plan.rows[0].warnings[0]


def test_existing_person_is_updated_and_held_post_not_duplicated(world, secretary_a):
    person = f.PersonFactory(home_village=world.village_a, education=Education.JUNIOR_HIGH, phone="1")
    f.PostAssignmentFactory(person=person, village=world.village_a, post=Post.COMMITTEE_MEMBER)
    row = person_row(公民身份号码=person.id_number, 姓名=person.name, birth=person.birth_date, 学历="大专",
                     职务="村委委员、村文书", 联系电话="13900000000", 健康状况=None)  # fmt: skip
    plan = plan_for(build([row]), world.township_a, secretary_a)
    assert plan.counts["update"] == 1
    assert "全日制最高学历：初中 → 大学专科" in plan.rows[0].changes
    assert "新增职务：村文书，2021-03-01起" in plan.rows[0].changes
    apply_import(plan)
    person.refresh_from_db()
    assert person.education == Education.ASSOCIATE
    assert person.phone == "13900000000"
    assert person.health == Health.HEALTHY  # blank 健康状况 keeps what is recorded
    assert person.version == 2
    assert sorted(person.posts.values_list("post", flat=True)) == [Post.CLERK, Post.COMMITTEE_MEMBER]
    assert person.history.first().history_user == secretary_a

    again = plan_for(build([row]), world.township_a, secretary_a)
    assert again.counts["unchanged"] == 1 and again.counts["update"] == 0


def test_person_holding_a_post_in_another_township_is_a_conflict(world, secretary_a):
    other = f.PersonFactory(home_village=world.village_b)
    f.PostAssignmentFactory(person=other, village=world.village_b, post=Post.DIRECTOR)
    outsider = f.PersonFactory(home_village=world.village_b)
    rows = [
        person_row(公民身份号码=other.id_number, birth=other.birth_date, 姓名=other.name),
        person_row(公民身份号码=outsider.id_number, birth=outsider.birth_date, 姓名=outsider.name),
    ]
    before = snapshot()
    plan = plan_for(build(rows), world.township_a, secretary_a)
    assert [str(p) for p in plan.problems] == [
        "row 3: 公民身份号码: 该人员已在其他乡镇任职（大和乡白鹤村村委会主任），不能导入本乡镇",
        "row 4: 公民身份号码: 该人员属于其他乡镇的花名册，不能导入本乡镇",
    ]
    assert snapshot() == before


def test_group_leader_needs_a_group_of_that_village(world):
    rows = [person_row(职务="社长", 所在社="9")]
    assert [str(p) for p in plan_for(build(rows), world.township_a).problems] == ["row 3: 所在社: 青龙村没有第9社"]


def test_new_person_needs_education(world):
    rows = [person_row(学历=None)]
    assert [str(p) for p in plan_for(build(rows), world.township_a).problems] == ["row 3: 学历: 新增人员必须填写学历"]


def test_eighteen_digit_id_stored_as_a_number_is_reported(world):
    rows = [person_row(公民身份号码=float(f.make_id_number(dt.date(1970, 5, 20), seq=1)[:17] + "1"))]
    problems = [str(p) for p in plan_for(build(rows), world.township_a).problems]
    assert problems == ["row 3: 公民身份号码: 号码被Excel存成了数字，末几位已丢失；请把该列设为文本后重新填写"]


def test_round_trip_export_then_import_changes_nothing(world, secretary_a):
    group = f.GroupFactory(village=world.village_a, number=2)
    sec = f.PersonFactory(home_village=world.village_a, source_categories=["veteran"], phone="13800000000",
                          party_joined_on=dt.date(1999, 6, 15), education_in_service=Education.ASSOCIATE)  # fmt: skip
    f.PostAssignmentFactory(person=sec, village=world.village_a, post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory(person=sec, village=world.village_a, post=Post.DIRECTOR, start_on=dt.date(2021, 5, 1))
    f.AssessmentFactory(person=sec, year=2025, grade=Grade.EXCELLENT)
    leader = f.PersonFactory(home_village=world.village_a, gender=Gender.FEMALE, able_to_serve=False)
    f.PostAssignmentFactory(person=leader, village=world.village_a, post=Post.GROUP_LEADER, group=group)
    f.PersonFactory(home_village=world.village_a, notes="后备人选")  # no post
    content = township_roster(township=world.township_a, user=secretary_a, today=TODAY)
    before = snapshot()
    plan = plan_for(content, world.township_a, secretary_a)
    assert plan.problems == []
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3, "invalid": 0, "rows": 3}
    apply_import(plan)
    assert snapshot() == before


def test_import_uses_constant_queries(world, django_assert_max_num_queries):
    for number in range(1, 120):  # one 社长 per 社
        f.GroupFactory(village=world.village_a, number=number)
    rows = [person_row(seq=n, 姓名=f"人员{n}", 职务="社长", 所在社=str(n)) for n in range(1, 120)]
    sheet = read_roster(io.BytesIO(build(rows)), today=TODAY)
    with django_assert_max_num_queries(6):
        plan = plan_import(sheet=sheet, township=world.township_a, user=None, today=TODAY)
    assert plan.counts["create"] == 119 and plan.problems == []


def test_command_imports_and_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(build([person_row()]))
    out = io.StringIO()
    call_command("import_roster", str(path), "--township", world.township_a.code, "--dry-run", stdout=out)
    assert "1 to create" in out.getvalue()
    assert not Person.objects.exists()
    call_command("import_roster", str(path), "--township", world.township_a.code, stdout=out)
    person = Person.objects.get()
    assert person.history.get().history_user is None


def test_command_exits_1_listing_problems(world, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(build([person_row(), person_row(seq=2, 学历="扫盲班")]))
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_roster", str(path), "--township", world.township_a.code, stdout=out)
    assert raised.value.returncode == 1
    assert out.getvalue().splitlines()[0].startswith("row 4: 学历: 无法识别“扫盲班”")
    assert not Person.objects.exists()


def test_import_recomputes_risks_of_the_touched_villages(world, secretary_a, django_capture_on_commit_callbacks):
    from villages.models import Risk

    rows = [person_row(birth=dt.date(1950, 1, 5), 职务="村委委员")]  # 76: high age
    plan = plan_for(build(rows), world.township_a, secretary_a)
    with django_capture_on_commit_callbacks(execute=True):
        apply_import(plan)
    assert Risk.objects.filter(village=world.village_a, person__name="王大明", kind="high_age").exists()


def test_rows_obey_the_roster_rules_with_the_messages_of_every_entry_path(world, secretary_a):
    rows = [
        person_row(seq=1, 姓名="甲", 职务="书记"),  # row 3: 中共党员, takes the vacant seat
        person_row(seq=2, 姓名="乙", 职务="书记"),  # row 4: the seat is row 3's now
        person_row(seq=3, 姓名="丙", 职务="支委委员", 政治面貌="群众", 入党时间=None),  # row 5
        person_row(seq=4, 姓名="丁", 入党时间="2099.07"),  # row 6
        person_row(seq=5, 姓名="戊", 所在社="2"),  # row 7: a 社 without a 社长 post
    ]
    f.GroupFactory(village=world.village_a, number=2)
    plan = plan_for(build(rows), world.township_a, secretary_a)
    assert [str(p) for p in plan.problems] == [
        "row 4: 职务: 本村书记已由甲担任（2021-03-01起），同一时间只能一人担任；如其已离任，请先登记离任",
        "row 5: 职务: 丙的政治面貌为群众，村党组织职务只能由正式党员担任",
        "row 6: 入党时间: 入党时间（2099-07-01）不能晚于今天",
        "row 7: 所在社: 只有社长才填写所在社",
    ]
