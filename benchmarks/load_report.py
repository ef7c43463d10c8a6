"""Summarise a locust run as Markdown tables for docs/benchmarks.md: per request (LOAD_DIR/stats_stats.csv) and
per group with exact percentiles over every response time (LOAD_DIR/samples.csv, written by the locustfile).
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

GROUPS = {
    "page": "page views",
    "api": "API reads",
    "write": "roster edits",
    "report": "report requests",
    "auth": "logins (PBKDF2)",
}


def percentile(sorted_times: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    return sorted_times[max(0, math.ceil(p / 100 * len(sorted_times)) - 1)]


def main(load_dir: Path) -> None:
    rows = [r for r in csv.DictReader((load_dir / "stats_stats.csv").open()) if r["Name"] != "Aggregated"]
    print("| request | count | failures | median ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in sorted(rows, key=lambda r: r["Name"]):
        print(
            f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
            f"{r['Median Response Time']} | {r['95%']} | {float(r['Max Response Time']):.0f} |"
        )
    print()
    samples = list(csv.DictReader((load_dir / "samples.csv").open()))
    print("| group | requests | failures | median ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for prefix, label in GROUPS.items():
        times = sorted(float(s["ms"]) for s in samples if s["name"].startswith(prefix + ":"))
        failures = sum(int(s["failed"]) for s in samples if s["name"].startswith(prefix + ":"))
        if times:
            print(
                f"| {label} | {len(times)} | {failures} | {percentile(times, 50):.0f} | "
                f"{percentile(times, 95):.0f} | {percentile(times, 99):.0f} |"
            )
    total = sum(int(r["Request Count"]) for r in rows)
    print(f"\nTotal {total} requests, {sum(int(r['Failure Count']) for r in rows)} failures.")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
