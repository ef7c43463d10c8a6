"""Mentors and talks (reserves/mentoring.py): missing mentors and overdue talks enter the risk list; the to-do
counts; the reserve page's sections and their permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reserves.mentoring import (
    MentoringRefused,
    add_months,
    mentoring_statuses,
    name_mentor,
    record_talk,
    reserve_todo_counts,
)
from reserves.models import Reserve, Talk
from tasks.risk_tasks import recompute_all_risks
from tests import factories as f
from villages import risk
from villages.choices import BenchRiskKind, Severity
from villages.models import Risk, Village
from villages.rules import add_rule_value

TODAY = timezone.localdate()


def active_risk(village: Village, kind: str) -> Risk | None:
    return Risk.objects.filter(village=village, kind=kind, is_active=True).first()


@pytest.fixture
def reserve(world) -> Reserve:
    """Entered 13 months ago, both mentors named, no talk yet: both talks are overdue."""
    mentor = f.PersonFactory.create(home_village=world.village_a, name="王帮带")
    person = f.PersonFactory.create(home_village=world.village_a, name="李后备", birth_date=dt.date(1996, 5, 1))
    added_on = add_months(TODAY, -13)
    return f.ReserveFactory.create(
        person=person,
        added_on=added_on,
        mentor=mentor,
        mentor_named_on=added_on,
        township_mentor_name="赵委员",
        township_mentor_post="乡镇党委组织委员",
        township_mentor_named_on=added_on,
    )


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 2) == dt.date(2026, 1, 15)
    assert add_months(dt.date(2026, 3, 10), -13) == dt.date(2025, 2, 10)


def test_overdue_talks_enter_the_risk_list_and_leave_it_once_held(world, reserve):
    risk.recompute_risks()
    overdue = active_risk(world.village_a, BenchRiskKind.TALK_OVERDUE)
    assert overdue is not None and overdue.person_id == reserve.person_id
    assert "帮带人谈心谈话已逾期" in overdue.detail and "乡镇党委书记谈心谈话已逾期" in overdue.detail
    assert "入库以来未谈话" in overdue.detail
    assert overdue.severity == Severity.RED  # the mentor talk is a whole further interval late (13 > 6 + 6)
    assert active_risk(world.village_a, BenchRiskKind.MENTOR_MISSING) is None

    record_talk(reserve=reserve, held_on=TODAY, by="village_mentor", topic="近期工作与学习")
    risk.recompute_risks()
    overdue = active_risk(world.village_a, BenchRiskKind.TALK_OVERDUE)
    assert "帮带人谈心谈话已逾期" not in overdue.detail and "乡镇党委书记" in overdue.detail
    record_talk(reserve=reserve, held_on=TODAY, by="township_secretary", by_name="刘书记", topic="年度谈话")
    risk.recompute_risks()
    assert active_risk(world.village_a, BenchRiskKind.TALK_OVERDUE) is None


def test_the_talk_interval_is_a_county_rule(world, reserve):
    record_talk(reserve=reserve, held_on=add_months(TODAY, -4), by="township_mentor", topic="谈话")
    record_talk(reserve=reserve, held_on=add_months(TODAY, -4), by="township_secretary", by_name="刘书记", topic="谈话")
    risk.recompute_risks()
    assert active_risk(world.village_a, BenchRiskKind.TALK_OVERDUE) is None  # 4 months < 6
    add_rule_value(
        county_id=world.county.pk,
        key="mentor_talk_months",
        value=3,
        effective_on=dt.date(2025, 1, 1),
        document_number="巴组发〔2025〕3号",
    )
    risk.recompute_risks()
    assert "每3个月至少一次" in active_risk(world.village_a, BenchRiskKind.TALK_OVERDUE).detail


def test_a_mentor_unnamed_a_month_after_entry_is_a_risk(world):
    person = f.PersonFactory.create(home_village=world.village_a, birth_date=dt.date(1996, 5, 1))
    reserve = f.ReserveFactory.create(person=person, added_on=TODAY - dt.timedelta(days=20))
    risk.recompute_risks()
    assert active_risk(world.village_a, BenchRiskKind.MENTOR_MISSING) is None  # still within the month
    Reserve.objects.filter(pk=reserve.pk).update(added_on=add_months(TODAY, -2))
    risk.recompute_risks()
    missing = active_risk(world.village_a, BenchRiskKind.MENTOR_MISSING)
    assert missing.severity == Severity.RED and "乡镇帮带人、村级帮带人" in missing.detail
    reserve.refresh_from_db()
    name_mentor(reserve=reserve, side="township", name="赵委员", post="组织委员", on=TODAY)
    risk.recompute_risks()
    missing = active_risk(world.village_a, BenchRiskKind.MENTOR_MISSING)
    assert missing.severity == Severity.AMBER and "村级帮带人" in missing.detail and "乡镇帮带人" not in missing.detail


def test_mentoring_refuses_what_the_rules_forbid(world, reserve):
    with pytest.raises(MentoringRefused, match="不能晚于今天"):
        record_talk(reserve=reserve, held_on=TODAY + dt.timedelta(days=1), by="village_mentor", topic="谈话")
    with pytest.raises(MentoringRefused, match="不能早于入库日期"):
        record_talk(reserve=reserve, held_on=reserve.added_on - dt.timedelta(days=1), by="village_mentor", topic="x")
    with pytest.raises(MentoringRefused, match="不能是后备干部本人"):
        name_mentor(reserve=reserve, side="village", person=reserve.person, on=TODAY)
    assert record_talk(reserve=reserve, held_on=TODAY, by="village_mentor", topic="谈话").by_name == "王帮带"


def test_todo_counts_for_the_township(world, reserve, secretary_a, secretary_b, django_assert_num_queries):
    f.TalentFactory.create(person=f.PersonFactory.create(home_village=world.village_a, birth_date=dt.date(1994, 1, 1)))
    with django_assert_num_queries(5):
        todo = reserve_todo_counts(secretary_a)
    assert (todo.mentors_missing, todo.talks_overdue, todo.ineligible, todo.talents_willing) == (0, 1, 0, 1)
    assert reserve_todo_counts(secretary_b).talks_overdue == 0  # another township's reserves are not theirs
    for _ in range(3):
        f.ReserveFactory.create(
            person=f.PersonFactory.create(home_village=world.village_a, birth_date=dt.date(1997, 1, 1))
        )
    with django_assert_num_queries(5):
        assert reserve_todo_counts(secretary_a).talks_overdue == 4


def test_statuses_of_many_reserves_cost_three_queries(world, reserve, django_assert_num_queries):
    for _ in range(4):
        other = f.ReserveFactory.create(
            person=f.PersonFactory.create(home_village=world.village_b, birth_date=dt.date(1997, 1, 1))
        )
        f.TalkFactory.create(reserve=other, held_on=other.added_on)
    with django_assert_num_queries(3):
        statuses = mentoring_statuses(reserves=Reserve.objects.all())
    assert len(statuses) == 5


def test_talk_form_permissions_and_htmx_partial(world, reserve, client_a, client_b, client_county):
    url = reverse("reserves:talk_add", args=[reserve.pk])
    body = {"held_on": TODAY.isoformat(), "by": "township_mentor", "topic": "学习计划", "follow_up": "报名学历提升"}
    assert client_b.post(url, body).status_code == 404  # another township: not even there
    assert client_county.post(url, body).status_code == 403  # county staff read, the township writes
    response = client_a.post(url, body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="talks"' in response.content and "学习计划".encode() in response.content
    assert b"<html" not in response.content
    talk = Talk.objects.get(reserve=reserve)
    assert (talk.by_name, talk.follow_up) == ("赵委员", "报名学历提升")
    bad = client_a.post(url, {**body, "held_on": (TODAY + dt.timedelta(days=3)).isoformat()}, HTTP_HX_REQUEST="true")
    assert "谈话日期不能晚于今天".encode() in bad.content and Talk.objects.count() == 1


def test_mentor_and_placement_forms(world, reserve, client_a):
    reserve.mentor = None
    reserve.save()
    new_mentor = f.PersonFactory.create(home_village=world.village_a, name="钱村帮")
    url = reverse("reserves:mentor_name", args=[reserve.pk])
    response = client_a.post(url, {"side": "village", "person": new_mentor.pk, "on": TODAY.isoformat()})
    assert response.status_code == 302
    reserve.refresh_from_db()
    assert (reserve.mentor, reserve.mentor_named_on) == (new_mentor, TODAY)
    placement = client_a.post(
        reverse("reserves:placement_add", args=[reserve.pk]),
        {"post_name": "书记助理", "starts_on": TODAY.isoformat(), "stipend": "on", "stipend_note": "每月800元"},
    )
    assert placement.status_code == 302
    assert reserve.placements.get().stipend_note == "每月800元"
    page = client_a.get(reverse("reserves:reserve", args=[reserve.pk]))
    assert "书记助理".encode() in page.content and "钱村帮".encode() in page.content


def test_mentoring_list_query_count_is_constant(world, reserve, client_a, django_assert_max_num_queries):
    url = reverse("reserves:mentoring") + "?state=talks_overdue"
    with django_assert_max_num_queries(20) as captured:
        assert client_a.get(url).status_code == 200
    baseline = len(captured.captured_queries)
    for _ in range(5):
        f.ReserveFactory.create(
            person=f.PersonFactory.create(home_village=world.village_a, birth_date=dt.date(1997, 1, 1))
        )
    with django_assert_max_num_queries(baseline):
        response = client_a.get(url)
    assert response.content.count(b"/reserves/") >= 6


def test_the_daily_task_and_the_command_recompute_everything(world, reserve):
    assert recompute_all_risks()["created"] >= 1  # no data change needed: the calendar made the talks overdue
    assert active_risk(world.village_a, BenchRiskKind.TALK_OVERDUE) is not None
    out = io.StringIO()
    call_command("recompute_risks", stdout=out)
    assert out.getvalue().startswith("risks: created 0")
