"""`seed_demo --scale province` (issue 18 part 2): the plan is checked without seeding 26,000 villages (counties,
codes, names, township and village counts, a village of every city built in memory), and a tiny province (a few
townships per city) is seeded to check cities, idempotency and that `city`'s villages keep their codes."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from reserves.models import Election, TrainingClass
from tasks.management.demo import reserves
from tasks.management.demo import villages as demo
from tasks.management.demo.committees import IdNumbers
from tasks.management.demo.province import (
    CITY_COUNTY_COUNTS,
    DEMO_CITY,
    counties_of_scale,
    province_counties,
)
from tasks.management.demo.tables import COUNTIES, DEMO_COUNTY
from villages import idcard
from villages.models import City, County, Person, Township, Village
from villages.regions import SICHUAN_CITIES, city_code_of

SEED = 2026
SUFFIX_BY_CODE = {"0": "区", "1": "区", "2": "县", "3": "县", "4": "县", "8": "市"}


def province_townships(seed: int = SEED) -> list[Township]:
    """Unsaved townships of the whole province plan, as `_ensure_townships` names them."""
    townships = []
    for code, name, planned, count in counties_of_scale("province", seed):
        county = County(code=code, name=name, planned_election_on=planned)
        for index, township_name in enumerate(demo._township_names(code, count, seed=seed)):
            townships.append(Township(code=f"{code}{100 + index:03d}", name=township_name, county=county))
    return townships


def test_province_is_the_city_counties_then_about_180_counties_of_the_other_cities():
    rows = counties_of_scale("province", SEED)
    assert rows[: len(COUNTIES)] == list(COUNTIES) == counties_of_scale("city", SEED)
    assert counties_of_scale("small", SEED) == COUNTIES[:1]
    assert 170 <= len(rows) <= 190
    codes = [code for code, *_ in rows]
    assert len(set(codes)) == len(codes)
    assert {city_code_of(code) for code in codes} == set(SICHUAN_CITIES)
    per_city = Counter(city_code_of(code) for code in codes)
    assert per_city[DEMO_CITY] == len(COUNTIES)
    assert {city: per_city[city] for city in CITY_COUNTY_COUNTS} == CITY_COUNTY_COUNTS
    names = [name for _, name, *_ in rows]
    assert len(set(names)) == len(names)
    for code, name, _, _ in province_counties(SEED):
        assert len(code) == 6 and code.isdigit()
        assert name[-1] == SUFFIX_BY_CODE[code[4]], (code, name)


def test_province_plan_is_deterministic_for_a_seed():
    assert province_counties(SEED) == province_counties.__wrapped__(SEED)
    assert province_counties(SEED) != province_counties(SEED + 1)


def test_about_3000_townships_and_26000_villages_with_unique_codes():
    townships = province_townships()
    assert 2800 <= len(townships) <= 3200
    assert len({t.code for t in townships}) == len(townships)
    by_county = Counter((t.county.code, t.name) for t in townships)
    assert max(by_county.values()) == 1  # township names unique within their county
    villages = [v for t in townships for v in demo._village_names(t, scale="province", seed=SEED)]
    assert 24000 <= len(villages) <= 28000
    assert len({code for code, _ in villages}) == len(villages)
    per_township = Counter(code[:9] for code, _ in villages)
    assert all(
        len({name for code, name in villages if code[:9] == t}) == n for t, n in list(per_township.items())[:300]
    )
    # The city's villages are the same at both scales.
    city = [t for t in townships if t.code[:4] == DEMO_CITY]
    assert [demo._village_names(t, scale="province", seed=SEED) for t in city] == [
        demo._village_names(t, scale="city", seed=SEED) for t in city
    ]


def test_a_village_of_every_city_is_planned_with_valid_id_numbers_of_its_county():
    today = dt.date(2026, 11, 30)
    ids = IdNumbers(set())
    first_of_city: dict[str, Township] = {}
    for township in province_townships():
        first_of_city.setdefault(township.code[:4], township)
    assert len(first_of_city) == len(SICHUAN_CITIES)
    for city, township in first_of_city.items():
        code, name = demo._village_names(township, scale="province", seed=SEED)[0]
        plan = demo._plan_village(code, name, township, seed=SEED, ids=ids, today=today)
        assert 3 <= len(plan.groups) <= 9 and len(plan.people) >= 8
        for person in plan.people:
            parsed = idcard.parse(person.id_number)
            assert (parsed.gender, parsed.birth_date) == (person.gender, person.birth_date)
            if city != DEMO_CITY:
                assert person.id_number[:6] == township.county.code


@pytest.fixture
def tiny_province(db, monkeypatch) -> None:
    """巴州区 with its 4 `small` townships and two invented counties of 2 townships in every other city."""
    rng = random.Random(1)
    by_city: dict[str, list] = {}
    for row in province_counties(SEED):
        by_city.setdefault(row[0][:4], []).append(row)
    rows = [(*COUNTIES[0][:3], 4)]
    rows += [(*row[:3], 2) for city_rows in by_city.values() for row in rng.sample(city_rows, 2)]
    rows.sort(key=lambda row: row[0][:4] != DEMO_CITY)  # 巴中 first, as in the real plan
    monkeypatch.setattr(demo, "counties_of_scale", lambda scale, seed: rows)
    demo.seed_demo(scale="province", seed=SEED)


@pytest.mark.slow  # about 80 villages with history records: several seconds
def test_a_tiny_province_seeds_every_city_once_and_keeps_the_small_villages(tiny_province):
    assert City.objects.count() == len(SICHUAN_CITIES)
    assert all(c.name == SICHUAN_CITIES[c.code] for c in City.objects.all())
    assert all(c.code.startswith(c.city.code) for c in County.objects.select_related("city"))
    small_codes = [
        code
        for t in Township.objects.filter(county__code="511902").order_by("code")
        for code, _ in demo._village_names(t, scale="small", seed=SEED)
    ]
    assert set(small_codes) <= set(Village.objects.values_list("code", flat=True))
    assert Village.objects.exclude(township__county__city__code=DEMO_CITY).count() >= 40 * 4
    before = (County.objects.count(), Township.objects.count(), Village.objects.count(), Person.objects.count())
    again = demo.seed_demo(scale="province", seed=SEED)
    assert (again.counties, again.townships, again.villages, again.people) == (0, 0, 0, 0)
    assert (County.objects.count(), Township.objects.count(), Village.objects.count(), Person.objects.count()) == before


@pytest.mark.slow
def test_a_tiny_province_has_the_survey_class_in_the_demo_county_and_classes_in_every_county(tiny_province):
    reserves.seed_hook(scale="province", seed=SEED)
    survey = TrainingClass.objects.get(name=reserves.SURVEY_CLASS_NAME)
    assert survey.county.code == DEMO_COUNTY
    assert survey.enrollments.count() == reserves.SURVEY_CLASS_SIZE
    assert set(TrainingClass.objects.values_list("county__code", flat=True)) == set(
        County.objects.values_list("code", flat=True)
    )
    assert Election.objects.count() == Village.objects.count()
    degree = TrainingClass.objects.filter(county__city__code="5133", level="degree").first()
    assert degree is not None and degree.institution == "四川开放大学甘孜分部"
