"""Rule values: the thresholds of the 两低一高 and succession-gap rules (docs/domain.md §5).

Each threshold is stored as a dated `RuleValue` row with its 文号: a county's own value wins over the city
default (county empty), and the value in force on a date is the one with the latest effective_on ≤ that date.
When neither exists the code default below applies. Education thresholds are stored as their
`choices.EDUCATION_RANK` number (初中 = 2, 高中/中专 = 3 …) because RuleValue.value is numeric.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q

from villages.choices import EDUCATION_RANK, Education
from villages.models import County, RuleValue

ValueKind = Literal["age", "days", "months", "years", "count", "share", "education", "in_progress", "switch"]
# A rule value as a RuleSet attribute: a number of years/days/people, a share, or an education tier.
RuleScalar = int | float | str

# The one name for rank → tier when a threshold is stored as a rank (3 = 高中/中专: the lower-ranked key).
EDUCATION_OF_RANK: dict[int, str] = {
    0: Education.NONE,
    1: Education.PRIMARY,
    2: Education.JUNIOR_HIGH,
    3: Education.HIGH_SCHOOL,
    4: Education.ASSOCIATE,
    5: Education.BACHELOR,
    6: Education.POSTGRADUATE,
}
DEFAULT_DOCUMENT_NUMBER = "默认值（未经文件核实）"
DEFAULT_EFFECTIVE_ON = dt.date(2021, 1, 1)
# How a course under way (在读) counts (villages/education.py): 0 = only degrees held, 1 = 大专在读 as 大专 (the
# default, as before), 2 = every course under way as the level studied.
IN_PROGRESS_LABELS: dict[int, str] = {
    0: "不计入：只认已取得的学历",
    1: "大专在读计为大专",
    2: "在读均按所读层次计入",
}
# A "switch" value: 1 = on (refuse), 0 = warn only (let through with a warning and an audit record).
SWITCH_LABELS: dict[int, str] = {1: "开启（未通过则拒绝）", 0: "仅提醒（放行并留痕）"}


@dataclass(frozen=True)
class RuleSpec:
    label: str
    kind: ValueKind


RULE_SPECS: dict[str, RuleSpec] = {
    "high_age_member": RuleSpec("两委成员年龄高（岁及以上）", "age"),
    "high_age_leader_amber": RuleSpec("书记/主任年龄预警（岁及以上，黄色）", "age"),
    "high_age_leader_red": RuleSpec("书记/主任年龄高（岁及以上，红色）", "age"),
    "high_age_group_leader": RuleSpec("社长年龄高（岁及以上）", "age"),
    "low_education_max": RuleSpec("学历低（该学历及以下）", "education"),
    "young_age_max": RuleSpec("年轻成员年龄（岁及以下）", "age"),
    "village_flagged_share": RuleSpec("村级两低一高：年龄高或学历低成员占比（≥）", "share"),
    "acting_red_days": RuleSpec("关键岗位空缺/代理超过天数（红色）", "days"),
    "no_party_member_amber_years": RuleSpec("未发展党员年数（黄色，≥）", "years"),
    "no_party_member_red_years": RuleSpec("未发展党员年数（红色，≥）", "years"),
    "reserve_min_count": RuleSpec("每村在库后备干部最少人数", "count"),
    "reserve_age_max": RuleSpec("后备干部年龄（岁及以下）", "age"),
    "reserve_age_relaxed_max": RuleSpec("后备干部放宽年龄（岁及以下）", "age"),
    "reserve_education_min": RuleSpec("后备干部学历（该学历及以上）", "education"),
    "roster_confirmation_days": RuleSpec("花名册确认周期（天）", "days"),
    # Growing the bench (docs/domain.md §11): mentors, talks and how 在读 counts.
    "mentor_named_within_months": RuleSpec("后备干部入库后明确帮带人时限（月）", "months"),
    "mentor_talk_months": RuleSpec("帮带人谈心谈话间隔（月，至少每…一次）", "months"),
    "secretary_talk_months": RuleSpec("乡镇党委书记与后备干部谈话间隔（月）", "months"),
    "in_progress_counts": RuleSpec("在读学历计入方式", "in_progress"),
    "review_required": RuleSpec("资格联审：未经联审不得任职", "switch"),
}


@dataclass(frozen=True)
class RuleValueSource:
    """Where a value in force comes from: a county row, the city default row, or the code default."""

    value: object
    effective_on: dt.date | None
    document_number: str
    scope: Literal["county", "city", "code"]
    rule_value_id: int | None = None

    @property
    def is_default(self) -> bool:
        return self.scope == "code" or self.document_number == DEFAULT_DOCUMENT_NUMBER


@dataclass(frozen=True)
class RuleSet:
    """The thresholds in force for one county on one date (defaults: docs/domain.md §5)."""

    high_age_member: int = 60
    high_age_leader_amber: int = 55
    high_age_leader_red: int = 60
    high_age_group_leader: int = 70
    low_education_max: str = Education.JUNIOR_HIGH
    young_age_max: int = 35
    village_flagged_share: float = 0.5
    acting_red_days: int = 90
    no_party_member_amber_years: int = 2
    no_party_member_red_years: int = 10
    reserve_min_count: int = 2
    reserve_age_max: int = 35
    reserve_age_relaxed_max: int = 45
    reserve_education_min: str = Education.HIGH_SCHOOL
    # Without a rule value, villages/roster/confirmation.py uses settings.ROSTER_CONFIRMATION_PERIOD_DAYS.
    roster_confirmation_days: int = 90
    mentor_named_within_months: int = 1
    mentor_talk_months: int = 6
    secretary_talk_months: int = 12
    in_progress_counts: int = 1  # IN_PROGRESS_LABELS
    # 未经联审不得任职 (reserves/reviews/enforcement.py): 1 refuses, 0 warns (SWITCH_LABELS). Without a rule value
    # (acts dated before the city defaults begin, e.g. back-filled results of 2016) it warns; the city defaults
    # (reserves migration 0006) turn it on from 2025-10-01.
    review_required: int = 0
    sources: dict[str, RuleValueSource] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def is_low_education(self, education: str) -> bool:
        return EDUCATION_RANK[education] <= EDUCATION_RANK[self.low_education_max]

    def label(self, key: str) -> str:
        return RULE_SPECS[key].label


CODE_DEFAULTS = RuleSet()


def to_python(key: str, value: Decimal) -> RuleScalar:
    """A stored decimal as the RuleSet attribute's type."""
    kind = RULE_SPECS[key].kind
    if kind == "education":
        return EDUCATION_OF_RANK[int(value)]
    if kind == "share":
        return float(value)
    return int(value)


