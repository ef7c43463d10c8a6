"""Faults: the database briefly unavailable (clear 503, recovery without restart) and Redis stopped (the UI and
API keep working; report requests wait QUEUED and are picked up when Redis returns, docs/operations.md).

A Celery worker killed mid-report losing no job is tested with the report jobs (tests/test_reports_*.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import psycopg
import pytest
import requests
from botocore.config import Config
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import live_stack

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="database outages are simulated on PostgreSQL (CI sets DATABASE_URL); SQLite has no server to lose",
)


# ---- the database briefly unavailable ----


@pytest.fixture
def database_outage(transactional_db):
    """Point the default connection at a loopback port where nothing listens, as if PostgreSQL were down."""

    @contextmanager
    def outage():
        wrapper = connections["default"]
        saved = dict(wrapper.settings_dict)
        wrapper.close()
        wrapper.settings_dict.update(HOST="127.0.0.1", PORT=str(live_stack.free_port()))
        try:
            yield
        finally:
            wrapper.close()
            wrapper.settings_dict.update(HOST=saved["HOST"], PORT=saved["PORT"])

    return outage


@pytest.fixture
def browser_a(secretary_a) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(secretary_a)
    return client


@postgres_only
def test_pages_answer_a_clear_503_while_the_database_is_down_then_recover(browser_a, database_outage):
    url = reverse("villages:people")
    assert browser_a.get(url).status_code == 200

    with database_outage():
        response = browser_a.get(url)
        assert response.status_code == 503
        html = response.content.decode()
        assert "服务暂时不可用" in html and "数据库暂时不可用" in html
        assert response["Retry-After"] == "30"
        assert "default-src 'self'" in response["Content-Security-Policy"]

    assert browser_a.get(url).status_code == 200


@postgres_only
def test_api_answers_json_503_while_the_database_is_down_then_recovers(secretary_a, database_outage):
    token = Token.objects.create(user=secretary_a).key
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/villages/").status_code == 200

    with database_outage():
        response = client.get("/api/v1/villages/")
        assert response.status_code == 503
        assert response.json() == {"detail": "数据库暂时不可用，请稍后重试。"}

    assert client.get("/api/v1/villages/").status_code == 200


@postgres_only
def test_healthz_reports_the_database_outage(database_outage):
    client = Client(raise_request_exception=False)
    assert client.get("/healthz").json()["checks"]["database"] == "ok"

    with database_outage():
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert response.json()["checks"]["database"] == "unavailable"

    assert client.get("/healthz").status_code == 200


def test_healthz_needs_no_login_and_names_components_only(client, db):
    body = client.get("/healthz").json()
    assert body["checks"]["database"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "storage", "harfbuzz"}
    assert body["checks"]["storage"] == "ok"


def test_healthz_says_when_the_storage_cannot_be_reached(client, db, settings, tmp_path):
    """A bucket that does not answer (here: an S3 endpoint where nothing listens) degrades, it does not 503."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "reports",
                "endpoint_url": "http://127.0.0.1:9",
                "access_key": "x",
                "secret_key": "y",
                "region_name": "us-east-1",
                "client_config": Config(connect_timeout=0.5, retries={"max_attempts": 0}),
            },
        },
    }
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["checks"]["storage"] == "unavailable"
    assert body["status"] == "degraded"


# ---- Redis stopped ----


@pytest.fixture(scope="module")
def live_database(tmp_path_factory):
    """A seeded database of the same engine as the tests, for gunicorn and worker processes."""
    tmp = tmp_path_factory.mktemp("faults")
    with live_stack.seeded_database(tmp) as database_url:
        yield {"url": database_url, "tmp": tmp}


@postgres_only
def test_dropped_connections_are_replaced_without_a_failed_request(live_database):
    """PostgreSQL restarted or failed over between requests: gunicorn's persistent connections are checked
    (CONN_HEALTH_CHECKS) and replaced at the next request, without a restart and without an error."""
    url, tmp = live_database["url"], live_database["tmp"]
    with live_stack.gunicorn(url, log=tmp / "gunicorn-drop.log", workers=1) as base:
        session = logged_in_session(base, "county")
        people = base + reverse("villages:people")
        assert session.get(people, timeout=30).status_code == 200
        dbname = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()) AS t",
                [dbname],
            ).fetchone()[0]
        assert killed >= 1

        assert session.get(people, timeout=30).status_code == 200
        assert requests.get(base + "/healthz", timeout=30).json()["checks"]["database"] == "ok"


