"""Benchmark a 5,000-row roster import against the time openpyxl alone takes to read the same file.

Run: `.venv/bin/python benchmarks/bench_import.py [--db /tmp/h3-city.sqlite3] [--rows 5000] [--pg URL]`

Uses a `seed_demo --scale city` SQLite database (seeded on first use). The workbook is built for the township with
the most villages: its existing roster (unchanged rows, exported shape) plus new people up to `--rows`, each with
1–2 posts (社长 with their 社), an assessment grade, dates in the roster shapes, some 15-digit IDs, a title row and
merged 村名称 cells. Each measurement runs in its own child process on a fresh copy of the database:
- baseline: `openpyxl.load_workbook(read_only=True, data_only=True)` and every row's values (`iter_rows(values_only)`);
- dry run: `read_roster` + `plan_import` (what `import_roster --dry-run` does);
- import: read + plan + `apply_import` (bulk writes with history, then the risk recompute of the touched villages).
Times are wall-clock without tracing, each next to a bare read timed in the same child process (best of the
reads before and after; the machine is shared), best ratio of `--repeat` runs; peak memory is measured in another
child under tracemalloc (Python allocations) and as the process's max RSS (includes Django and the interpreter).
The risk recompute the import triggers on commit (villages.risk, another module's work) is timed separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from common import seeded

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WORKBOOK = Path("/tmp/h3-bench-roster.xlsx")


def setup_django(db: str) -> None:
    os.environ["DATABASE_URL"] = db
    # Production settings: with DEBUG on, Django's debug cursor formats every query's parameters (1 s here).
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_seeded(path: Path) -> None:
    if path.exists():
        return
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "seed_demo", "--scale", "city"], cwd=ROOT, env=env, check=True)


def build_workbook(rows: int) -> tuple[str, dict]:
    """Child (on a throw-away copy of the database): write WORKBOOK for the biggest township."""
    from django.db.models import Count
    from openpyxl import load_workbook

    from villages import idcard
    from villages.models import Group, Township, User
    from villages.workbook.exporter import township_roster
    from villages.workbook.template import FIRST_DATA_ROW

    township = seeded(Township.objects.annotate(n=Count("villages")).order_by("-n", "code").first(), "township")
    secretary = User.objects.create(username="bench-secretary", role="township_secretary", township=township)
    content = township_roster(township=township, user=secretary, today=dt.date.today())
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    existing = sheet.max_row - FIRST_DATA_ROW + 1
    groups: dict[str, list[int]] = {}
    for group in Group.objects.filter(village__township=township).select_related("village"):
        groups.setdefault(group.village.name, []).append(group.number)
    villages = sorted(groups)
    rng = random.Random(2026)
    shapes = [lambda d: f"{d:%Y.%m}", lambda d: f"{d:%Y-%m}", lambda d: f"{d.year}年{d.month}月", lambda d: f"{d:%Y%m}"]
    posts = ["村委委员", "支委委员", "党支部书记、村委会主任", "监委委员", "村文书", "社长", "副主任"]
    educations = ["大专", "高中", "初中", "中专", "函授大专", "小学", "大学本科"]
    start_row = sheet.max_row + 1
    for n in range(rows - existing):
        village = villages[n * len(villages) // (rows - existing)]
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 49))
        first17 = f"513{n % 10}{n // 1000 % 100:02d}{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + idcard.check_character(first17)
        if n % 10 == 0:  # an old 15-digit number
            number = first17[:6] + first17[8:17]
        post = posts[n % len(posts)]
        sheet.append(
            [
                village if n == 0 or villages[(n - 1) * len(villages) // (rows - existing)] != village else None,
                f"新{n}",
                "男" if int(first17[16]) % 2 else "女",
                "汉族",
                number,
                shapes[n % 4](born),
                educations[n % len(educations)],
                None,
                "党员" if n % 3 else "群众",
                shapes[(n + 1) % 4](born + dt.timedelta(days=365 * 25)) if n % 3 else None,
                post,
                "2021.03",
                f"{rng.choice(groups[village])}社" if post == "社长" else None,
                "健康",
                "是",
                ["优秀", "称职", "基本称职"][n % 3],
                f"138{n:08d}",
                "退役军人" if n % 7 == 0 else None,
                None,
            ]
        )
    _merge_village_cells(sheet, start_row)
    workbook.save(WORKBOOK)
    return township.code, {"rows": rows, "existing": existing, "villages": len(villages)}


def _merge_village_cells(sheet, start_row: int) -> None:
    """Merge each village's 村名称 cells down over its new rows, the way secretaries lay rosters out."""
    top = start_row
    for row in range(start_row + 1, sheet.max_row + 2):
        if row > sheet.max_row or sheet.cell(row, 1).value is not None:
            if row - 1 > top:
                sheet.merge_cells(start_row=top, start_column=1, end_row=row - 1, end_column=1)
            top = row


