"""Demo data for `manage.py seed_demo` (docs/api.md): realistic Bazhong villages, committees, 社长 and assessments.

Contract:
- `seed_demo(scale=..., seed=...)` is idempotent: counties, townships and villages are matched by code; a village
  that already exists is skipped with everything in it (its groups, people, posts and assessments are created
  together, in one transaction), so a second run creates nothing and a `city` run after a `small` run only adds
  what is missing. The same seed, scale and date give the same data on a fresh database.
- `small`: 巴州区 (511902) with 4 townships of 10 villages. `city`: 6 counties, 200 townships, ~2,300 villages,
  ~25,000 people. `province` (tasks/management/demo/province.py): `city` plus 178 invented counties of Sichuan's 20
  other cities, 184 counties, ~3,100 townships, ~25,000 villages, ~300,000 people, the same builders per village.
  `small` is a prefix of `city` and `city` of `province`: the same villages with the same codes and contents.
- Villages are planned and inserted one city at a time (one chunk at `small` and `city`), all in one transaction;
  the plans of a whole province at once would take an estimated 2–3 GB (a city of them about 250 MB).
- Every ID number is valid for `villages.idcard.parse`; gender and birth date agree with it. Region codes follow
  where a number was first issued: 5130xx (达县地区, before 1993), 5137xx (巴中地区, 1993–2000), 5119xx (since).
- History: each seeded row has one "+" history record (change reason "seed_demo"), at every scale, as
  `bulk_create_with_history` makes them; on PostgreSQL `history.create_with_history` has the database copy them
  from the inserted rows, which keeps `province` within its 10 minutes (docs/benchmarks.md).
- `AFTER_SEED_HOOKS`: dotted paths of callables run as `hook(scale=..., seed=...)` after the demo data is
  committed (other apps add their own seeding: reserves, classes, risk recomputation); `hooks.analyze` refreshes
  PostgreSQL's planner statistics between them. `run_after_seed_hooks` returns each hook's time.

The survey's cases (docs/domain.md), present at every scale, all in 巴州区 (codes in `SURVEY_CASES`):
- 白庙村 511902100201 (凌云乡): 5 社; the 社长 are 3 aged over 70, 1 disabled (health=disabled,
  able_to_serve=False) and 1 able to serve.
- 柏杨村 511902100202 (凌云乡): no new party member for 12 years (last_party_admission_on 12 years ago).
- 石梯村 511902102201, 高坪村 511902102202 (化成镇): no qualified secretary candidate: the secretary (一肩挑)
  is aged 60 or more with 初中, every other committee member is over 45 or has 初中 or below.
- 书台村 511902103201, 龙泉村 511902103202, 桂花村 511902103203 (曾口镇): the party secretary post is held by a
  township cadre: 书台村 乡镇干部兼任 for 8 months, 龙泉村 代理 for 5 months, 桂花村 代理 for 1 month
  (the previous secretary's post ended the day before).
Rare name characters appear in these villages on purpose (喆 堃 赟 珺 昇 䶮 and CJK Extension B 𠇔 𡈼 𨭉).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from tasks.management.demo.committees import (
    IdNumbers,
    SeedResult,
    VillagePlan,
    _CommitteeBuilder,
    _years_before,
)
from tasks.management.demo.history import create_with_history
from tasks.management.demo.province import VILLAGES_PER_TOWNSHIP, counties_of_scale, is_demo_city
from tasks.management.demo.tables import (
    BATCH_SIZE,
    DEMO_COUNTY,
    DEMO_PASSWORD,
    DEMO_TOWNSHIP,
    ELECTION_2021,
    MAX_VILLAGES_PER_TOWNSHIP,
    PLACE_FIRST,
    PLACE_SECOND,
    REAL_TOWNSHIP_NAMES,
    SMALL_TOWNSHIPS,
    SMALL_VILLAGES_PER_TOWNSHIP,
    SURVEY_CASES,
    SURVEY_VILLAGE_NAMES,
    Scale,
)
from villages.choices import (
    PartyOrgType,
    Role,
)
from villages.models import Assessment, City, County, Group, Person, PostAssignment, Township, User, Village
from villages.regions import city_code_of, city_name

# Dotted paths of `hook(scale=..., seed=...)` callables run after the demo data is committed.
AFTER_SEED_HOOKS: list[str] = [
    "tasks.management.demo.hooks.analyze",  # planner statistics of the seeded tables (PostgreSQL)
    "tasks.management.demo.reserves.seed_hook",  # risk recomputation reads the reserves
    "tasks.management.demo.bench.seed_hook",  # talents, mentors, talks, 学历提升 (before the risk recompute)
    "tasks.management.demo.reviews.seed_hook",  # before the risks: the review's findings join the work queue
    "tasks.management.demo.after_election.seed_hook",  # 大和乡's 2026 election and the work after it
    "tasks.management.demo.hooks.analyze",  # again, for the hooks' tables, before the set queries below
    "tasks.management.demo.hooks.risks",
    "tasks.management.demo.hooks.cycle_snapshots",
    "tasks.management.demo.hooks.roster_confirmations",
]


def seed_demo(
    *, scale: Scale = "small", seed: int = 2026, today: dt.date | None = None, history: bool = True
) -> SeedResult:
    """Create whatever of the demo data set is missing (see the module docstring); return what was created.

    `history=False` skips the history records of seeded rows (benchmarks measure what they cost)."""
    today = today or timezone.localdate()
    result = SeedResult()
    with transaction.atomic():
        counties = _ensure_counties(scale=scale, seed=seed, result=result)
        townships = _ensure_townships(counties, scale=scale, seed=seed, result=result)
        existing = set(Village.objects.values_list("code", flat=True))
        ids = IdNumbers(set(Person.objects.values_list("id_number", flat=True)))
        # One city at a time (one chunk at the `small` and `city` scales): the plans of a province would not fit
        # comfortably in memory at once.
        for _, city_townships in itertools.groupby(townships, key=lambda t: city_code_of(t.code)):
            plans = [
                _plan_village(code, name, township, seed=seed, ids=ids, today=today)
                for township in city_townships
                for code, name in _village_names(township, scale=scale, seed=seed)
                if code not in existing
            ]
            _insert(plans, result=result, history=history)
        _ensure_demo_users(result=result)
    return result


def run_after_seed_hooks(*, scale: Scale, seed: int) -> list[tuple[str, float]]:
    """Call every `AFTER_SEED_HOOKS` entry in order; return (path, seconds) of each."""
    ran = []
    for path in AFTER_SEED_HOOKS:
        hook: Callable[..., object] = import_string(path)
        started = time.perf_counter()
        hook(scale=scale, seed=seed)
        ran.append((path, time.perf_counter() - started))
    return ran


# --- administrative units -------------------------------------------------------------------------------------


def _ensure_counties(*, scale: Scale, seed: int, result: SeedResult) -> list[County]:
    wanted = counties_of_scale(scale, seed)
    existing = {c.code: c for c in County.objects.filter(code__in=[w[0] for w in wanted])}
    cities = {
        code: City.objects.get_or_create(code=code, defaults={"name": city_name(code)})[0]
        for code in {city_code_of(w[0]) for w in wanted}
    }
    missing = [
        County(code=code, name=name, city=cities[city_code_of(code)], planned_election_on=planned)
        for code, name, planned, _ in wanted
        if code not in existing
    ]
    County.objects.bulk_create(missing)
    result.counties = len(missing)
    existing.update({c.code: c for c in County.objects.filter(code__in=[c.code for c in missing])})  # with pks
    return [existing[code] for code, *_ in wanted]


def _township_names(county_code: str, count: int, *, seed: int) -> list[str]:
    """Real names first, then plausible invented ones (unique within the county)."""
    names = list(REAL_TOWNSHIP_NAMES.get(county_code, []))
    rng = random.Random(f"{seed}:townships:{county_code}")
    while len(names) < count:
        name = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + rng.choice(["镇", "镇", "乡"])
        if name not in names:
            names.append(name)
    return names[:count]


def _ensure_townships(counties: list[County], *, scale: Scale, seed: int, result: SeedResult) -> list[Township]:
    township_count = {code: count for code, _, _, count in counties_of_scale(scale, seed)}
    wanted: list[Township] = []
    for county in counties:
        count = SMALL_TOWNSHIPS if scale == "small" else township_count[county.code]
        for index, name in enumerate(_township_names(county.code, count, seed=seed)):
            wanted.append(Township(code=f"{county.code}{100 + index:03d}", name=name, county=county))
    codes = [t.code for t in wanted]
    existing = {t.code: t for t in Township.objects.filter(code__in=codes).select_related("county")}
    missing = [t for t in wanted if t.code not in existing]
    Township.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    result.townships = len(missing)
    existing.update({t.code: t for t in missing})
    return [existing[t.code] for t in wanted]


def _village_names(township: Township, *, scale: Scale, seed: int) -> list[tuple[str, str]]:
    """(code, name) of the township's villages; `small` takes the first 10 of the same list as `city`."""
    rng = random.Random(f"{seed}:villages:{township.code}")
    if is_demo_city(township.code):
        count = rng.randint(7, MAX_VILLAGES_PER_TOWNSHIP)
    else:
        count = rng.randint(*VILLAGES_PER_TOWNSHIP)  # province: smaller townships outside 巴中
    if scale == "small":
        count = SMALL_VILLAGES_PER_TOWNSHIP
    elif township.code[:6] == DEMO_COUNTY and int(township.code[6:]) < 100 + SMALL_TOWNSHIPS:
        count = max(count, SMALL_VILLAGES_PER_TOWNSHIP)
    names = rng.sample(_village_name_pool(), MAX_VILLAGES_PER_TOWNSHIP)
    villages = []
    for index in range(count):
        code = f"{township.code}{201 + index}"
        villages.append((code, SURVEY_VILLAGE_NAMES.get(code, names[index])))
    return villages


