"""Report files and uploads on shared storage (STORAGE_BACKEND=s3): two gunicorn processes and two Celery workers
that share nothing but PostgreSQL, Redis and an S3-compatible server (moto's standalone server, a real process on
a free port). Each process has its own empty MEDIA_ROOT, so anything written to or read from a local path fails.

A report requested on web 1 is rendered by a worker and downloaded from web 2 (a real PDF, scope-checked); a risk
attachment uploaded on web 1 is downloaded from web 2; a roster workbook uploaded on web 1 is read by a worker;
the bucket holds the files, privately, and no local media directory holds anything. The settings: the local file
system by default, a private S3 bucket with STORAGE_BACKEND=s3, a refused start when that cannot work.
"""

from __future__ import annotations

import io
import runpy
import time
from contextlib import ExitStack
from pathlib import Path

import boto3
import pytest
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from tasks.models import ImportJob, JobStatus, ReportJob
from tests import live_stack
from tests.reports_support import populate_village
from tests.workbooks import build, person_row
from villages.models import Risk
from villages.risk import recompute_risks

live_only = pytest.mark.skipif(
    not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (the shared-nothing stack of production)",
)
SETTINGS = Path(__file__).resolve().parent.parent / "backend" / "settings.py"

BUCKET = "village-reports-test"
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}
ATTACHMENT = b"%PDF-1.4\n% a rectification photo stand-in\n%%EOF\n"


def _wait_json(url: str, headers: dict[str, str], done, *, timeout: float, what: str) -> dict:
    found: dict = {}

    def check() -> bool:
        found.update(requests.get(url, headers=headers, timeout=30).json())
        return done(found)

    live_stack.wait_for(check, timeout=timeout, what=what)
    return found


