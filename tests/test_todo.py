"""A township secretary's landing page is their to-do list: counts with links to where each thing is fixed,
scoped to their township, with a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from villages import risk
from villages.choices import Education, Post, ReviewStatus, VillageFlag
from villages.models import Risk, RosterConfirmation
from villages.roster import years_before

TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1


def member(village, *, name: str, birth: dt.date = dt.date(1980, 5, 1), assessed: bool = True, **kwargs):
    person = f.PersonFactory(home_village=village, name=name, birth_date=birth, **kwargs)
    f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
    if assessed:
        f.AssessmentFactory(person=person, year=LAST_YEAR)
    return person


@pytest.fixture
def township_a_work(world, secretary_a):
    """Township A: one village confirmed today, one never; a member without last year's assessment, one
    without education, one turning 60 before the election; a reserve without a mentor; risks assigned."""
    village = world.village_a
    RosterConfirmation.objects.create(village=village, confirmed_by=secretary_a)
    f.VillageFactory(township=world.township_a, code="511902100202", name="白云村")  # never confirmed
    member(village, name="未考核", assessed=False)
    member(village, name="无学历", education="")
    birth_60 = years_before(dt.date(TODAY.year, 12, 31), 60)  # 60 on the election date, 59 today
    member(village, name="将到龄", birth=max(birth_60, years_before(TODAY, 60) + dt.timedelta(days=1)))
    f.ReserveFactory(village=village, person__home_village=village, person__name="无帮带")
    risk.recompute_risks()
    gap = Risk.objects.get(village=village, kind=VillageFlag.RESERVE_SHORTFALL)
    Risk.objects.filter(pk=gap.pk).update(owner=secretary_a, due_on=TODAY - dt.timedelta(days=1))
    other = Risk.objects.filter(village=village).exclude(pk=gap.pk).first()
    Risk.objects.filter(pk=other.pk).update(owner=secretary_a, due_on=TODAY + dt.timedelta(days=9))
    # Township B's things never show on A's list.
    member(world.village_b, name="乙乡未考核", assessed=False)
    return gap


def items(client) -> dict[str, object]:
    response = client.get(reverse("dashboards:todo"))
    assert response.status_code == 200
    return {i.key: i for i in response.context["todo"].items}


def test_township_secretary_lands_on_the_todo_list(township_a_work, client_a):
    landing = client_a.get(reverse("villages:home"))
    assert landing["Location"] == reverse("dashboards:todo")
    html = client_a.get(landing["Location"]).content.decode()
    assert "凌云乡待办事项" in html and "待办" in html


def test_each_item_counts_and_links_to_where_it_is_fixed(township_a_work, client_a, world):
    todo = items(client_a)
    assert todo["confirmations"].count == 1
    assert [e.label for e in todo["confirmations"].entries] == ["白云村"]
    assert todo["risks_overdue"].count == 1 and todo["risks_assigned"].count == 2
    assert todo["missing_assessment"].count == 1 and todo["missing_assessment"].entries[0].label == "未考核（青龙村）"
    assert todo["missing_education"].count == 1
    assert [e.label.split("（")[0] for e in todo["ageing_out"].entries] == ["将到龄"]
    assert todo["reserves_without_mentor"].count == 1
    html = client_a.get(reverse("dashboards:todo")).content.decode()
    gap = township_a_work
    for url in (
        reverse("villages:confirm_roster", args=["511902100202"]),
        reverse("villages:risk_answer", args=[gap.pk]),
        reverse("villages:person", args=[todo["missing_assessment"].entries[0].drill.args[0]]),
        reverse("reserves:reserve_edit", args=[todo["reserves_without_mentor"].entries[0].drill.args[0]]),
    ):
        assert f'href="{url}"' in html
    assert "乙乡未考核" not in html


def test_the_lists_behind_the_links_show_the_counted_rows(township_a_work, client_a):
    todo = items(client_a)
    people = client_a.get(todo_url(todo["missing_assessment"])).content.decode()
    assert re.search(r"共\s*1\s*人", people) and "未考核" in people
    no_education = client_a.get(todo_url(todo["missing_education"])).content.decode()
    assert "无学历" in no_education and re.search(r"共\s*1\s*人", no_education)
    overdue = client_a.get(todo_url(todo["risks_overdue"]))
    assert [r.pk for r in overdue.context["page"]] == [township_a_work.pk]
    assigned = client_a.get(todo_url(todo["risks_assigned"]))
    assert len(list(assigned.context["page"])) == 2


def todo_url(item) -> str:
    from dashboards.templatetags.dashboard_tags import drill_href

    return drill_href(item.drill)


def test_answered_risks_leave_the_assigned_items(township_a_work, client_a):
    Risk.objects.filter(owner__username="sec_a").update(review_status=ReviewStatus.RECTIFIED)
    todo = items(client_a)
    assert todo["risks_overdue"].count == 0 and todo["risks_assigned"].count == 0
    assert todo["risks_rectified"].count == 2
    html = client_a.get(reverse("dashboards:todo")).content.decode()
    assert "已办结" in html


def test_other_roles_go_to_their_dashboard(world, client_county, client_city):
    for client in (client_county, client_city):
        assert client.get(reverse("dashboards:todo"))["Location"] == reverse("dashboards:dashboard")


def test_query_count_is_constant(township_a_work, world, client_a, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        client_a.get(reverse("dashboards:todo"))
    for i in range(4):
        village = f.VillageFactory(township=world.township_a, code=f"51190210030{i}", name=f"加村{i}")
        member(village, name=f"未考核{i}", assessed=False)
        member(village, name=f"无学历{i}", education=Education.PRIMARY)
        f.ReserveFactory(village=village, person__home_village=village)
    risk.recompute_risks()
    Risk.objects.filter(village__township=world.township_a).update(owner_id=township_a_work.owner_id)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client_a.get(reverse("dashboards:todo"))
    assert response.context["todo"].items[0].count == 5
