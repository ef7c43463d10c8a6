"""The structure after an election per reporting unit, and the two statistics forms counties send upward
(docs/domain.md §10): the 民政 换届 statistics form and the party's annual statistics, village section.

One computation feeds the page and both forms, so their numbers cannot differ: `unit_report` takes an area
(a township: one row per village; a county: one per township; the city: one per county) and returns its rows
and total as `StatisticsUnit`s over villages.term_structure's figures (the new term) plus what the villages
layer cannot know: villages with a secretary reserve (reserves.outcomes.villages_with_secretary_reserve). Only
villages that held an election since `since` count. Three queries whatever the area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from django.db.models import QuerySet

from reserves.outcomes import villages_with_secretary_reserve
from villages.models import City, County, Township, Village
from villages.term_structure import (
    SOURCE_LABELS,
    SOURCE_ORDER,
    TermFigures,
    TermPair,
    elected_villages,
    indicators,
    pooled,
    term_pairs,
)

Level = Literal["city", "county", "township"]
CHILD_LABEL: dict[str, str] = {"city": "区/县", "county": "乡镇/街道", "township": "村/社区"}


@dataclass
class StatisticsUnit:
    """One reporting unit's row: its terms, its villages' 村民代表 and how many have a secretary reserve."""

    label: str
    code: str
    pair: TermPair
    representatives: int = 0
    secretary_reserve_villages: int = 0

    @property
    def current(self) -> TermFigures:
        return self.pair.current

    @property
    def previous(self) -> TermFigures:
        return self.pair.previous

    @property
    def indicators(self) -> list:
        return indicators(self.pair)


@dataclass
class UnitReport:
    level: Level
    label: str
    child_label: str
    since: dt.date
    rows: list[StatisticsUnit]
    total: StatisticsUnit


CHILD_FIELDS: dict[str, tuple[str, str]] = {
    "township": ("code", "name"),
    "county": ("township__code", "township__name"),
    "city": ("township__county__code", "township__county__name"),
}


def unit_report(*, level: Level, label: str, villages: QuerySet[Village], since: dt.date) -> UnitReport:
    """Rows (children of the area in code order, only those with an election since `since`) and the total."""
    pairs = term_pairs(villages=villages, since=since)
    chosen = elected_villages(villages, since=since)
    reserve = dict(villages_with_secretary_reserve(chosen).values_list("pk", "has_secretary_reserve"))
    children: dict[str, StatisticsUnit] = {}
    grouped: dict[str, list[TermPair]] = defaultdict(list)
    found = chosen.order_by("code").values_list("pk", *CHILD_FIELDS[level], "villager_representatives")
    for pk, code, name, representatives in found:
        if pk not in pairs:
            continue  # elected between the two reads: the next report counts it
        unit = children.setdefault(code, StatisticsUnit(name, code, TermPair(TermFigures(), TermFigures())))
        unit.representatives += representatives or 0
        unit.secretary_reserve_villages += bool(reserve.get(pk))
        grouped[code].append(pairs[pk])
    for code, unit in children.items():
        unit.pair = pooled(grouped[code])
        if level == "township":
            unit.pair.election_on = grouped[code][0].election_on
    rows = [children[code] for code in sorted(children)]
    total = StatisticsUnit(
        "合计",
        "",
        pooled(u.pair for u in rows),
        sum(u.representatives for u in rows),
        sum(u.secretary_reserve_villages for u in rows),
    )
    return UnitReport(level, label, CHILD_LABEL[level], since, rows, total)


def area_villages(
    level: Level, unit: City | County | Township | None, villages: QuerySet[Village]
) -> QuerySet[Village]:
    if isinstance(unit, City):
        return villages.filter(township__county__city=unit)
    if isinstance(unit, Township):
        return villages.filter(township=unit)
    if isinstance(unit, County):
        return villages.filter(township__county=unit)
    return villages


# ---- the two forms' shapes (docs/exports.md) ----

MINZHENG_HEADERS: list[str] = [
    "单位",
    "换届村数",
    "两委成员总人数",
    "妇女",
    "党员",
    "连选连任",
    "新当选",
    "30岁及以下",
    "31–59岁",
    "60岁及以上",
    "大专及以上",
    "高中及以下",
    "两委交叉任职人数",
    "书记主任一人兼",
    *[f"新当选来源：{SOURCE_LABELS[s]}" for s in SOURCE_ORDER],
    "村民小组组长数",
    "村民代表人数",
]

PARTY_HEADERS: list[str] = [
    "单位",
    "换届村数",
    "村党组织书记",
    "其中：女",
    "其中：高中及以上",
    "其中：35岁及以下",
    "其中：60岁及以上",
    "支委兼任村委会成员",
    "其中：书记主任一人兼",
    "有书记后备人选的村",
]


def one_shoulder_cell(unit: StatisticsUnit, *, level: Level, total: bool) -> str | int:
    """For a village row 是/否 (是否书记主任一人兼); for any other row the number of villages."""
    if level == "township" and not total:
        return "是" if unit.current.one_shoulder else "否"
    return unit.current.one_shoulder


def minzheng_row(unit: StatisticsUnit, *, level: Level, total: bool = False) -> list[str | int]:
    c = unit.current
    return [
        unit.label,
        c.villages,
        c.members,
        c.women,
        c.party_members,
        c.re_elected,
        c.newly_elected,
        c.aged_30_or_under,
        c.aged_31_to_59,
        c.aged_60_plus,
        c.associate_or_above,
        c.high_school_or_below,
        c.cross_held,
        one_shoulder_cell(unit, level=level, total=total),
        *[c.sources.get(s, 0) for s in SOURCE_ORDER],
        c.group_leaders,
        unit.representatives,
    ]


def party_row(unit: StatisticsUnit) -> list[str | int]:
    c = unit.current
    return [
        unit.label,
        c.villages,
        c.secretaries,
        c.secretaries_women,
        c.secretaries_high_school_or_above,
        c.secretaries_35_or_under,
        c.secretaries_60_plus,
        c.cross_held,
        c.one_shoulder,
        unit.secretary_reserve_villages,
    ]
