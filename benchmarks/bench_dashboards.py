"""Dashboard server time at `seed_demo --scale city`: the county and the city dashboards through the Django test
Client (routing, middleware, queries, SVG charts and template: everything but the network), median of N runs,
next to a bare `SELECT count(*)` over the people table measured in the same run.

Run: `.venv/bin/python benchmarks/bench_dashboards.py [--db sqlite:////tmp/h7-city.sqlite3] [--runs 15]`
(seeds the database on first use). Budgets (issue 7): county ≤ 300 ms, city ≤ 800 ms server time.
"""

from __future__ import annotations

import argparse

from common import bare_count, count_queries, ensure_seeded, median_ms, print_context, setup_django

BUDGET_MS = {"county": 300, "city": 800, "township": 300}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/h7-city.sqlite3")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_seeded(args.db)
    setup_django(args.db)

    from django.test import Client

    from villages.models import User

    print_context()
    base = median_ms(bare_count, args.runs)
    print(f"baseline SELECT count(*) people: {base:.2f} ms")
    results = {}
    for level, username in (("township", "township"), ("county", "county"), ("city", "city")):
        client = Client()
        client.force_login(User.objects.get(username=username))

        def get(client: Client = client) -> None:
            response = client.get("/dashboard/")
            assert response.status_code == 200, response.status_code

        queries, _ = count_queries(get)
        ms = median_ms(get, args.runs)
        results[level] = ms
        verdict = "ok" if ms <= BUDGET_MS[level] else "OVER BUDGET"
        print(
            f"{level:8s} dashboard: median {ms:7.1f} ms over {args.runs} runs, {queries} queries, "
            f"{ms / base:6.0f}x baseline, budget {BUDGET_MS[level]} ms: {verdict}"
        )


if __name__ == "__main__":
    main()