@functools.cache
def _village_name_pool() -> list[str]:
    reserved = set(SURVEY_VILLAGE_NAMES.values())
    combos = (a + b + "村" for a in PLACE_FIRST for b in PLACE_SECOND if a != b)
    return [name for name in dict.fromkeys(combos) if name not in reserved]


# --- one village ----------------------------------------------------------------------------------------------


def _case_of(code: str) -> str | None:
    return next((case for case, codes in SURVEY_CASES.items() if code in codes), None)


def _plan_village(
    code: str, name: str, township: Township, *, seed: int, ids: IdNumbers, today: dt.date
) -> VillagePlan:
    rng = random.Random(f"{seed}:village:{code}")
    case = _case_of(code)
    county = township.county
    village = Village(code=code, name=name, township=township, **_village_fields(rng, county, case, today))
    plan = VillagePlan(village=village)
    group_count = 5 if case == "group_leaders_unable" else rng.choices(range(3, 10), [18, 26, 24, 14, 9, 5, 4])[0]
    plan.groups = [Group(village=village, number=n, name=f"{n}社") for n in range(1, group_count + 1)]
    builder = _CommitteeBuilder(rng=rng, plan=plan, county_code=county.code, ids=ids, today=today, case=case)
    builder.build()
    return plan


def _village_fields(rng: random.Random, county: County, case: str | None, today: dt.date) -> dict:
    if case == "no_new_party_member":
        last_admission = _years_before(today, 12) - dt.timedelta(days=40)
    else:
        # Most branches admitted someone in the last two years; some not for years (amber), none for ten.
        years = rng.choices([(0, 2), (2, 5), (5, 8)], [65, 25, 10])[0]
        last_admission = today - dt.timedelta(days=rng.randint(max(60, years[0] * 365), years[1] * 365 - 10))
    planned = None
    if county.planned_election_on and rng.random() < 0.4:
        planned = county.planned_election_on - dt.timedelta(days=rng.randint(0, 25))
    return {
        "party_org_type": rng.choices(
            [PartyOrgType.BRANCH, PartyOrgType.GENERAL_BRANCH, PartyOrgType.COMMITTEE], [85, 13, 2]
        )[0],
        "party_member_count": rng.randint(18, 85),
        "last_party_admission_on": last_admission,
        "development_candidates": 0
        if case == "no_new_party_member"
        else rng.choices([0, 1, 2, 3], [25, 40, 25, 10])[0],
        "planned_election_on": planned,
        "held_election_on": ELECTION_2021 + dt.timedelta(days=rng.randint(10, 110)),
    }


