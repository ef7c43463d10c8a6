"""Real Celery workers for tests: a worker process against the PostgreSQL test database and a Redis broker of this
test process's own (db 6 for the first pytest-xdist process, 7 for the second …). Used by the report worker tests
(tests/test_reports_worker.py) and the risk worker test (tests/test_risk_worker.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.reports_support import ROOT

BROKER_DB = 6 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 10
# Every queue a worker of this project consumes (docs/operations.md): a worker started here takes them all.
ALL_QUEUES = "default,reports,imports,risk"

needs_worker_stack = pytest.mark.skipif(
    not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (the worker must reach the test database)",
)


def broker_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def start_worker(broker: str, media: Path, log: Path, *, queues: str = ALL_QUEUES, **env: str) -> subprocess.Popen:
    """A prefork worker (concurrency 1) in its own process group, consuming `queues` (`celery worker -Q`)."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "MEDIA_ROOT": str(media),
        "REPORT_COMPARISON_CACHE_SECONDS": "0",
        "AXES_ENABLED": "0",
        **env,
    }
    command = [
        str(ROOT / ".venv/bin/celery"), "-A", "backend", "worker", "--pool=prefork", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"h6-{uuid.uuid4().hex[:8]}@%h",
        "--loglevel=INFO", "-Q", queues,
    ]  # fmt: skip
    handle = log.open("ab")
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=handle, stderr=handle, start_new_session=True)


def stop_worker(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)
