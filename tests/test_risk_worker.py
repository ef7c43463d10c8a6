"""A real Celery worker consuming the risk queue: a roster edit through the API commits without evaluating risks in
the request, and the worker's task brings the village's risks up to date moments later (tasks/risk_tasks.py).
Needs PostgreSQL and Redis, as CI runs it."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks import risk_tasks
from tests import factories as f
from tests.reports_support import celery_broker
from tests.worker_support import broker_url, needs_worker_stack, start_worker, stop_worker
from villages import risk
from villages.choices import Education, PersonFlag
from villages.models import Risk

pytestmark = [pytest.mark.worker, needs_worker_stack]


def test_a_roster_edit_is_evaluated_by_the_worker_not_the_request(
    transactional_db, world, client_a, settings, tmp_path, monkeypatch
):
    url = broker_url()
    redis.Redis.from_url(url).flushdb()
    settings.RISK_RUNNER = "celery"
    with risk.signals_paused():  # the only write that asks for an evaluation is the request below
        person = f.PersonFactory(
            home_village=world.village_a, birth_date=dt.date(1955, 1, 1), education=Education.HIGH_SCHOOL
        )
    in_request: list[object] = []
    monkeypatch.setattr(risk_tasks, "recompute_risks", lambda **kw: in_request.append(kw))
    log = tmp_path / "worker.log"
    worker = start_worker(url, tmp_path / "media", log)  # -Q default,reports,imports,risk
    try:
        with celery_broker(url), CaptureQueriesContext(connection) as request_queries:
            body = {
                "person": person.pk,
                "village": world.village_a.code,
                "post": "committee_member",
                "start_on": "2024-03-01",
            }
            response = client_a.post("/api/v1/posts/", body, content_type="application/json")
        committed = time.monotonic()
        assert response.status_code == 201, response.content
        assert in_request == []  # the request published the task and returned
        assert not [q for q in request_queries.captured_queries if "villages_risk" in q["sql"]]
        flagged = Risk.objects.filter(village=world.village_a, person=person, kind=PersonFlag.HIGH_AGE, is_active=True)
        deadline = committed + 90  # the worker's start-up (Django, Celery) is most of it
        while not flagged.exists():
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
    finally:
        stop_worker(worker)
    assert "tasks.risk_tasks.evaluate_villages" in log.read_text()
    assert Risk.objects.filter(person=person, kind=PersonFlag.HIGH_AGE).count() == 1