def to_stored(key: str, value: object) -> Decimal:
    """A RuleSet attribute value as the decimal stored in RuleValue.value."""
    if RULE_SPECS[key].kind == "education":
        return Decimal(EDUCATION_RANK[str(value)])
    return Decimal(str(value))


def display_value(key: str, value: RuleScalar | Decimal) -> str:
    kind = RULE_SPECS[key].kind
    if kind == "education":
        return str(Education(str(value)).label)
    if kind == "switch":
        return SWITCH_LABELS[1 if value else 0]
    if kind == "share":
        return f"{float(value) * 100:g}%"
    if kind == "in_progress":
        return IN_PROGRESS_LABELS[int(str(value))]
    return f"{value:g}" if isinstance(value, float | Decimal) else str(value)


class RuleBook:
    """All rule values, loaded once (one query), resolved per (county, date) in Python.

    List computations hold one RuleBook, so villages with different reference dates or counties cost no
    extra queries.
    """

    def __init__(self, values: Iterable[RuleValue]) -> None:
        self._rows: dict[tuple[int | None, str], list[RuleValue]] = defaultdict(list)
        for row in values:
            self._rows[(row.county_id, row.key)].append(row)
        for rows in self._rows.values():
            rows.sort(key=lambda r: r.effective_on, reverse=True)
        self._cache: dict[tuple[int | None, dt.date], RuleSet] = {}

    @classmethod
    def load(cls) -> RuleBook:
        return cls(
            RuleValue.objects.filter(key__in=RULE_SPECS).only(
                "county_id", "key", "value", "effective_on", "document_number"
            )
        )

    def _in_force(self, county_id: int | None, key: str, on: dt.date) -> RuleValue | None:
        return next((r for r in self._rows.get((county_id, key), ()) if r.effective_on <= on), None)

    def rules(self, *, county_id: int | None, on: dt.date) -> RuleSet:
        cached = self._cache.get((county_id, on))
        if cached is not None:
            return cached
        values: dict[str, Any] = {}  # RuleSet field name → value, passed to dataclasses.replace
        sources: dict[str, RuleValueSource] = {}
        for key in RULE_SPECS:
            row = (self._in_force(county_id, key, on) if county_id is not None else None) or self._in_force(
                None, key, on
            )
            if row is None:
                code_value = getattr(CODE_DEFAULTS, key)
                sources[key] = RuleValueSource(code_value, None, DEFAULT_DOCUMENT_NUMBER, "code")
                continue
            values[key] = to_python(key, row.value)
            scope: Literal["county", "city"] = "county" if row.county_id is not None else "city"
            sources[key] = RuleValueSource(values[key], row.effective_on, row.document_number, scope, row.pk)
        ruleset = dataclasses.replace(CODE_DEFAULTS, sources=sources, **values)
        self._cache[(county_id, on)] = ruleset
        return ruleset


