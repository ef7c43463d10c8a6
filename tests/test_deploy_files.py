"""Docker can't run here: check that the compose file parses and the image installs what reports need."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_has_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker-reports", "worker-fast", "beat", "redis", "db"} <= set(services)
    web, workers = services["web"], [services["worker-reports"], services["worker-fast"]]
    assert "gunicorn" in web["command"]
    for service in (web, *workers, services["beat"]):
        assert {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"} <= set(service["environment"])
        assert service["env_file"] == ".env" and "media:/srv/media" in service["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]


def test_compose_workers_cover_every_queue_and_keep_reports_apart():
    """worker-reports consumes reports only, worker-fast the rest: every queue has a worker, and a report batch
    never occupies the worker of imports and risk evaluation."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    queues = {}
    for name in ("worker-reports", "worker-fast"):
        command = services[name]["command"].split()
        assert command[:4] == ["celery", "-A", "backend", "worker"]
        queues[name] = set(command[command.index("-Q") + 1].split(","))
    assert queues == {"worker-reports": {"reports"}, "worker-fast": {"imports", "risk", "default"}}
    assert set().union(*queues.values()) == set(settings.WORKER_QUEUES)


def test_dockerfile_installs_report_dependencies_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in ("libharfbuzz-subset0", "fonts-noto-cjk", "fonts-hanazono", "libpango-1.0-0"):
        assert package in dockerfile
    assert "install_report_fonts" in dockerfile and "collectstatic" in dockerfile and "\nUSER app\n" in dockerfile
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