def _files_under(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


def _signed_in(base: str, user, client: Client) -> requests.Session:
    """A browser session on `base` for `user`: Django's session row (shared database) and a CSRF cookie."""
    client.force_login(user)
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _settings_with(monkeypatch, **env: str) -> dict:
    for name in ("STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_default_storage_stays_the_local_file_system(monkeypatch):
    assert _settings_with(monkeypatch)["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_s3_storage_is_private_and_never_overwrites(monkeypatch):
    configured = _settings_with(
        monkeypatch, STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="files", AWS_S3_ENDPOINT_URL="http://minio:9000"
    )["STORAGES"]["default"]
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    options = configured["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"]) == ("files", "http://minio:9000")
    assert options["default_acl"] is None and options["querystring_auth"] and not options["file_overwrite"]


@pytest.mark.parametrize("env", [{"STORAGE_BACKEND": "s3"}, {"STORAGE_BACKEND": "nfs"}])
def test_a_storage_setting_that_cannot_work_stops_the_start(monkeypatch, env):
    with pytest.raises(ImproperlyConfigured):
        _settings_with(monkeypatch, **env)


def test_a_file_gone_from_storage_is_a_404_not_a_500(client_a, world, secretary_a):
    """Expired by a bucket lifecycle rule, or a database restored without its files: the download says so."""
    job = ReportJob.objects.create(
        kind="village",
        scope=world.village_a.code,
        status=JobStatus.DONE,
        file="reports/gone.pdf",
        created_by=secretary_a,
    )
    populate_village(world.village_a)
    recompute_risks()
    risk = Risk.objects.filter(village=world.village_a).first()
    assert risk is not None
    Risk.objects.filter(pk=risk.pk).update(attachment="risk-attachments/gone.pdf")
    for url in (
        reverse("reports:download", args=[job.pk]),
        f"/api/v1/reports/{job.pk}/file/",
        reverse("villages:risk_attachment", args=[risk.pk]),
    ):
        assert client_a.get(url, headers={"Accept": "application/pdf"}).status_code == 404, url


@pytest.mark.worker
@pytest.mark.slow
@live_only
def test_two_webs_and_two_workers_share_reports_and_uploads_through_s3_only(
    transactional_db, world, secretary_a, secretary_b, county_staff, tmp_path
):
    populate_village(world.village_a)
    recompute_risks()
    tokens = {user: Token.objects.create(user=user).key for user in (secretary_a, secretary_b)}
    database_url = live_stack.current_database_url()
    media = {name: tmp_path / f"media-{name}" for name in ("web1", "web2", "worker1", "worker2")}
    for directory in media.values():
        directory.mkdir()
    with ExitStack() as stack:
        endpoint = stack.enter_context(live_stack.moto_server(log=tmp_path / "moto.log"))
        credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket=BUCKET)
        broker = stack.enter_context(live_stack.redis_server(live_stack.free_port()))
        shared = {
            **credentials,
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "REDIS_URL": broker,
            "REPORT_RUNNER": "celery",
            "ROSTER_IMPORT_INLINE_MAX_ROWS": "0",  # every roster import goes to a worker
            "AXES_ENABLED": "0",
            "API_THROTTLE_USER": "10000/min",
        }
        for n in (1, 2):
            stack.enter_context(
                live_stack.celery_worker(
                    database_url, log=tmp_path / f"worker{n}.log", MEDIA_ROOT=str(media[f"worker{n}"]), **shared
                )
            )
        web1, web2 = (
            stack.enter_context(
                live_stack.gunicorn(
                    database_url, log=tmp_path / f"web{n}.log", workers=1, MEDIA_ROOT=str(media[f"web{n}"]), **shared
                )
            )
            for n in (1, 2)
        )
        logs = lambda: "\n".join(p.read_text()[-2000:] for p in sorted(tmp_path.glob("*.log")))  # noqa: E731

        # A report requested on web 1, rendered by a worker, downloaded from web 2.
        started = time.monotonic()
        headers = {"Authorization": f"Token {tokens[secretary_a]}"}
        village = world.village_a.code
        created = requests.post(
            f"{web1}/api/v1/reports/", json={"kind": "village", "scope": village}, headers=headers, timeout=30
        )
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        job = _wait_json(
            f"{web2}/api/v1/reports/{job_id}/",
            headers,
            lambda j: j.get("status") in {"done", "failed"},
            timeout=120,
            what="the report to be rendered",
        )
        assert job["status"] == "done", (job, logs())
        rendered_in = time.monotonic() - started
        pdf = requests.get(
            f"{web2}/api/v1/reports/{job_id}/file/", headers=headers | {"Accept": "application/pdf"}, timeout=60
        )
        assert pdf.status_code == 200, pdf.text[:500]
        assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        assert len(PdfReader(io.BytesIO(pdf.content)).pages) >= 1
        assert pdf.headers["Content-Length"] == str(len(pdf.content))

        # The scope check holds on the other web process: an outsider gets 404, no credentials 401.
        outsider = {"Authorization": f"Token {tokens[secretary_b]}"}
        assert requests.get(f"{web2}/api/v1/reports/{job_id}/file/", headers=outsider, timeout=30).status_code == 404
        assert requests.get(f"{web2}/api/v1/reports/{job_id}/file/", timeout=30).status_code == 401
        page_download = _signed_in(web2, county_staff, Client()).get(
            web2 + reverse("reports:download", args=[job_id]), timeout=60
        )
        assert page_download.status_code == 200 and page_download.content == pdf.content

        # A risk attachment uploaded through web 1 is served by web 2.
        risks = requests.get(f"{web1}/api/v1/risks/", headers=headers, timeout=30).json()["results"]
        risk = next(r for r in risks if r["is_active"] and r["review_status"] in {"open", "in_progress"})
        secretary = _signed_in(web1, secretary_a, Client())
        answered = secretary.post(
            web1 + reverse("villages:risk_answer", args=[risk["id"]]),
            data={
                "action_taken": "已召开支委会研究整改",
                "version": risk["version"],
                "csrfmiddlewaretoken": secretary.cookies["csrftoken"],
            },
            files={"attachment": ("整改照片.pdf", ATTACHMENT, "application/pdf")},
            timeout=30,
        )
        assert answered.status_code == 200, answered.text[:1000]
        attachment = _signed_in(web2, county_staff, Client()).get(
            web2 + reverse("villages:risk_attachment", args=[risk["id"]]), timeout=30
        )
        assert attachment.status_code == 200 and attachment.content == ATTACHMENT
        assert requests.get(
            f"{web2}/api/v1/risks/{risk['id']}/", headers=outsider, timeout=30
        ).status_code == 404  # fmt: skip

        # A roster workbook uploaded through web 1 is read by a worker (the import's preview).
        township = world.township_a.code
        rows = [person_row(seq=n, 姓名=f"导入{n}", 村名称="不存在村") for n in (1, 2, 3)]
        uploaded = secretary.post(
            web1 + reverse("imports:roster_import", args=[township]),
            data={"csrfmiddlewaretoken": secretary.cookies["csrftoken"]},
            files={"file": ("花名册.xlsx", build(rows), "application/octet-stream")},
            timeout=30,
        )
        assert uploaded.status_code == 200, uploaded.text[:1000]

        live_stack.wait_for(
            lambda: ImportJob.objects.filter(status__in=["done", "failed"]).exists(),
            timeout=60,
            what="the import preview on a worker",
        )
        imported = ImportJob.objects.get()
        assert (imported.status, imported.total_rows, imported.error) == ("done", 3, ""), logs()

        # Everything is in the bucket, privately; no process wrote a local file.
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        assert {key.split("/")[0] for key in keys} == {"reports", "risk-attachments", "imports"}, keys
        for key in keys:
            grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
            assert not {g["Grantee"].get("URI") for g in grants} & PUBLIC_GROUPS, (key, grants)
        assert {name: _files_under(d) for name, d in media.items()} == {name: [] for name in media}
        assert rendered_in < 60, rendered_in
