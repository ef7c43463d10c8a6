"""The province plan of `seed_demo --scale province`: 巴中市 exactly as at the `city` scale, plus invented counties
for Sichuan's 20 other cities (villages.regions.SICHUAN_CITIES).

Computed without the database (tests check it without seeding 26,000 villages). For a seed it is always the same:
- `CITY_COUNTY_COUNTS`: county-level divisions per city, close to the real ones (178 outside 巴中, 184 in all);
- county codes lie within their city's prefix, in the national pattern: districts (区) from 02, counties (县) from
  21, county-level cities (市) from 81; autonomous prefectures (5132–5134) have no districts;
- county names are invented from the place-name parts, end in 区/县/市 as their code says, and are unique in the
  province (none equals a 巴中 county's name);
- 10–22 townships per invented county (about 2,800) and 4–12 villages per township (about 23,000): with 巴中's 200
  townships and ~2,360 villages, about 3,000 townships and 26,000 villages in all, ~12 roster people per village.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from functools import cache

from tasks.management.demo.tables import COUNTIES, PLACE_FIRST, PLACE_SECOND
from villages.regions import SICHUAN_CITIES, city_code_of

DEMO_CITY = "5119"  # 巴中市: its counties are `COUNTIES`, as at the `city` scale
# County-level divisions per city outside 巴中 (about the real numbers).
CITY_COUNTY_COUNTS: dict[str, int] = {
    "5101": 20,
    "5103": 6,
    "5104": 5,
    "5105": 7,
    "5106": 6,
    "5107": 9,
    "5108": 7,
    "5109": 5,
    "5110": 5,
    "5111": 11,
    "5113": 9,
    "5114": 6,
    "5115": 10,
    "5116": 6,
    "5117": 7,
    "5118": 8,
    "5120": 3,
    "5132": 13,
    "5133": 18,
    "5134": 17,
}
AUTONOMOUS_PREFECTURES = frozenset({"5132", "5133", "5134"})
TOWNSHIPS_PER_COUNTY = (10, 22)
VILLAGES_PER_TOWNSHIP = (4, 12)
ELECTION_DATES = [dt.date(2026, 12, 31), dt.date(2027, 1, 10), dt.date(2027, 1, 15), dt.date(2027, 1, 20)]

# (code, name, planned election date, township count), as `tables.COUNTIES`
CountyRow = tuple[str, str, dt.date | None, int]


def _kinds(city: str, count: int) -> list[str]:
    """区/县/市 of the city's county-level divisions, in code order."""
    if city in AUTONOMOUS_PREFECTURES:
        districts, cities = 0, 1
    else:
        districts, cities = max(1, round(count * 0.35)), round(count * 0.15)
    return ["区"] * districts + ["县"] * (count - districts - cities) + ["市"] * cities


@cache
def province_counties(seed: int) -> tuple[CountyRow, ...]:
    """The invented counties of the cities other than 巴中, ordered by code (see the module docstring)."""
    rng = random.Random(f"{seed}:province")
    taken = {name for _, name, _, _ in COUNTIES}
    rows: list[CountyRow] = []
    for city in sorted(SICHUAN_CITIES):
        if city == DEMO_CITY:
            continue
        next_number = {"区": 2, "县": 21, "市": 81}
        for kind in _kinds(city, CITY_COUNTY_COUNTS[city]):
            code = f"{city}{next_number[kind]:02d}"
            next_number[kind] += 1
            name = ""
            while not name or name in taken:
                name = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + kind
            taken.add(name)
            planned = rng.choice(ELECTION_DATES) if rng.random() < 0.8 else None
            rows.append((code, name, planned, rng.randint(*TOWNSHIPS_PER_COUNTY)))
    return tuple(rows)


def counties_of_scale(scale: str, seed: int) -> list[CountyRow]:
    """The counties a scale seeds, in seeding order (`small` ⊂ `city` ⊂ `province`)."""
    if scale == "small":
        return COUNTIES[:1]
    if scale == "city":
        return list(COUNTIES)
    return [*COUNTIES, *province_counties(seed)]


def cities_demo_first(codes: Iterable[str]) -> list[str]:
    """City codes with 巴中 first, then by code: the after-seed hooks draw for 巴中 first, so that at `province`
    scale its reserves, classes, talents and mentors are the same as at `city` scale."""
    return sorted(codes, key=lambda code: (code != DEMO_CITY, code))


def is_demo_city(county_code: str) -> bool:
    return city_code_of(county_code) == DEMO_CITY
