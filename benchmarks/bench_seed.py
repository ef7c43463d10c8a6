"""Benchmark `seed_demo --scale city` on a fresh SQLite file and (when reachable) a fresh PostgreSQL database.

Run: `.venv/bin/python benchmarks/bench_seed.py [--pg postgres://postgres@127.0.0.1:5432/h2]`

Records wall time and peak memory (max RSS) of the seeding process, and as the named baseline the time of a bare
`Person.objects.bulk_create` of the same number of rows (no generation, no history, no other tables) on the same
database in the same run. Migrations are not timed.

`--scale province --pg URL` (issue 18 part 2): PostgreSQL only, one run of `seed_demo --scale province` on a fresh
database that is left in place (the province benchmarks use it); prints the command's wall and CPU time (user +
system of the seeding process; the machine is shared, so CPU time is the figure that load does not inflate), peak
RSS, the time of the seeding and of every after-seed hook, the load average before and after, and row counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/h2"


def run_timed(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a child process; return (wall seconds, max RSS in MiB, stdout)."""
    seconds, rss, _, out = run_measured(args, env)
    return seconds, rss, out


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, int, float, str]:
    """Run a child process; return (wall seconds, max RSS in MiB, CPU seconds (user + system), stdout)."""
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed with {child.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime, out


def fresh_postgres(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return False
    return True


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, stderr=subprocess.DEVNULL
    )


def bench(label: str, url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "backend.settings"}
    migrate(env)
    seconds, rss, out = run_timed([PYTHON, "manage.py", "seed_demo", "--scale", "city"], env)
    people = int(out.split("people ")[1].split(",")[0])
    migrate_fresh(label, url)
    _, _, base_out = run_timed([PYTHON, __file__, "--baseline", str(people)], env)
    baseline = float(base_out.strip().splitlines()[-1])
    seeding = float(out.split(" in ")[1].split(" s")[0])
    hooks = float(out.split("after-seed hooks: ")[1].split(" s")[0])
    return {
        "db": label, "seconds": seconds, "seeding": seeding, "hooks": hooks, "rss": rss, "people": people,
        "baseline": baseline, "summary": out,
    }  # fmt: skip


def migrate_fresh(label: str, url: str) -> None:
    """The baseline gets its own fresh database, so both start from empty tables."""
    if label == "SQLite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        fresh_postgres(url)
    migrate({**os.environ, "DATABASE_URL": url})


def baseline(count: int) -> None:
    """Child process: time a bare bulk_create of `count` Person rows (ID numbers precomputed, no generation)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from villages import idcard
    from villages.models import County, Person, Township, Village

    county = County.objects.create(code="511902", name="巴州区")
    village = Village.objects.create(
        code="511902100201",
        name="基准村",
        township=Township.objects.create(code="511902100", name="基准乡", county=county),
    )
    born = dt.date(1970, 1, 1)
    people = []
    for n in range(count):
        day = born + dt.timedelta(days=n // 1000)
        first17 = f"511902{day:%Y%m%d}{n % 1000:03d}"
        people.append(
            Person(
                name=f"张{n}",
                id_number=first17 + idcard.check_character(first17),
                gender="male" if n % 2 else "female",
                birth_date=day,
                education="junior_high",
                home_village=village,
            )
        )
    started = time.perf_counter()
    Person.objects.bulk_create(people, batch_size=1000)
    print(f"{time.perf_counter() - started:.3f}")


def seed_only(url: str) -> float:
    """Seeding without history records and without hooks, on a fresh database: what history costs."""
    migrate_fresh("SQLite" if url.startswith("sqlite") else "PostgreSQL", url)
    env = {**os.environ, "DATABASE_URL": url}
    _, _, out = run_timed([PYTHON, __file__, "--seed-without-history"], env)
    return float(out.strip().splitlines()[-1])


def seed_without_history() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from tasks.management.demo import villages as demo

    started = time.perf_counter()
    demo.seed_demo(scale="city", history=False)
    print(f"{time.perf_counter() - started:.3f}")


PROVINCE_COUNTS = [
    ("cities", "villages_city"),
    ("counties", "villages_county"),
    ("townships", "villages_township"),
    ("villages", "villages_village"),
    ("groups", "villages_group"),
    ("people", "villages_person"),
    ("post assignments", "villages_postassignment"),
    ("assessments", "villages_assessment"),
    ("reserves", "reserves_reserve"),
    ("talents", "reserves_talent"),
    ("elections", "reserves_election"),
    ("risks", "villages_risk"),
    ("cycle snapshots", "villages_electioncyclesnapshot"),
    ("history of people", "villages_historicalperson"),
]


def row_counts(url: str) -> list[tuple[str, int]]:
    import psycopg

    counts = []
    with psycopg.connect(url) as conn:
        for label, table in PROVINCE_COUNTS:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts.append((label, row[0] if row else 0))
    return counts


def bench_province(url: str) -> None:
    """One `seed_demo --scale province` on a fresh PostgreSQL database (kept); prints a Markdown report."""
    if not fresh_postgres(url):
        raise SystemExit(f"PostgreSQL at {url} is not reachable")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "backend.settings"}
    migrate(env)
    load_before = os.getloadavg()
    seconds, rss, cpu, out = run_measured([PYTHON, "manage.py", "seed_demo", "--scale", "province"], env)
    load_after = os.getloadavg()
    seeding = float(out.split(" in ")[1].split(" s")[0])
    stages = [("seeding (counties … assessments, with history)", seeding)]
    for line in out.splitlines():
        if line.startswith("ran "):
            path, spent = line.removeprefix("ran ").rsplit(" in ", 1)
            stages.append((path.removeprefix("tasks.management.demo."), float(spent.removesuffix(" s"))))
    print(f"seed_demo --scale province on {url.rsplit('/', 1)[1]}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")  # fmt: skip
    print()
    print("| stage | seconds |")
    print("|---|---|")
    for label, took in stages:
        print(f"| {label} | {took:.1f} |")
    print(f"| **command wall time** | **{seconds:.1f}** |")
    print(f"| CPU time of the seeding process (user + system) | {cpu:.1f} |")
    print(f"| peak RSS | {rss} MiB |")
    print()
    print("| rows | count |")
    print("|---|---|")
    for label, count in row_counts(url):
        print(f"| {label} | {count:,} |")
    print()
    print(out.strip().splitlines()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--scale", choices=["city", "province"], default="city")
    parser.add_argument("--baseline", type=int)
    parser.add_argument("--seed-without-history", action="store_true")
    args = parser.parse_args()
    if args.scale == "province":
        bench_province(args.pg)
        return
    if args.baseline:
        baseline(args.baseline)
        return
    if args.seed_without_history:
        seed_without_history()
        return
    runs = [("SQLite", "sqlite:////tmp/h2-city.sqlite3")]
    if fresh_postgres(args.pg):
        runs.append(("PostgreSQL", args.pg))
    results = []
    for label, url in runs:
        if label == "SQLite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            fresh_postgres(url)
        result = bench(label, url)
        result["without_history"] = seed_only(url)
        results.append(result)
    print(
        "| database | command wall time | seeding | after-seed hooks | seeding without history | peak RSS | people "
        "| baseline: bare bulk_create of as many Person rows | seeding ÷ baseline |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['db']} | {r['seconds']:.1f} s | {r['seeding']:.1f} s | {r['hooks']:.1f} s | "
            f"{r['without_history']:.1f} s | {r['rss']} MiB | {r['people']:,} | {r['baseline']:.1f} s | "
            f"{r['seeding'] / r['baseline']:.1f}× |"
        )
    for r in results:
        print(f"{r['db']}: {r['summary'].strip().splitlines()[0]}")


if __name__ == "__main__":
    main()
