"""Run every benchmark once, one after another, against one `seed_demo --scale city` SQLite database.

Run: `make bench` (or `.venv/bin/python benchmarks/run_all.py [--db /tmp/bench-city.sqlite3] [--only risk,api]`).
Each script prints its own table; docs/benchmarks.md records results by hand with the machine's load average,
because the numbers only mean something next to the baseline measured in the same run.
PostgreSQL runs: see each script's docstring (`--pg URL` or `DATABASE_URL=postgres://…`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def steps(db: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    url = f"sqlite:///{db}"
    return {
        "risk": (["bench_risk.py"], {"DATABASE_URL": url}),
        "api": (["bench_api.py", "--db", url], {}),
        "dashboards": (["bench_dashboards.py", "--db", url], {}),
        "pipeline": (["bench_pipeline.py", "--db", db], {}),
        "import": (["bench_import.py", "--db", db], {}),
        "reports": (["bench_reports.py"], {"DATABASE_URL": url}),
        "structure": (["bench_structure.py", "--db", url], {}),
        "seed": (["bench_seed.py"], {}),
        "pool": (["bench_pool.py", "--db", url], {}),
    }


def ensure_seeded(db: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    for command in (["migrate", "--noinput"], ["seed_demo", "--scale", "city"]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="/tmp/bench-city.sqlite3")
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(steps("x")))
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name] or list(steps(args.db))
    ensure_seeded(args.db)
    failed = []
    for name in chosen:
        script, extra_env = steps(args.db)[name]
        print(f"\n=== {name}: {' '.join(script)}", flush=True)
        result = subprocess.run(
            [PYTHON, f"benchmarks/{script[0]}", *script[1:]], cwd=ROOT, env={**os.environ, **extra_env}
        )
        if result.returncode:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