def _insert(plans: list[VillagePlan], *, result: SeedResult, history: bool) -> None:
    """Bulk-insert the plans in dependency order, resolving list indexes to primary keys."""
    if not plans:
        return

    def create(rows: list[Any], model: type[models.Model]) -> None:
        if history:
            create_with_history(rows, model, batch_size=BATCH_SIZE, reason="seed_demo")
        else:
            model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)

    # bulk_create re-reads each foreign key from its (now saved) related object, so rows built against unsaved
    # villages and people get their ids here.
    create([p.village for p in plans], Village)
    groups = [g for p in plans for g in p.groups]
    Group.objects.bulk_create(groups, batch_size=BATCH_SIZE)
    people = [person for p in plans for person in p.people]
    create(people, Person)
    posts, assessments = [], []
    for plan in plans:
        for person, post, group in plan.posts:
            post.person = plan.people[person]
            post.village = plan.village
            post.group = plan.groups[group] if group is not None else None
            posts.append(post)
        for person, assessment in plan.assessments:
            assessment.person = plan.people[person]
            assessments.append(assessment)
    create(posts, PostAssignment)
    create(assessments, Assessment)
    result.villages += len(plans)
    result.groups += len(groups)
    result.people += len(people)
    result.posts += len(posts)
    result.assessments += len(assessments)


def _ensure_demo_users(*, result: SeedResult) -> None:
    """`province`, `city` (admin of 巴中市), `county` (county staff of 511902) and `township` (secretary of
    511902100); passwords set once."""
    county = County.objects.select_related("city").get(code=DEMO_COUNTY)
    township = Township.objects.get(code=DEMO_TOWNSHIP)
    accounts: list[tuple[str, dict[str, Any]]] = [
        ("province", {"role": Role.PROVINCE_ADMIN, "display_name": "省委组织部（演示）"}),
        ("city", {"role": Role.CITY_ADMIN, "city": county.city, "display_name": f"{county.city.name}委组织部（演示）"}),
        ("county", {"role": Role.COUNTY_STAFF, "county": county, "display_name": f"{county.name}委组织部（演示）"}),
        (
            "township",
            {"role": Role.TOWNSHIP_SECRETARY, "township": township, "display_name": f"{township.name}党委书记（演示）"},
        ),
    ]
    for username, fields in accounts:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            # Demo password on purpose: too short for the validators, which are for real accounts.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            result.users += 1
