"""Benchmark the reserve-pipeline pages at city scale against a bare `SELECT count(*)` in the same run.

Run: `.venv/bin/python benchmarks/bench_pipeline.py [--db /tmp/h5-city.sqlite3] [--pg URL] [--runs 15]`

Uses a `seed_demo --scale city` database (seeded on first use; the reserves demo hook is run if its data is
missing). Pages are requested with Django's test Client, logged in (force_login) as the persona who uses them;
the time is the in-process request time (server time: URL resolution, middleware, view, queries, template),
the median of `--runs` requests after one warm-up request. The query count of each page is printed too.
Baseline: `SELECT count(*) FROM villages_person` through the same connection, median of as many runs.
"""

from __future__ import annotations

import argparse

from common import bare_count, count_queries, ensure_seeded, median_ms, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/h5-city.sqlite3")
    parser.add_argument("--pg", default="", help="also a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/h5")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    db = args.pg or f"sqlite:///{args.db}"
    ensure_seeded(db)
    setup_django(db)
    run(runs=args.runs, engine="PostgreSQL" if args.pg else "SQLite")


def run(*, runs: int, engine: str) -> None:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client
    from django.urls import reverse

    from reserves.models import TrainingClass
    from tasks.management.demo import reserves as demo
    from villages.models import County, Township, User, Village

    # Keep one connection open across requests (as a server with persistent connections does; Django's test runner
    # disconnects these too), so the baseline and the pages run on the same warm connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    if not TrainingClass.objects.filter(name=demo.SURVEY_CLASS_NAME).exists():
        demo.seed_hook(scale="city", seed=2026)
    county = County.objects.get(code="511902")
    biggest_county = max(County.objects.all(), key=lambda c: Village.objects.filter(township__county=c).count())
    township = Township.objects.get(code="511902100")
    survey = TrainingClass.objects.get(name=demo.SURVEY_CLASS_NAME)
    county_user, township_user, city = (User.objects.get(username=u) for u in ("county", "township", "city"))
    pages = [
        ("outcomes, county 巴州区", county_user, reverse("reserves:outcomes", args=["county", county.code])),
        ("outcomes, township 凌云乡", township_user, reverse("reserves:outcomes", args=["township", township.code])),
        (
            f"outcomes, county {biggest_county.name} (city admin)",
            city,
            reverse("reserves:outcomes", args=["county", biggest_county.code]),
        ),
        ("bench strength, county 巴州区", county_user, reverse("reserves:bench", args=["county", county.code])),
        (
            f"bench strength, county {biggest_county.name} (city admin)",
            city,
            reverse("reserves:bench", args=["county", biggest_county.code]),
        ),
        ("bench strength, township 凌云乡", township_user, reverse("reserves:bench", args=["township", township.code])),
        ("class page, 首批中期班 (116 trainees)", county_user, reverse("reserves:class", args=[survey.pk])),
    ]

    base = median_ms(bare_count, runs)
    villages = Village.objects.count()
    print(f"{engine}: {villages} villages; baseline SELECT count(*) FROM villages_person: {base:.2f} ms")
    print("| page | queries | median ms | × baseline |")
    print("|---|---|---|---|")
    for label, user, url in pages:
        client = Client()
        client.force_login(user)

        def get(client=client, url=url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        queries, _ = count_queries(get)
        ms = median_ms(get, runs)
        print(f"| {label} | {queries} | {ms:.1f} | {ms / base:.0f}× |")


if __name__ == "__main__":
    main()