@pytest.fixture(scope="module")
def redis_down_stack(live_database):
    """gunicorn whose REDIS_URL points at a loopback port where nothing listens."""
    tmp = live_database["tmp"]
    redis_port = live_stack.free_port()
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "API_THROTTLE_USER": "10000/min",
        "MEDIA_ROOT": str(tmp / "media"),
    }
    with live_stack.gunicorn(live_database["url"], log=tmp / "gunicorn.log", **env) as base:
        yield {"base": base, "database_url": live_database["url"], "redis_port": redis_port, "tmp": tmp, "env": env}


def logged_in_session(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    response = session.post(
        f"{base}/login/",
        data={
            "username": username,
            "password": live_stack.DEMO_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=30,
    )
    assert response.status_code == 200 and "/login/" not in response.url, response.text[:500]
    return session


def first_village_code(base: str, token: str) -> str:
    response = requests.get(f"{base}/api/v1/villages/", headers={"Authorization": f"Token {token}"}, timeout=30)
    response.raise_for_status()
    return response.json()["results"][0]["code"]


@pytest.mark.worker
def test_with_redis_down_pages_and_api_keep_working(redis_down_stack):
    base = redis_down_stack["base"]
    health = requests.get(f"{base}/healthz", timeout=30)
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["checks"]["redis"] == "unavailable"

    session = logged_in_session(base, "county")
    for name in ["dashboards:dashboard", "villages:people", "villages:risks", "villages:audit", "villages:counties"]:
        response = session.get(base + reverse(name), timeout=30)
        assert response.status_code == 200, (name, response.status_code)

    token = live_stack.api_token(base, "county")
    headers = {"Authorization": f"Token {token}"}
    for path in ["villages/", "people/", "posts/", "risks/", "reports/"]:
        assert requests.get(f"{base}/api/v1/{path}", headers=headers, timeout=30).status_code == 200, path


@pytest.mark.worker
def test_report_requested_while_redis_is_down_waits_queued_and_is_done_when_redis_returns(redis_down_stack):
    stack = redis_down_stack
    base = stack["base"]
    token = live_stack.api_token(base, "township")
    headers = {"Authorization": f"Token {token}"}
    village = first_village_code(base, token)

    started = time.monotonic()
    created = requests.post(
        f"{base}/api/v1/reports/", json={"kind": "village", "scope": village}, headers=headers, timeout=30
    )
    assert created.status_code == 202, created.text
    assert time.monotonic() - started < 5  # the broker being down does not hang the request
    job_url = f"{base}/api/v1/reports/{created.json()['id']}/"
    time.sleep(2)
    waiting = requests.get(job_url, headers=headers, timeout=30).json()
    assert waiting["status"] == "queued" and waiting["error"] == ""

    worker_env = stack["env"] | {"REPORT_REQUEUE_AFTER_SECONDS": "0"}
    with (
        live_stack.redis_server(stack["redis_port"]),
        live_stack.celery_worker(stack["database_url"], log=stack["tmp"] / "worker.log", **worker_env),
    ):
        live_stack.wait_for(
            lambda: requests.get(job_url, headers=headers, timeout=30).json()["status"] in {"done", "failed"},
            timeout=240,
            what="the queued report to be picked up",
        )
    job = requests.get(job_url, headers=headers, timeout=30).json()
    assert job["status"] == "done", job
    # The file is served to a logged-in user who may see the scope (session, like the report page's link).
    pdf = logged_in_session(base, "township").get(requests.compat.urljoin(base, job["file_url"]), timeout=60)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@postgres_only
@pytest.mark.django_db
def test_input_the_database_cannot_hold_is_a_400_not_a_500(secretary_a):
    """PostgreSQL refuses NUL characters in text: a filter or field carrying one is the client's error."""
    token = Token.objects.create(user=secretary_a).key
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")

    for path in ("/api/v1/villages/", "/api/v1/reserves/", "/api/v1/elections/"):
        response = client.get(path, {"township": "5119\x00"})
        assert response.status_code == 400, path
        assert set(response.json()) <= {"non_field_errors", "township"}, path  # a 400 names the field or the request
