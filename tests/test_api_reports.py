"""Report files through the API: downloadable with the token (and a session) under a readable name; `as_of` set."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tasks.models import ReportJob, ReportKind
from tasks.reports import jobs
from tests.reports_support import populate_village

API = "/api/v1"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _sync_runner(settings, tmp_path):
    settings.REPORT_RUNNER = "sync"
    settings.REPORT_COMPARISON_CACHE_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"


def _token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def _request_report(client: Client, django_capture_on_commit_callbacks, **body) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/reports/", body, content_type=JSON)
    assert response.status_code == 202, response.content
    return client.get(f"{API}/reports/{response.json()['id']}/").json()


def test_token_client_downloads_the_pdf_under_a_readable_name(world, secretary_a, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    client = _token_client(secretary_a)
    job = _request_report(
        client, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code, as_of="2026-12-11"
    )
    assert job["status"] == "done" and job["file_url"] == f"http://testserver{API}/reports/{job['id']}/file/"
    response = client.get(job["file_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == job["sha256"]
    name = "凌云乡-青龙村-换届前村情报告-2026-12-11.pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"village-{world.village_a.code}-2026-12-11.pdf\"; filename*=utf-8''{quote(name)}"
    )


def test_session_downloads_the_same_file(world, client_a, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    job = _request_report(client_a, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code)
    response = client_a.get(job["file_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_outsider_token_gets_404_and_unfinished_file_is_404(world, secretary_a, secretary_b):
    job = ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=world.village_a.code, created_by=secretary_a)
    assert _token_client(secretary_b).get(f"{API}/reports/{job.pk}/file/").status_code == 404
    unfinished = _token_client(secretary_a).get(f"{API}/reports/{job.pk}/file/")
    assert unfinished.status_code == 404 and unfinished.json() == {"detail": "报告尚未生成"}


def test_anonymous_download_is_401(world, secretary_a):
    job = ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=world.village_a.code, created_by=secretary_a)
    assert Client().get(f"{API}/reports/{job.pk}/file/").status_code == 401


def test_report_has_number_and_verification_keys(world, client_a, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    job = _request_report(client_a, django_capture_on_commit_callbacks, kind="village", scope=world.village_a.code)
    assert {"number", "verification"} <= set(job)


def test_as_of_left_out_is_the_coming_election_date(world, secretary_a):
    world.village_a.planned_election_on = timezone.localdate() + dt.timedelta(days=30)
    world.village_a.save()
    job = jobs.create_report_job(user=secretary_a, kind=ReportKind.VILLAGE, scope=world.village_a.code)
    assert job.as_of == world.village_a.planned_election_on


def test_as_of_left_out_falls_back_to_the_county_date_then_today(world, secretary_a):
    world.county.planned_election_on = timezone.localdate() + dt.timedelta(days=10)
    world.county.save()
    job = jobs.create_report_job(user=secretary_a, kind=ReportKind.VILLAGE, scope=world.village_a.code)
    assert job.as_of == world.county.planned_election_on
    world.county.planned_election_on = dt.date(2021, 3, 1)  # past: not a coming election
    world.county.save()
    job = jobs.create_report_job(user=secretary_a, kind=ReportKind.VILLAGE, scope=world.village_a.code)
    assert job.as_of == timezone.localdate()


def test_a_township_edition_and_its_villages_share_one_date(world, secretary_a, settings):
    settings.REPORT_RUNNER = "thread"  # not run: only the jobs are looked at
    edition = jobs.create_report_job(user=secretary_a, kind=ReportKind.TOWNSHIP, scope=world.township_a.code)
    dates = set(ReportJob.objects.filter(batch_id=edition.batch_id).values_list("as_of", flat=True))
    assert dates == {timezone.localdate()} and edition.batch.as_of == timezone.localdate()


@pytest.mark.django_db(transaction=True)
def test_jobs_from_before_the_rule_get_the_day_they_were_requested(world, secretary_a):
    call_command("migrate", "tasks", "0003", verbosity=0)
    # The job as that schema knows it (later migrations add columns the current model would write).
    state = MigrationExecutor(connection).loader.project_state(("tasks", "0003_reportjob_run_state"))
    old_job = state.apps.get_model("tasks", "ReportJob")
    created = old_job.objects.create(kind=ReportKind.VILLAGE, scope=world.village_a.code, created_by_id=secretary_a.pk)
    call_command("migrate", "tasks", verbosity=0)
    job = ReportJob.objects.get(pk=created.pk)
    assert job.as_of == timezone.localdate(job.created_at)
