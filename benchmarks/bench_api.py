"""API list server time at `seed_demo --scale city`: a county's villages and a page of people, each row with the
risk engine's fields (village `flags`, `succession_gaps`, `stats`; person `flags`), through the Django test Client
(routing, auth, middleware, queries, serialisation: everything but the network), median of N runs, next to a bare
`SELECT count(*)` over the people table measured in the same run. Also the risk engine's own share (the bulk
evaluation of the same page called directly) and the number of queries per request.

Run: `.venv/bin/python benchmarks/bench_api.py [--db sqlite:////tmp/h10-city.sqlite3] [--runs 15]`
(seeds the database on first use).
"""

from __future__ import annotations

import argparse
import functools

from common import bare_count, count_queries, ensure_seeded, median_ms, print_context, setup_django

REQUESTS = [
    ("villages", "/api/v1/villages/?county=511902&page_size=100"),
    ("people", "/api/v1/people/?page_size=100"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/h10-city.sqlite3")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--user", default="city", help="demo account making the requests")
    args = parser.parse_args()
    ensure_seeded(args.db)
    setup_django(args.db, API_THROTTLE_USER="100000/min")  # the benchmark is one user asking many times

    from django.test import Client

    from villages.api.serializers import PersonSerializer, VillageSerializer
    from villages.models import Person, User, Village

    print_context()
    base = median_ms(bare_count, args.runs)
    print(f"baseline SELECT count(*) people: {base:.2f} ms")
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    engine = {
        "villages": lambda rows: VillageSerializer.load_evaluations(rows, as_of=None),
        "people": lambda rows: PersonSerializer.load_evaluations(rows, as_of=None),
    }
    pages = {
        "villages": lambda: list(Village.objects.filter(township__county__code="511902").order_by("code")[:100]),
        "people": lambda: list(Person.objects.order_by("pk")[:100]),
    }
    for name, url in REQUESTS:

        def get(url: str = url) -> dict:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response.json()

        queries, body = count_queries(get)
        flagged = sum(1 for row in body["results"] if row["flags"])
        ms = median_ms(get, args.runs)
        rows = pages[name]()
        engine_ms = median_ms(functools.partial(engine[name], rows), args.runs)
        print(
            f"GET {url}: {len(body['results'])} rows ({flagged} flagged) of {body['count']}, median {ms:7.1f} ms "
            f"over {args.runs} runs, {queries} queries, {ms / base:6.0f}x baseline; "
            f"risk engine for the page {engine_ms:6.1f} ms ({engine_ms / ms:.0%})"
        )


if __name__ == "__main__":
    main()
