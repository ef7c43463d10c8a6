"""Where a write's risk re-evaluation runs (tasks/risk_tasks.py `dispatch`): with a broker, a task after commit for
only what the write touched (its villages; a county's rule → that county; a city default → the city) and nothing
evaluated in the request; publishing fails → evaluated in the request with a warning, and a failure there never
fails the write; two evaluations of one village take turns (no risk written twice)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import pytest
from celery.app.task import Task
from django.db import connection, transaction
from django.urls import reverse

from tasks import risk_tasks
from tests import factories as f
from tests.reports_support import celery_broker
from tests.test_risk_queue import HIGH_AGE_AT_58
from villages import risk, signals
from villages.choices import Education, PersonFlag, Post
from villages.models import Risk, RuleValue, Village

JSON = "application/json"


def old_member(village: Village, *, post: str = Post.COMMITTEE_MEMBER):
    person = f.PersonFactory(home_village=village, birth_date=dt.date(1955, 1, 1), education=Education.HIGH_SCHOOL)
    return person, f.PostAssignmentFactory(person=person, village=village, post=post)


@pytest.fixture
def queued(settings, monkeypatch):
    """A broker is configured (RISK_RUNNER "celery"); what would be published is recorded here instead, as
    (task name, args), and evaluating in this process fails the test."""
    settings.RISK_RUNNER = "celery"
    vars(signals._pending).clear()  # work left by earlier tests' never-committed transactions
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(Task, "apply_async", lambda self, args=(), **kw: sent.append((self.name, tuple(args))))

    def in_request(**kwargs):
        raise AssertionError("evaluated in the request")

    monkeypatch.setattr(risk_tasks, "recompute_risks", in_request)
    return sent


def test_a_roster_write_through_the_api_queues_only_its_village(
    world, client_a, queued, django_capture_on_commit_callbacks
):
    with risk.signals_paused():
        person, _ = old_member(world.village_b)
        person.home_village = world.village_a
        person.save()
        person.posts.all().delete()
    body = {"person": person.pk, "village": world.village_a.code, "post": "committee_member", "start_on": "2024-03-01"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.post("/api/v1/posts/", body, content_type=JSON).status_code == 201
    assert queued == [(risk_tasks.EVALUATE_VILLAGES, ([world.village_a.pk],))]
    assert not Risk.objects.exists()  # the worker writes them


def test_a_county_rule_change_queues_that_county_only(world, client_county, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_county.post(reverse("villages:rules"), HIGH_AGE_AT_58)
    assert response.status_code == 302
    assert queued == [(risk_tasks.EVALUATE_COUNTY, (world.county.pk,))]
    page = client_county.get(response["Location"]).content.decode()
    assert "本区县的风险清单几秒内随之重新计算" in page


def test_a_city_default_change_queues_the_whole_city(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        RuleValue.objects.create(county=None, key="high_age_member", value="58", effective_on=dt.date(2026, 11, 1))
    assert queued == [(risk_tasks.RECOMPUTE_RISKS, ())]


def test_one_transaction_queues_one_task_per_county_and_one_for_its_villages(
    world, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for county in (world.other_county, world.county):
            RuleValue.objects.create(
                county=county, key="high_age_member", value="58", effective_on=dt.date(2026, 11, 1)
            )
        old_member(world.village_b)
        old_member(world.village_a)
    assert queued == [
        (risk_tasks.EVALUATE_COUNTY, (world.county.pk,)),
        (risk_tasks.EVALUATE_COUNTY, (world.other_county.pk,)),
        (risk_tasks.EVALUATE_VILLAGES, (sorted([world.village_a.pk, world.village_b.pk]),)),
    ]


def test_without_a_broker_the_task_runs_in_process_after_commit(world, settings, django_capture_on_commit_callbacks):
    settings.RISK_RUNNER = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        person, _ = old_member(world.village_a)
        assert not Risk.objects.exists()  # not before the commit
    assert Risk.objects.filter(person=person, kind=PersonFlag.HIGH_AGE, is_active=True).count() == 1


def test_broker_down_evaluates_in_the_request_with_a_warning(
    world, client_a, settings, caplog, django_capture_on_commit_callbacks
):
    settings.RISK_RUNNER = "celery"
    with risk.signals_paused():
        person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1955, 1, 1))
    body = {"person": person.pk, "village": world.village_a.code, "post": "committee_member", "start_on": "2024-03-01"}
    broker_down = celery_broker("redis://127.0.0.1:9/0")  # nothing listens on port 9
    with broker_down, caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert client_a.post("/api/v1/posts/", body, content_type=JSON).status_code == 201
    assert Risk.objects.filter(person=person, kind=PersonFlag.HIGH_AGE, is_active=True).exists()
    assert "runs in the request: broker unavailable" in caplog.text


def test_an_evaluation_that_fails_in_the_request_never_fails_the_write(
    world, client_a, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.RISK_RUNNER = "celery"

    def broken(**kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(risk_tasks, "recompute_risks", broken)
    with risk.signals_paused():
        person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1955, 1, 1))
    body = {"person": person.pk, "village": world.village_a.code, "post": "committee_member", "start_on": "2024-03-01"}
    with celery_broker("redis://127.0.0.1:9/0"), django_capture_on_commit_callbacks(execute=True):
        assert client_a.post("/api/v1/posts/", body, content_type=JSON).status_code == 201
    assert person.posts.exists() and not Risk.objects.exists()
    assert "the daily recompute will catch up" in caplog.text


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks: PostgreSQL (SQLite's writers take turns)"
)
def test_two_evaluations_of_one_village_take_turns(transactional_db, world):
    """The first holds the village's lock with its rows written but not committed; the second waits for it and
    then finds them (without the lock it would not see them and write every risk again)."""
    with risk.signals_paused():
        person, _ = old_member(world.village_a, post=Post.PARTY_SECRETARY)
    errors: list[BaseException] = []

    def second() -> None:
        try:
            risk_tasks.evaluate_villages([world.village_a.pk])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=second)
    with transaction.atomic():
        risk.recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
        thread.start()
        time.sleep(1)
        assert thread.is_alive()  # waiting for the lock
    thread.join(timeout=30)
    assert not thread.is_alive() and errors == []
    keys = list(Risk.objects.values_list("village_id", "person_id", "kind"))
    assert len(keys) == len(set(keys)) and (world.village_a.pk, person.pk, PersonFlag.HIGH_AGE) in keys
