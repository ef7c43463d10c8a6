"""What the application's PostgreSQL connections are told (backend/settings.py)."""

from __future__ import annotations

import dj_database_url
import pytest
from django.db import connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting (CI sets DATABASE_URL)")
def test_the_connection_runs_without_jit(db):
    """JIT compiled a 30 ms dashboard statement for 0.5 s at province scale (docs/benchmarks.md, issue 18)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_options_given_in_the_database_url_are_kept(settings_under_env):
    url = "postgres://u@127.0.0.1:5432/x?options=-c%20statement_timeout%3D30000"
    assert dj_database_url.parse(url)["OPTIONS"]["options"] == "-c statement_timeout=30000"
    reloaded = settings_under_env(DATABASE_URL=url)
    assert reloaded.DATABASES["default"]["OPTIONS"]["options"] == "-c statement_timeout=30000 -c jit=off"
