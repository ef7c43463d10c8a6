"""Report jobs: API and pages (202, progress, download with SHA-256), scoping (outsiders 404), idempotence,
crash recovery (lease, dead holder, poison), township batches with a failure retried alone, the sweeper."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tasks.models import JobStatus, ReportBatch, ReportJob, ReportKind
from tasks.reports import jobs
from tests import factories as f
from tests.reports_support import celery_broker, populate_village


@pytest.fixture(autouse=True)
def _sync_runner(settings, tmp_path):
    settings.REPORT_RUNNER = "sync"
    settings.REPORT_COMPARISON_CACHE_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"


def _village_job(scope: str, user, **fields) -> ReportJob:
    return ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=scope, created_by=user, **fields)


def _post_report(client, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/reports/", body, content_type="application/json")


def test_api_creates_job_202_and_serves_pdf_with_sha256(world, client_a, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    response = _post_report(client_a, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code)
    assert response.status_code == 202
    assert set(response.json()) >= {
        "id",
        "kind",
        "scope",
        "as_of",
        "status",
        "file_url",
        "sha256",
        "number",
        "verification",
        "error",
        "created_at",
    }
    job = client_a.get(f"/api/v1/reports/{response.json()['id']}/").json()
    assert job["status"] == "done" and job["error"] == ""
    assert job["file_url"].endswith(f"/api/v1/reports/{job['id']}/file/")
    pdf = b"".join(client_a.get(job["file_url"]).streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == job["sha256"]
    assert job["number"].startswith("V") and len(job["verification"]) == 14
    subject = PdfReader(io.BytesIO(pdf)).metadata.subject
    assert job["number"] in subject and job["verification"] in subject


def test_outsider_gets_404_on_job_file_and_scope(world, client_a, client_b, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    job_id = _post_report(
        client_a, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code
    ).json()["id"]
    for url in [
        f"/api/v1/reports/{job_id}/",
        reverse("reports:job", args=[job_id]),
        reverse("reports:download", args=[job_id]),
        f"/api/v1/reports/{job_id}/file/",
    ]:
        assert client_b.get(url).status_code == 404, url
    assert job_id not in [j["id"] for j in client_b.get("/api/v1/reports/").json()["results"]]
    refused = _post_report(client_b, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code)
    assert refused.status_code == 404
    assert client_b.post(reverse("reports:retry", args=[job_id])).status_code == 404


def test_county_staff_may_print_any_village_of_their_county_only(
    world, client_county, django_capture_on_commit_callbacks
):
    ok = _post_report(client_county, django_capture_on_commit_callbacks, kind="village", scope=world.village_b.code)
    assert ok.status_code == 202
    other = _post_report(
        client_county, django_capture_on_commit_callbacks, kind="village", scope=world.village_other_county.code
    )
    assert other.status_code == 404


def test_invalid_request_is_400(world, client_a, django_capture_on_commit_callbacks):
    response = _post_report(client_a, django_capture_on_commit_callbacks, kind="village", scope=world.township_a.code)
    assert response.status_code == 400 and "scope" in response.json()


def test_page_button_progress_polling_stops_when_done(world, client_a, secretary_a):
    job = _village_job(world.village_a.code, secretary_a)
    page = client_a.get(reverse("villages:village", args=[world.village_a.code]))
    assert "生成报告" in page.content.decode() and reverse("reports:create") in page.content.decode()
    running = client_a.get(reverse("reports:job", args=[job.pk]), headers={"HX-Request": "true"})
    assert running.status_code == 200 and 'hx-trigger="every 1s"' in running.content.decode()
    jobs.run_report_job(job.pk)
    done = client_a.get(reverse("reports:job", args=[job.pk]), headers={"HX-Request": "true"})
    body = done.content.decode()
    assert done.status_code == 286 and "hx-trigger" not in body  # HttpResponseStopPolling
    job.refresh_from_db()
    assert job.sha256 in body and reverse("reports:download", args=[job.pk]) in body


def test_button_post_creates_job_and_returns_progress(world, client_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("reports:create"),
            {"kind": "village", "scope": world.village_a.code},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200 and 'id="job-progress"' in response.content.decode()
    assert ReportJob.objects.get().status == JobStatus.DONE  # published on commit, after the response was built


def test_rerunning_a_done_job_does_nothing(world, secretary_a):
    job = _village_job(world.village_a.code, secretary_a)
    assert jobs.run_report_job(job.pk) == "done"
    job.refresh_from_db()
    first = (job.file.name, job.sha256, job.attempts, job.finished_at)
    assert jobs.run_report_job(job.pk) == "skipped"
    job.refresh_from_db()
    assert (job.file.name, job.sha256, job.attempts, job.finished_at) == first


def test_running_job_within_lease_is_busy_and_after_lease_is_taken_over(world, secretary_a):
    job = _village_job(
        world.village_a.code,
        secretary_a,
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=timezone.now(),
        held_by="some-other-host:4242",
    )
    assert jobs.run_report_job(job.pk) == "busy"
    ReportJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=jobs.lease_seconds() + 1)
    )
    assert jobs.run_report_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2


def test_job_of_a_dead_local_process_is_taken_over_at_once(world, secretary_a):
    host = jobs.holder().rpartition(":")[0]
    job = _village_job(
        world.village_a.code,
        secretary_a,
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=timezone.now(),
        held_by=f"{host}:999999",
    )
    assert jobs.run_report_job(job.pk) == "done"


def test_poison_job_stops_after_max_attempts_with_readable_error(world, secretary_a):
    job = _village_job(
        world.village_a.code,
        secretary_a,
        status=JobStatus.RUNNING,
        attempts=jobs.MAX_ATTEMPTS,
        started_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert jobs.run_report_job(job.pk) == "poison"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "已停止重试" in job.error


def test_permanent_failure_is_recorded_readably(world, secretary_a):
    job = _village_job("511902999999", secretary_a)
    assert jobs.run_report_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error.startswith("生成失败：") and job.finished_at


def test_township_batch_one_failure_does_not_fail_batch_and_is_retried_alone(
    world, secretary_a, client_a, django_capture_on_commit_callbacks
):
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白果村")
    populate_village(world.village_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        edition = jobs.create_report_job(user=secretary_a, kind="township", scope=world.township_a.code)
        # Break one village job before the runner gets it: its village cannot be found.
        ReportJob.objects.filter(batch=edition.batch, scope=second.code).update(scope="511902100299")
    assert callbacks
    batch = ReportBatch.objects.get(pk=edition.batch_id)
    assert (batch.total, batch.done, batch.failed) == (2, 1, 1)
    edition.refresh_from_db()
    assert edition.status == JobStatus.DONE
    merged = PdfReader(io.BytesIO(edition.file.read()))
    edition.file.close()
    assert len(merged.pages) >= 4  # cover + the one village report
    failed = batch.jobs.get(status=JobStatus.FAILED)
    failed.scope = second.code
    failed.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("reports:retry", args=[failed.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    edition.refresh_from_db()
    assert (batch.done, batch.failed) == (2, 0) and edition.status == JobStatus.DONE
    archive = zipfile.ZipFile(io.BytesIO(client_a.get(reverse("reports:download_zip", args=[edition.pk])).content))
    day = timezone.localdate().strftime("%Y%m%d")
    assert sorted(archive.namelist()) == [f"凌云乡-白果村-{day}.pdf", f"凌云乡-青龙村-{day}.pdf"]


def test_county_edition_lists_risks_by_township(world, county_staff, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.create_report_job(user=county_staff, kind="county", scope=world.county.code)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(job.file.read())).pages)
    job.file.close()
    assert "凌云乡" in text and "大和乡" in text and "青龙村" in text


def test_sweeper_requeues_stale_running_and_publishes_old_queued(world, secretary_a):
    old = timezone.now() - dt.timedelta(hours=1)
    stale = _village_job(world.village_a.code, secretary_a, status=JobStatus.RUNNING, attempts=1, started_at=old)
    queued = _village_job(world.village_b.code, secretary_a)
    # Queued past the requeue delay, not yet past the queue timeout: published again.
    ReportJob.objects.filter(pk=queued.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=5))
    summary = jobs.sweep_report_jobs()
    assert summary["requeued"] == 1 and summary["published"] == 2
    assert set(ReportJob.objects.values_list("status", flat=True)) == {JobStatus.DONE}
    stale.refresh_from_db()
    assert stale.attempts == 2


def test_broker_down_leaves_job_queued_without_error(world, client_a, settings, django_capture_on_commit_callbacks):
    settings.REPORT_RUNNER = "celery"
    with celery_broker("redis://127.0.0.1:9/0"):  # nothing listens on port 9
        response = _post_report(
            client_a, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code
        )
    assert response.status_code == 202
    assert ReportJob.objects.get().status == JobStatus.QUEUED
