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

from tests.live_stack import current_database_url, worker_queues
from tests.reports_support import ROOT

BROKER_DB = 6 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 10

needs_worker_stack = pytest.mark.skipif(
    not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (the worker must reach the test database)",
)


def broker_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


def start_worker(broker: str, media: Path, log: Path, **env: str) -> subprocess.Popen:
    """A prefork worker (concurrency 1) in its own process group, consuming every queue (`-Q` `worker_queues()`)."""
    environment = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "REDIS_URL": broker,
        "MEDIA_ROOT": str(media),
        "REPORT_COMPARISON_CACHE_SECONDS": "0",
        "AXES_ENABLED": "0",
        **env,
    }
    command = [
        str(ROOT / ".venv/bin/celery"), "-A", "backend", "worker", "--pool=prefork", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"h6-{uuid.uuid4().hex[:8]}@%h",
        "--loglevel=INFO", "-Q", worker_queues(),
    ]  # fmt: skip
    handle = log.open("ab")
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=handle, stderr=handle, start_new_session=True)


def stop_worker(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)