def measure(kind: str, township: str, trace: bool) -> dict:
    """Child: one measurement. Returns seconds, tracemalloc peak (MiB, when traced), max RSS (MiB), counts."""
    from openpyxl import load_workbook

    from villages.models import Township, Village
    from villages.risk import recompute_risks, signals_paused
    from villages.workbook.importer import apply_import, plan_import
    from villages.workbook.reader import read_roster

    def bare_read() -> float:
        started = time.perf_counter()
        workbook = load_workbook(WORKBOOK, read_only=True, data_only=True)
        sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        return time.perf_counter() - started

    unit = Township.objects.get(code=township)
    # The shared machine's speed drifts: each child times the bare read next to its own step (best of two).
    baseline = bare_read() if not trace else None
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    counts: dict = {}
    if kind == "baseline":
        bare_read()
    else:
        plan = plan_import(sheet=read_roster(WORKBOOK), township=unit, user=None)
        counts = plan.counts
        if not plan.is_valid:
            raise SystemExit("\n".join(str(p) for p in plan.problems[:20]))
        if kind == "import":
            with signals_paused():  # the risk recompute the import asks for is timed on its own below
                apply_import(plan)
    seconds = time.perf_counter() - started
    if kind == "import":
        recompute_started = time.perf_counter()
        recompute_risks(villages=Village.objects.filter(township=unit))
        counts["risk_recompute_seconds"] = time.perf_counter() - recompute_started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if baseline is not None:
        baseline = min(baseline, bare_read())
    return {"kind": kind, "seconds": seconds, "bare_read": baseline, "peak_mib": peak, "rss_mib": rss, "counts": counts}


def child(args: list[str], db: Path) -> dict:
    copy = db.with_suffix(".bench.sqlite3")
    shutil.copy(db, copy)
    try:
        out = subprocess.run(
            [PYTHON, __file__, "--db", str(copy), *args], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/h3-city.sqlite3")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--child", choices=["build", "baseline", "dry-run", "import"])
    parser.add_argument("--township")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per step (the best ratio is kept)")
    args = parser.parse_args()
    db = Path(args.db)
    if args.child:
        setup_django(f"sqlite:///{db}")
        if args.child == "build":
            code, info = build_workbook(args.rows)
            print(json.dumps({"township": code, **info}))
        else:
            print(json.dumps(measure(args.child, args.township, args.trace)))
        return
    ensure_seeded(db)
    built = child(["--child", "build", "--rows", str(args.rows)], db)
    print(f"workbook: {built} ({WORKBOOK.stat().st_size // 1024} KiB)")
    results = {}
    for kind in ("baseline", "dry-run", "import"):
        runs = [child(["--child", kind, "--township", built["township"]], db) for _ in range(args.repeat)]
        for run in runs:
            print(json.dumps(run))
        best = min(runs, key=lambda run: run["seconds"] / run["bare_read"])
        traced = child(["--child", kind, "--township", built["township"], "--trace"], db)
        results[kind] = best | {"peak_mib": traced["peak_mib"]}
    imported = results["import"]
    recompute = imported["counts"]["risk_recompute_seconds"]
    results["import + risk recompute"] = imported | {"seconds": imported["seconds"] + recompute}
    print("| step | time | bare openpyxl read (same process) | ratio | tracemalloc peak | max RSS |")
    print("|---|---|---|---|---|---|")
    for kind, r in results.items():
        print(
            f"| {kind} | {r['seconds']:.2f} s | {r['bare_read']:.2f} s | {r['seconds'] / r['bare_read']:.2f}× "
            f"| {r['peak_mib']:.0f} MiB | {r['rss_mib']:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
