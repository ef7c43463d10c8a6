"""换届后续工作 (reserves/aftercare.py and its pages): six steps opened by the results, each due by its county rule
and overdue the day after, recorded done by the township's secretary, counted per township, in the risk list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reserves.aftercare import add_months, complete_step, township_step_counts
from reserves.choices import AftercareStep
from reserves.elections import ResultRow
from reserves.models import PostElectionTask
from tests import factories as f
from tests.after_support import committee, elect
from villages import risk
from villages.choices import AfterElectionRiskKind, Post
from villages.models import Risk, Village
from villages.rules import add_rule_value

TODAY = timezone.localdate()
HELD = dt.date(2026, 1, 31)  # a month's end: 岗前培训 falls due on 28 February

# Each step's deadline with the default rules (docs/domain.md §8).
DEFAULT_DUE = {
    AftercareStep.RESULTS_REPORTED: dt.date(2026, 2, 5),
    AftercareStep.SUPERVISION_CHOSEN: dt.date(2026, 2, 10),
    AftercareStep.HANDOVER: dt.date(2026, 2, 10),
    AftercareStep.TALKS: dt.date(2026, 2, 7),
    AftercareStep.TRAINING: dt.date(2026, 2, 28),
}


def re_elect(village, *, held_on=HELD, prefix=""):
    team = committee(village, prefix=prefix)
    rows = [
        ResultRow(team.secretary, Post.PARTY_SECRETARY),
        ResultRow(team.secretary, Post.DIRECTOR),
        ResultRow(team.member, Post.COMMITTEE_MEMBER),
    ]
    return elect(village, rows, held_on=held_on)


@pytest.fixture
def election(world):
    return re_elect(world.village_a)


def tasks(election):
    return {t.step: t for t in PostElectionTask.objects.filter(election=election)}


def test_results_open_every_step_with_the_default_deadlines(election):
    found = tasks(election)
    assert set(found) == set(AftercareStep.values)
    assert {step: found[step].due_on for step in DEFAULT_DUE} == DEFAULT_DUE
    assert found[AftercareStep.ARCHIVE].due_on is None  # no 归档 date set by the county yet


@pytest.mark.parametrize("step", list(DEFAULT_DUE))
def test_each_deadline_becomes_overdue_the_day_after(election, step):
    task = tasks(election)[step]
    due = DEFAULT_DUE[step]
    assert not task.is_overdue(due)
    assert task.is_overdue(due + dt.timedelta(days=1))
    assert PostElectionTask.objects.overdue(on=due + dt.timedelta(days=1)).filter(pk=task.pk).exists()
    assert not PostElectionTask.objects.overdue(on=due).filter(pk=task.pk).exists()


def test_the_archive_deadline_is_the_countys_set_date(election, world):
    add_rule_value(
        county_id=world.county.pk, key="aftercare_archive_on", value=dt.date(2026, 4, 30),
        effective_on=dt.date(2026, 1, 1), document_number="巴州组发〔2026〕5号",
    )  # fmt: skip
    risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))  # the refresher moves open steps
    task = tasks(election)[AftercareStep.ARCHIVE]
    assert task.due_on == dt.date(2026, 4, 30)
    assert not task.is_overdue(dt.date(2026, 4, 30)) and task.is_overdue(dt.date(2026, 5, 1))


def test_county_rules_change_the_deadlines_counted_from_the_election(world):
    for key, value in (("aftercare_results_days", 3), ("aftercare_training_months", 2)):
        add_rule_value(county_id=world.county.pk, key=key, value=value, effective_on=dt.date(2025, 1, 1),
                       document_number="巴州组发〔2025〕1号")  # fmt: skip
    found = tasks(re_elect(world.village_a))
    assert found[AftercareStep.RESULTS_REPORTED].due_on == dt.date(2026, 2, 3)
    assert found[AftercareStep.TRAINING].due_on == dt.date(2026, 3, 31)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 2) == dt.date(2027, 1, 15)


def test_overdue_steps_are_in_the_risk_list_and_leave_it_when_done(election, world, secretary_a):
    villages = Village.objects.filter(pk=world.village_a.pk)
    risk.recompute_risks(villages=villages, as_of=dt.date(2026, 2, 8))
    found = Risk.objects.get(village=world.village_a, kind=AfterElectionRiskKind.AFTERCARE_OVERDUE)
    assert "选举结果报乡镇应于2026-02-05前完成，已逾期3天" in found.detail and "谈心谈话" in found.detail
    for task in PostElectionTask.objects.filter(election=election):
        complete_step(task=task, done_on=dt.date(2026, 2, 4), note="已完成", by=secretary_a, expected_version=1)
    risk.recompute_risks(villages=villages, as_of=dt.date(2026, 2, 8))
    found.refresh_from_db()
    assert not found.is_active


@pytest.mark.parametrize(
    ("done_on", "note", "field", "message"),
    [
        (None, "x", "done_on", "请填写完成日期"),
        (TODAY + dt.timedelta(days=1), "x", "done_on", "不能晚于今天"),
        (dt.date(2026, 1, 30), "x", "done_on", "不能早于换届日期（2026-01-31）"),
        (dt.date(2026, 2, 1), " ", "note", "请简要写明完成情况"),
    ],
)
def test_a_step_is_done_with_a_date_and_a_note(election, done_on, note, field, message):
    task = tasks(election)[AftercareStep.HANDOVER]
    with pytest.raises(ValidationError) as refused:
        complete_step(task=task, done_on=done_on, note=note, by=None, expected_version=1)
    assert message in refused.value.message_dict[field][0]


def test_township_counts_per_step(election, world, secretary_a):
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白马村")
    re_elect(second, prefix="白")
    complete_step(task=tasks(election)[AftercareStep.TALKS], done_on=dt.date(2026, 2, 3), note="谈话4人", by=None,
                  expected_version=1)  # fmt: skip
    (row,) = township_step_counts(villages=Village.objects.all(), since=dt.date(2025, 1, 1), on=dt.date(2026, 2, 8))
    counts = {c.step: (c.done, c.overdue) for c in row.steps}
    assert (row.township, row.villages, row.finished) == (world.township_a, 2, 0)
    assert counts[AftercareStep.TALKS] == (1, 1) and counts[AftercareStep.RESULTS_REPORTED] == (0, 2)
    assert counts[AftercareStep.TRAINING] == (0, 0)


# ---- pages ----


def cell_data(task, **values):
    data = {"done_on": "2026-02-03", "note": "印章账目已移交", "version": task.version} | values
    return {f"task-{task.pk}-{k}": v for k, v in data.items()}


def test_township_page_and_htmx_cell_for_the_secretary(election, client_a):
    page = client_a.get(reverse("reserves:township_aftercare", args=["511902100"]), {"since": "2025-01-01"})
    assert page.status_code == 200 and "青龙村" in page.content.decode() and "记录完成" in page.content.decode()
    task = tasks(election)[AftercareStep.HANDOVER]
    url = reverse("reserves:aftercare_step", args=[task.pk])
    form = client_a.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and f'id="step-{task.pk}"' in form.content.decode()
    bad = client_a.post(url, cell_data(task, done_on="2026-01-01"), HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "不能早于换届日期" in bad.content.decode()
    saved = client_a.post(url, cell_data(task), HTTP_HX_REQUEST="true")
    assert (
        saved.status_code == 200
        and "02-03 完成" in saved.content.decode()
        and 'id="messages"' in saved.content.decode()
    )
    task.refresh_from_db()
    assert (task.done_on, task.note) == (dt.date(2026, 2, 3), "印章账目已移交")


def test_step_permissions(election, client_a, client_b, client_county, client_city):
    task = tasks(election)[AftercareStep.TALKS]
    url = reverse("reserves:aftercare_step", args=[task.pk])
    assert client_b.get(url).status_code == 404  # another township: not in scope
    assert client_county.get(url).status_code == 403  # sees it, may not record it
    assert client_city.post(url, cell_data(task)).status_code == 403
    assert client_a.post(url, cell_data(task)).status_code == 302  # without htmx: back to the page


@pytest.mark.parametrize(("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200)])
def test_township_page_scoping(request, election, persona, code):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("reserves:township_aftercare", args=["511902100"])).status_code == code


def test_county_page_counts_villages_per_step(election, client_county, client_b, world):
    url = reverse("reserves:county_aftercare", args=[world.county.code])
    rows = client_county.get(url, {"since": "2025-01-01"}).context["townships"]
    assert [(r.township.name, r.villages) for r in rows] == [("凌云乡", 1)]
    other = f.CountyStaffFactory(username="tj", county=world.other_county)
    client_b.force_login(other)
    assert client_b.get(url).status_code == 404


def test_pages_query_count_is_constant(election, client_county, world, django_assert_num_queries):
    township_url = reverse("reserves:township_aftercare", args=["511902100"])
    county_url = reverse("reserves:county_aftercare", args=[world.county.code])
    with django_assert_num_queries(6) as township_few:
        client_county.get(township_url, {"since": "2025-01-01"})
    with django_assert_num_queries(6) as county_few:
        client_county.get(county_url, {"since": "2025-01-01"})
    for i in range(3):
        re_elect(f.VillageFactory(township=world.township_a, code=f"51190210040{i}"), prefix=str(i))
    with django_assert_num_queries(len(township_few.captured_queries)):
        client_county.get(township_url, {"since": "2025-01-01"})
    with django_assert_num_queries(len(county_few.captured_queries)):
        client_county.get(county_url, {"since": "2025-01-01"})


def test_this_cycles_elections_recorded_before_tracking_get_their_work_opened(world):
    """Results written without record_results (or before this work was tracked): the refresher opens the steps and
    filings of this cycle's elections once; older cycles are left alone."""
    team = committee(world.village_a)
    recent = f.ElectionFactory(village=world.village_a, held_on=TODAY - dt.timedelta(days=3))
    post = team.secretary.posts.get(post=Post.PARTY_SECRETARY)
    recent.results.create(person=team.secretary, post=Post.PARTY_SECRETARY, assignment=post)
    old = f.ElectionFactory(village=world.village_a, held_on=dt.date(2021, 3, 15))
    old.results.create(person=team.member, post=Post.COMMITTEE_MEMBER)
    villages = Village.objects.filter(pk=world.village_a.pk)
    risk.recompute_risks(villages=villages)
    assert PostElectionTask.objects.filter(election=recent).count() == 6
    assert recent.filings.get().post == post
    assert not PostElectionTask.objects.filter(election=old).exists()
    risk.recompute_risks(villages=villages)
    assert PostElectionTask.objects.count() == 6  # once
