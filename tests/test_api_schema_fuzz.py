"""The OpenAPI schema matches reality: schemathesis fuzzes every operation of a live server with demo data, as each
of the three demo roles (token auth), and finds no server error and no response that violates the schema.

Bounded for CI: SCHEMA_FUZZ_SECONDS per role (default 40) and a fixed seed (SCHEMA_FUZZ_SEED) so a failure is
reproducible; the report names the failing operation and a curl command. The server runs with Redis pointing at
a closed port, so requested reports stay queued instead of rendering PDFs during the run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests import live_stack

FUZZ_SECONDS = os.environ.get("SCHEMA_FUZZ_SECONDS", "40")
FUZZ_SEED = os.environ.get("SCHEMA_FUZZ_SEED", "20261127")
CHECKS = "not_a_server_error,response_schema_conformance"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("schema_fuzz")
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{live_stack.free_port()}/0",
        "API_THROTTLE_USER": "100000/min",
        "API_THROTTLE_ANON": "100000/min",
        "MEDIA_ROOT": str(tmp / "media"),
    }
    with (
        live_stack.seeded_database(tmp) as database_url,
        live_stack.gunicorn(database_url, log=tmp / "gunicorn.log", workers=2, **env) as base,
    ):
        yield {"base": base, "tmp": tmp}


@pytest.mark.parametrize("username", live_stack.DEMO_USERS)
def test_schema_holds_under_fuzzing(server, username):
    base, tmp = server["base"], Path(server["tmp"])
    token = live_stack.api_token(base, username)
    result = subprocess.run(
        [
            str(live_stack.BIN / "schemathesis"),
            "run",
            f"{base}/api/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "5",
            "--max-time",
            FUZZ_SECONDS,
            "--seed",
            FUZZ_SEED,
            # The token endpoints would revoke the very token the run authenticates with.
            "--exclude-path-regex",
            "auth/token",
            "--request-timeout",
            "30",
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp / f"report-{username}"),
        ],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=int(FUZZ_SECONDS) * 4 + 120,
    )
    summary = result.stdout[-6000:]
    assert result.returncode == 0, f"schemathesis as {username}:\n{summary}\n{result.stderr[-2000:]}"
    assert "Tested:" in result.stdout
