"""Summarise a locust run (LOAD_DIR/stats_stats.csv) as a Markdown table for docs/benchmarks.md.

A group's p95 is reported as the largest p95 of its requests: if every kind of request has 95% of its
responses under X, so does the group, so that number is an upper bound of the group's p95.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

GROUPS = {
    "page": "page views",
    "api": "API reads",
    "write": "roster edits",
    "report": "report requests",
    "auth": "logins (PBKDF2)",
}


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
    print("| group | requests | failures | p95 ms (upper bound) |")
    print("|---|---:|---:|---:|")
    for prefix, label in GROUPS.items():
        members = [r for r in rows if r["Name"].startswith(prefix + ":")]
        if members:
            count = sum(int(r["Request Count"]) for r in members)
            failures = sum(int(r["Failure Count"]) for r in members)
            p95 = max(float(r["95%"]) for r in members)
            print(f"| {label} | {count} | {failures} | {p95:.0f} |")
    total = sum(int(r["Request Count"]) for r in rows)
    print(f"\nTotal {total} requests, {sum(int(r['Failure Count']) for r in rows)} failures.")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
