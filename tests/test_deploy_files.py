"""Docker can't run here: check that the compose file parses and the image installs what reports need."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_file_has_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"web", "worker", "beat", "redis", "db"} <= set(compose["services"])
    web, worker = compose["services"]["web"], compose["services"]["worker"]
    assert "gunicorn" in web["command"] and worker["command"].startswith("celery -A backend worker")
    for service in (web, worker):
        assert {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"} <= set(service["environment"])
        assert service["env_file"] == ".env" and "media:/srv/media" in service["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]


def test_dockerfile_installs_report_dependencies_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in ("libharfbuzz-subset0", "fonts-noto-cjk", "fonts-hanazono", "libpango-1.0-0"):
        assert package in dockerfile
    assert "install_report_fonts" in dockerfile and "collectstatic" in dockerfile and "\nUSER app\n" in dockerfile
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
