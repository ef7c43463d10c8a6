"""Failures are clear: missing fonts or libraries fail a report job at once with the readable reason (the page,
the API and `render_report`, which exits 1 without a traceback), and no job waits in the queue forever."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import jobs
from tests.reports_support import ROOT, populate_village


@pytest.fixture(autouse=True)
def _sync_runner(settings, tmp_path):
    settings.REPORT_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def no_fonts(settings, tmp_path):
    settings.REPORT_FONT_DIR = tmp_path / "no-fonts"


def test_missing_fonts_fail_the_job_at_once(world, client_a, no_fonts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_a.post(
            "/api/v1/reports/", {"kind": "village", "scope": world.village_a.code}, content_type="application/json"
        )
    assert response.status_code == 202 and callbacks == []  # nothing queued
    body = response.json()
    assert body["status"] == "failed" and "缺少报告字体" in body["error"] and "make fonts" in body["error"]


def test_missing_fonts_fail_a_queued_job_when_it_runs(world, secretary_a, no_fonts):
    job = ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=world.village_a.code, created_by=secretary_a)
    assert jobs.run_report_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "缺少报告字体" in job.error


def test_render_report_exits_1_with_the_reason(world, no_fonts, tmp_path):
    with pytest.raises(CommandError, match="缺少报告字体"):
        call_command("render_report", "village", world.village_a.code, "--out", str(tmp_path / "x.pdf"))


def test_render_report_process_exit_code_and_message(tmp_path):
    env = {**os.environ, "REPORT_FONT_DIR": str(tmp_path / "none"), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    command = [sys.executable, "manage.py", "render_report", "village", "511902100201", "--out", str(tmp_path / "o")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "无法生成报告：缺少报告字体" in done.stderr and "Traceback" not in done.stderr


def test_a_job_no_worker_starts_fails_with_the_reason(world, secretary_a, settings):
    settings.REPORT_QUEUE_TIMEOUT_SECONDS = 600
    job = ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=world.village_a.code, created_by=secretary_a)
    ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=11))
    jobs.nudge(job=ReportJob.objects.get(pk=job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "排队超过 10 分钟" in job.error and "worker" in job.error


def test_sweeper_fails_overdue_jobs_but_not_an_edition_whose_villages_run(world, secretary_a, settings):
    settings.REPORT_QUEUE_TIMEOUT_SECONDS = 600
    populate_village(world.village_a)
    old = timezone.now() - dt.timedelta(minutes=20)
    overdue = ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=world.village_b.code, created_by=secretary_a)
    edition = jobs.create_report_job(user=secretary_a, kind="township", scope=world.township_a.code)  # not run
    ReportJob.objects.filter(pk__in=[overdue.pk, edition.pk]).update(queued_at=old)
    ReportJob.objects.filter(batch=edition.batch, kind=ReportKind.VILLAGE).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    summary = jobs.sweep_report_jobs()
    overdue.refresh_from_db()
    edition.refresh_from_db()
    assert summary["overdue"] == 1 and overdue.status == JobStatus.FAILED
    assert edition.status == JobStatus.QUEUED  # its village is being rendered: it waits, within the lease


def _waiting(scope: str, user, *, minutes: float, **fields) -> ReportJob:
    job = ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=scope, created_by=user, **fields)
    ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=minutes))
    return job


def test_a_job_waiting_its_turn_behind_a_long_batch_is_left_alone(world, secretary_a, settings):
    """A county batch queues hundreds of villages; the last starts long after it was queued. While the workers
    keep starting jobs queued about when it was, it is neither failed nor published again."""
    settings.REPORT_QUEUE_TIMEOUT_SECONDS = 600
    waiting = _waiting(world.village_b.code, secretary_a, minutes=30)
    _waiting(world.village_a.code, secretary_a, minutes=30.5, status=JobStatus.RUNNING, started_at=timezone.now())
    summary = jobs.sweep_report_jobs()
    jobs.nudge(job=ReportJob.objects.get(pk=waiting.pk))
    waiting.refresh_from_db()
    assert summary["overdue"] == 0 and summary["published"] == 0
    assert waiting.status == JobStatus.QUEUED and waiting.error == ""


def test_a_job_the_queue_moved_past_is_published_again_then_failed(world, secretary_a, settings):
    """First in, first out: when a job queued minutes later has started, this one's message was lost."""
    settings.REPORT_QUEUE_TIMEOUT_SECONDS = 600
    lost = _waiting(world.village_b.code, secretary_a, minutes=5)
    _waiting(world.village_a.code, secretary_a, minutes=1, status=JobStatus.RUNNING, started_at=timezone.now())
    summary = jobs.sweep_report_jobs()
    lost.refresh_from_db()
    assert summary["published"] == 1 and lost.status == JobStatus.DONE  # the sync runner rendered it

    gone = _waiting(world.village_b.code, secretary_a, minutes=30)
    summary = jobs.sweep_report_jobs()
    gone.refresh_from_db()
    assert summary["overdue"] == 1 and gone.status == JobStatus.FAILED and "排队超过 10 分钟" in gone.error


def test_a_retried_job_waits_from_its_retry_not_from_its_request(world, secretary_a, settings):
    settings.REPORT_QUEUE_TIMEOUT_SECONDS = 600
    settings.REPORT_RUNNER = "celery"  # published to no worker: the retry leaves it queued
    job = _waiting(world.village_b.code, secretary_a, minutes=60, status=JobStatus.FAILED, error="x")
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    jobs.retry_report_job(job=ReportJob.objects.get(pk=job.pk))
    assert jobs.fail_overdue(ReportJob.objects.all()) == 0
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and timezone.now() - job.queued_at < dt.timedelta(minutes=1)
