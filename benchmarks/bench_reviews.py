"""Benchmark the qualification review (资格联审) at city scale against a bare `SELECT count(*)` in the same run.

Run: `.venv/bin/python benchmarks/bench_reviews.py [--db /tmp/review-city.sqlite3] [--pg URL] [--runs 5]`

Uses a `seed_demo --scale city` database (seeded on first use, then migrated). Set-up, not timed: in the township
with the most villages, 15 villages each get a draft slate of 10 different people (people of the village, topped
up from the township when a village has fewer). Measured:
1. opening the reviews of those 150 candidates from the township's slates (`open_for_slates`) and exporting the
   department sheets (one .xlsx per department, zipped, as county staff: whole ID numbers, audited) — one step,
   as a county does it; the reviews are deleted again between runs (not timed). Target ≤ 3 s;
2. the county 台账 page (`/reviews/county/<code>/`, first page of 100 rows, counts over all) with the test Client
   logged in as county staff: (a) with only that township under review, (b) with every village of the county
   under review (its current 两委 members, ~7 per village, every opinion in except a few). Target ≤ 300 ms;
3. the query count of each. Median of `--runs` after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from common import bare_count, count_queries, ensure_seeded, median_ms, print_context, setup_django

VILLAGES, CANDIDATES = 15, 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/review-city.sqlite3")
    parser.add_argument("--pg", default="")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    db = args.pg or f"sqlite:///{args.db}"
    ensure_seeded(db)
    setup_django(db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(runs=args.runs, engine="PostgreSQL" if args.pg else "SQLite")


def run(*, runs: int, engine: str) -> None:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from reserves.models import Review
    from villages.models import Township, User

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    township = Township.objects.annotate(n=Count("villages")).order_by("-n", "code").select_related("county").first()
    if township is None:
        raise SystemExit("no township: seed the city first (benchmarks/common.py ensure_seeded)")
    county_user = User.objects.filter(role="county_staff", county=township.county).first() or _county_user(township)
    _slates(township, county_user)
    base = median_ms(bare_count, runs)
    print_context()
    print(f"{engine}: township {township.name} ({township.code}), county {township.county.name}")
    print(f"baseline SELECT count(*) FROM villages_person: {base:.2f} ms")
    print("| measurement | queries | median ms | × baseline |")
    print("|---|---:|---:|---:|")

    def open_and_export() -> None:
        _open_and_export(township, county_user)

    def reset() -> None:
        Review.objects.filter(village__township=township, opened_by=county_user).delete()

    times = []
    for n in range(runs + 1):
        reset()
        start = time.perf_counter()
        open_and_export()
        if n:
            times.append((time.perf_counter() - start) * 1000)
    reset()
    queries, _ = count_queries(open_and_export)
    opened = Review.objects.filter(village__township=township, opened_by=county_user).count()
    ms = sorted(times)[len(times) // 2]
    _row(f"open {opened} reviews from the slates + export the department sheets (zip)", queries, ms, base)

    client = Client()
    client.force_login(county_user)
    url = reverse("reserves:review_ledger", args=["county", township.county.code])
    _page(
        client,
        url,
        f"county 台账, {Review.objects.filter(village__township__county=township.county).count()} reviews",
        base,
        runs,
    )
    reset()
    whole = _whole_county(township.county, county_user)
    _page(client, url, f"county 台账, whole county under review ({whole} reviews)", base, runs)
    _page(client, url + "?status=failed", "county 台账, filtered to 不通过", base, runs)
    Review.objects.filter(opened_by=county_user, village__township__county=township.county, cycle="2099").delete()


def _page(client, url: str, label: str, base: float, runs: int) -> None:
    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    queries, _ = count_queries(get)
    _row(label, queries, median_ms(get, runs), base)


def _row(label: str, queries: int, ms: float, base: float) -> None:
    print(f"| {label} | {queries} | {ms:.0f} | {ms / base:.0f}× |")


def _county_user(township):
    from villages.models import User

    return User.objects.create_user("bench-county", role="county_staff", county=township.county)


def _slates(township, user) -> None:
    """A draft slate of CANDIDATES different people in each of VILLAGES villages (once)."""
    from reserves.models import Slate, SlateCandidate
    from villages.choices import Post
    from villages.models import Person, Village

    villages = list(Village.objects.filter(township=township).order_by("code")[:VILLAGES])
    used: set[int] = set()
    for village in villages:
        if Slate.objects.filter(village=village, name="基准方案").exists():
            continue
        slate = Slate.objects.create(
            village=village, name="基准方案", election_on=dt.date(2026, 12, 31), created_by=user
        )
        here = Village.objects.filter(pk=village.pk)
        people = list(Person.objects.alive().in_villages(here).exclude(pk__in=used).order_by("pk")[:CANDIDATES])
        pool = Person.objects.alive().in_villages(Village.objects.filter(township=township))  # small villages
        people += list(pool.exclude(pk__in=used | {p.pk for p in people}).order_by("pk")[: CANDIDATES - len(people)])
        used.update(p.pk for p in people)
        SlateCandidate.objects.bulk_create(
            SlateCandidate(slate=slate, post=Post.COMMITTEE_MEMBER, seat=n, person=person)
            for n, person in enumerate(people, start=1)
        )


def _open_and_export(township, user) -> None:
    from reserves.reviews.opening import open_for_slates
    from reserves.reviews.sheets import department_sheets, zipped
    from villages.models import Village

    open_for_slates(township=township, by=user)
    sheets = department_sheets(
        villages=Village.objects.filter(township=township), county=township.county, user=user, title=township.name
    )
    assert len(zipped(sheets)) > 0


def _whole_county(county, user) -> int:
    """Every current 两委 member of the county under review (cycle 2099, so nothing else is touched): every
    opinion in and 通过, except that every 7th candidate lacks 公安局 and every 50th has a 法院 不通过."""
    from reserves.choices import ReviewRound
    from reserves.models import Review, ReviewOpinion
    from reserves.reviews import ReviewRuleBook
    from villages.choices import COMMITTEE_POSTS
    from villages.models import PostAssignment

    holders = dict(
        PostAssignment.objects.current(dt.date.today())
        .filter(village__township__county=county, post__in=COMMITTEE_POSTS, person__deleted_at__isnull=True)
        .values_list("person_id", "village_id")
    )
    reviews = Review.objects.bulk_create(
        Review(
            person_id=p, village_id=v, purpose="election", cycle="2099", opened_on=dt.date(2026, 9, 1), opened_by=user
        )
        for p, v in holders.items()
    )
    departments = ReviewRuleBook.load(county_ids=[county.pk]).departments(county_id=county.pk, on=dt.date(2026, 9, 1))
    slots = [("village", ""), ("township", ""), *(("county", d) for d in departments), ("committee", "")]
    opinions = []
    for n, review in enumerate(reviews):
        for round_, department in slots:
            if n % 7 == 0 and department == "公安局":
                continue
            fail = n % 50 == 0 and department == "法院"
            opinions.append(
                ReviewOpinion(
                    review=review,
                    round=round_,
                    department=department if round_ == ReviewRound.COUNTY else "",
                    conclusion="fail" if fail else "pass",
                    note="不良记录" if fail else "",
                    concluded_on=dt.date(2026, 9, 20),
                    recorded_by=user,
                )
            )
    ReviewOpinion.objects.bulk_create(opinions, batch_size=2000)
    return len(reviews)


if __name__ == "__main__":
    main()
