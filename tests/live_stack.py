"""A real stack for fault, fuzz and shared-storage tests: a seeded database of its own, gunicorn, and optionally
Redis, Celery workers and an S3-compatible server (moto).

The database is a fresh SQLite file, or, when DATABASE_URL names PostgreSQL (CI), a fresh PostgreSQL database
next to the test database, migrated and loaded with `seed_demo --scale small` once per test session.
Servers listen on free loopback ports and are stopped by the fixture that started them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = ("township", "county", "city")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _admin_sql(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def stack_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a stack process: the project's defaults, this database, no inherited Redis."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env |= {"DATABASE_URL": database_url, "DJANGO_DEBUG": "1", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    return env | extra


def manage(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=stack_env(database_url, **env),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )


@contextmanager
def seeded_database(tmp_dir: Path) -> Iterator[str]:
    """A migrated database with the small demo data; yields its DATABASE_URL and drops it afterwards."""
    base = os.environ.get("DATABASE_URL", "")
    if is_postgres(base):
        name = f"h8_live_{os.getpid()}"
        _admin_sql(base, f'DROP DATABASE IF EXISTS "{name}"')
        _admin_sql(base, f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    else:
        url = f"sqlite:///{tmp_dir / 'live.sqlite3'}"
    try:
        manage(url, "migrate", "--noinput")
        manage(url, "seed_demo", "--scale", "small")
        yield url
    finally:
        if is_postgres(base):
            _admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise TimeoutError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True  # answering, even with an error status
    except OSError:
        return False
    return True


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(database_url: str, *, log: Path, workers: int = 2, **env: str) -> Iterator[str]:
    """gunicorn serving the project on a free port; yields the base URL."""
    port = free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "backend.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "60"],
            cwd=ROOT,
            env=stack_env(database_url, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is None and _answers(base + "/healthz"), timeout=60, what="gunicorn")
        yield base
    finally:
        stop(process)


@contextmanager
def redis_server(port: int) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on `port`; yields its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed")
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _port_open(port), timeout=20, what="redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def moto_server(*, log: Path) -> Iterator[str]:
    """moto's standalone S3-compatible server on a free port (in-memory, gone when stopped); yields its URL."""
    port = free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: process.poll() is None and _port_open(port), timeout=30, what="moto_server")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def worker_queues() -> str:
    """Every queue (`-Q default,reports,imports,risk`): a test worker does all kinds of work (settings)."""
    from django.conf import settings

    return ",".join(settings.WORKER_QUEUES)


@contextmanager
def celery_worker(
    database_url: str, *, log: Path, queues: Sequence[str] = (), **env: str
) -> Iterator[subprocess.Popen]:
    """A solo Celery worker consuming `queues` (all of them by default) under a name of its own."""
    command = [
        str(BIN / "celery"), "-A", "backend", "worker", "-P", "solo", "--loglevel=INFO", "--without-heartbeat",
        "-Q", ",".join(queues) or worker_queues(), "-n", f"live-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=stack_env(database_url, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        stop(process)


def api_token(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        base + "/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def current_database_url() -> str:
    """The URL of the PostgreSQL test database this pytest process uses (for workers that must reach it)."""
    from django.db import connection

    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
