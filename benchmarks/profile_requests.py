"""Where the CPU goes, per request kind of the load mix: each probe of `load_probes.py` run in process (Django's
test client against the real database, production settings, no HTTP server), one at a time.

    DATABASE_URL=postgres://…/h19base .venv/bin/python benchmarks/profile_requests.py LOAD_DIR \
        [--root CHECKOUT] [--rounds 9] [--json OUT] [--profile]

LOAD_DIR holds users.json from `load_setup.py` (the accounts of the load run). `--root` runs another checkout's
code against the same kind of database (the same-run baseline: an older commit in a git worktree). Per probe it
prints the median wall ms, the median CPU ms of this process (Python: views, templates, serializers, ORM), the
median time spent waiting on SQL and the number of queries; `--profile` adds, for the heaviest kinds, the top
functions (cProfile, cumulative, this project's code) and the slowest statements.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("load_dir", type=Path)
    parser.add_argument("--root", type=Path, default=HERE.parent, help="checkout whose code runs (default: this one)")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    parser.add_argument("--profile", action="store_true", help="cProfile and slowest SQL of the heaviest kinds")
    parser.add_argument("--only", default="", help="comma-separated parts of probe names to run (default: all)")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    parser.add_argument("--explain", action="store_true", help="with --profile: EXPLAIN ANALYZE the two slowest")
    return parser.parse_args()


class SqlClock:
    """A connection execute wrapper: counts statements and sums the time spent waiting on them."""

    def __init__(self) -> None:
        self.count, self.seconds = 0, 0.0
        self.by_statement: dict[str, float] = defaultdict(float)
        self.slowest: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.count += 1
            self.seconds += spent
            self.by_statement[re.sub(r"\s+", " ", sql)[:240]] += spent
            self.slowest = sorted([*self.slowest, (spent, sql, params)], key=lambda item: -item[0])[:2]


def main() -> None:
    args = parse()
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(args.root.resolve()))
    os.chdir(args.root)
    for name, value in {
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "profile-run-not-a-real-secret-0123456789abcdef0123456789",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "AXES_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)  # production settings serve hashed names
    from django.test import Client
    from load_probes import HEAVY, probes
    from rest_framework.authtoken.models import Token

    from villages.models import User

    users = json.loads((args.load_dir / "users.json").read_text())
    clients = {}
    for who, key in (("secretary", "secretaries"), ("county", "county_staff")):
        clients[who] = Client(HTTP_X_FORWARDED_PROTO="https")
        clients[who].force_login(User.objects.get(username=users[key][0]["username"]))
    api_user = User.objects.get(username=users["api_readers"][0]["username"])
    token, _ = Token.objects.get_or_create(user=api_user)
    clients["api"] = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_FORWARDED_PROTO="https")

    results = {}
    warmth = "cache emptied before each request" if args.cold else "cache kept between requests"
    print(f"code: {args.root.resolve()} · database: {connection.vendor} {connection.settings_dict['NAME']} · {warmth}")
    print("| request (one client, in process) | wall ms | CPU ms (Python) | SQL ms | queries |")
    print("|---|---:|---:|---:|---:|")
    chosen = [p for p in probes(users) if not args.only or any(part in p[1] for part in args.only.split(","))]
    for who, name, path in chosen:
        client = clients[who]
        walls, cpus, sqls, counts = [], [], [], []
        for n in range(args.rounds + 1):
            if args.cold:
                cache.clear()
            clock = SqlClock()
            wall, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(clock):
                response = client.get(path)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert response.status_code == 200, (name, response.status_code)
            if n:  # the first round warms templates, connections and caches
                walls.append(wall * 1000)
                cpus.append(cpu * 1000)
                sqls.append(clock.seconds * 1000)
                counts.append(clock.count)
        row = {
            "wall_ms": statistics.median(walls),
            "cpu_ms": statistics.median(cpus),
            "sql_ms": statistics.median(sqls),
            "queries": max(counts),
        }
        results[name] = row
        print(
            f"| {name} | {row['wall_ms']:.0f} | {row['cpu_ms']:.0f} | {row['sql_ms']:.0f} | {row['queries']} |",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    if args.profile:
        for who, name, path in chosen:
            if name in HEAVY or args.only:
                profile_one(clients[who], name, path, args.root.resolve(), connection, explain=args.explain)


def profile_one(client, name: str, path: str, root: Path, connection, *, explain: bool) -> None:
    clock = SqlClock()
    profiler = cProfile.Profile()
    with connection.execute_wrapper(clock):
        profiler.enable()
        client.get(path)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(rf"^{re.escape(str(root))}/(?!\.venv)", 14)
    print(f"\n### {name} `{path}` ({clock.count} queries, {clock.seconds * 1000:.0f} ms SQL)\n")
    print("```")
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    print("\n".join(line.replace(str(root) + "/", "") for line in lines[-16:]))
    for sql, spent in sorted(clock.by_statement.items(), key=lambda item: -item[1])[:3]:
        print(f"SQL {spent * 1000:6.1f} ms  {sql}")
    print("```")
    if explain and connection.vendor == "postgresql":
        for spent, sql, params in clock.slowest:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\nPlan of the {spent * 1000:.0f} ms statement:\n\n```\n{sql[:600]}\n{plan}\n```")


if __name__ == "__main__":
    main()