def rules_for(*, county_id: int | None, on: dt.date) -> RuleSet:
    """The thresholds in force for a county on a date: its own value, else the city default, else the code default.

    county_id=None gives the city defaults. One query.
    """
    scope = Q(county__isnull=True) | Q(county_id=county_id) if county_id is not None else Q(county__isnull=True)
    rows = RuleValue.objects.filter(scope, key__in=RULE_SPECS, effective_on__lte=on)
    return RuleBook(rows).rules(county_id=county_id, on=on)


def rules_by_county(*, on: dt.date) -> dict[int | None, RuleSet]:
    """RuleSet per county id (plus None: the city defaults) in force on a date. Two queries."""
    book = RuleBook.load()
    result: dict[int | None, RuleSet] = {None: book.rules(county_id=None, on=on)}
    for county_id in County.objects.values_list("pk", flat=True):
        result[county_id] = book.rules(county_id=county_id, on=on)
    return result


def add_rule_value(
    *, county_id: int | None, key: str, value: object, effective_on: dt.date, document_number: str, note: str = ""
) -> RuleValue:
    """Record a new dated value (history is kept: earlier rows stay). Replaces a row of the same date."""
    if key not in RULE_SPECS:
        raise ValueError(f"unknown rule key {key!r}")
    row, _ = RuleValue.objects.update_or_create(
        # django-stubs types the `_id` lookup of a nullable ForeignKey as not nullable; None means "city default".
        county_id=county_id,  # type: ignore[misc]
        key=key,
        effective_on=effective_on,
        defaults={"value": to_stored(key, value), "document_number": document_number, "note": note},
    )
    return row


@dataclass(frozen=True)
class RuleRow:
    key: str
    label: str
    value_display: str
    source: RuleValueSource
    history: list[tuple[RuleValue, str]]


def rule_table(*, county_id: int | None, on: dt.date) -> dict[str, object]:
    """The rules page: per key the value in force on `on` with its source, and every dated value (county's own
    and the city defaults, newest first). One query."""
    rows = list(
        RuleValue.objects.filter(Q(county__isnull=True) | Q(county_id=county_id), key__in=RULE_SPECS)
        .select_related("county")
        .order_by("key", "-effective_on", "county_id")
    )
    ruleset = RuleBook(rows).rules(county_id=county_id, on=on)
    table = [
        RuleRow(
            key,
            spec.label,
            display_value(key, getattr(ruleset, key)),
            ruleset.sources[key],
            [(r, display_value(key, to_python(key, r.value))) for r in rows if r.key == key],
        )
        for key, spec in RULE_SPECS.items()
    ]
    return {"rule_rows": table, "rules_on": on}
