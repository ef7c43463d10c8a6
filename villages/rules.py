"""Rule values: the thresholds of the 两低一高 and succession-gap rules (docs/domain.md §5).

Each threshold is stored as a dated `RuleValue` row with its 文号: a county's own value wins over the city
default (county empty), and the value in force on a date is the one with the latest effective_on ≤ that date.
When neither exists the code default below applies. Education thresholds are stored as their
`choices.EDUCATION_RANK` number (初中 = 2, 高中/中专 = 3 …) because RuleValue.value is numeric.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q

from villages.choices import EDUCATION_RANK, Education, Relation
from villages.models import County, RuleValue

ValueKind = Literal[
    "age", "days", "months", "years", "count", "share", "education", "in_progress", "switch", "date", "relations"
]
# A rule value as a RuleSet attribute: a number of years/days/people, a share, an education tier, a switch (0/1), a
# date (None: not set) or a set of relations.
RuleScalar = int | float | str | dt.date | frozenset[str] | None

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
# A "date" value is stored as days since this day (RuleValue.value holds at most 6 integer digits).
DATE_EPOCH = dt.date(2000, 1, 1)
# A "relations" value is stored as a bit set over this order (Relation values; `other` never counts).
RELATION_BITS: tuple[str, ...] = tuple(r for r in Relation.values if r != Relation.OTHER)
# 近亲属 by default: spouse, lineal relatives, collateral relatives within three generations, close in-laws.
DEFAULT_NEAR_RELATIVES: frozenset[str] = frozenset(RELATION_BITS)


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
    # After the election (docs/domain.md §8): deadlines counted from the election date, 备案 deadlines.
    "aftercare_results_days": RuleSpec("换届结果报乡镇（换届后天数内）", "days"),
    "aftercare_supervision_days": RuleSpec("村务监督委员会推选（两委产生后天数内）", "days"),
    "aftercare_handover_days": RuleSpec("工作交接（换届后天数内）", "days"),
    "aftercare_talk_days": RuleSpec("新任成员谈心谈话（换届后天数内）", "days"),
    "aftercare_training_months": RuleSpec("岗前培训（换届后月数内）", "months"),
    "aftercare_archive_on": RuleSpec("换届资料归档截止日期", "date"),
    "filing_post_days": RuleSpec("书记、主任换届备案（换届后天数内）", "days"),
    "filing_midterm_days": RuleSpec("届中调整任前备案（提名后天数内）", "days"),
    "filing_reserve_days": RuleSpec("后备干部名单备案（入库后天数内，0为不要求）", "days"),
    # Compliance (村民委员会组织法 Art. 32; villages/risk/compliance.py).
    "supervision_min_members": RuleSpec("监委会最少人数", "count"),
    "supervision_max_members": RuleSpec("监委会最多人数", "count"),
    "near_relatives": RuleSpec("监委会回避的近亲属关系", "relations"),
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
    aftercare_results_days: int = 5
    aftercare_supervision_days: int = 10
    aftercare_handover_days: int = 10
    aftercare_talk_days: int = 7
    aftercare_training_months: int = 1
    aftercare_archive_on: dt.date | None = None  # no date set: 归档 has no deadline yet
    filing_post_days: int = 30
    filing_midterm_days: int = 15
    filing_reserve_days: int = 0  # 0: the county does not register its reserve list
    supervision_min_members: int = 3
    supervision_max_members: int = 5
    near_relatives: frozenset[str] = DEFAULT_NEAR_RELATIVES
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
    if kind == "date":
        return DATE_EPOCH + dt.timedelta(days=int(value))
    if kind == "relations":
        return frozenset(r for bit, r in enumerate(RELATION_BITS) if int(value) >> bit & 1)
    return int(value)


def to_stored(key: str, value: object) -> Decimal:
    """A RuleSet attribute value as the decimal stored in RuleValue.value."""
    kind = RULE_SPECS[key].kind
    if kind == "education":
        return Decimal(EDUCATION_RANK[str(value)])
    if kind == "date" and isinstance(value, dt.date):
        return Decimal((value - DATE_EPOCH).days)
    if kind == "relations" and isinstance(value, Iterable):
        chosen = set(value)
        return Decimal(sum(1 << bit for bit, r in enumerate(RELATION_BITS) if r in chosen))
    return Decimal(str(value))


def display_value(key: str, value: RuleScalar | Decimal) -> str:
    kind = RULE_SPECS[key].kind
    if kind == "education":
        return str(Education(str(value)).label)
    if kind == "switch":
        return SWITCH_LABELS[1 if value else 0]
    if kind == "share" and isinstance(value, int | float | str | Decimal):
        return f"{float(value) * 100:g}%"
    if kind == "in_progress":
        return IN_PROGRESS_LABELS[int(str(value))]
    if kind == "date":
        return f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else "未设定"
    if kind == "relations" and isinstance(value, Iterable):
        chosen = set(value)
        return "、".join(Relation(r).label for r in RELATION_BITS if r in chosen) or "无"
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
        """Every rule value (one query); inside `one_rule_book()` the book that block loaded first."""
        shared = getattr(_shared_book, "book", None)
        if shared is not None:
            return shared
        book = cls(
            RuleValue.objects.filter(key__in=RULE_SPECS).only(
                "county_id", "key", "value", "effective_on", "document_number"
            )
        )
        if getattr(_shared_book, "active", False):
            _shared_book.book = book
        return book

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


_shared_book = threading.local()


@contextlib.contextmanager
def one_rule_book() -> Iterator[None]:
    """Within the block every `RuleBook.load()` answers the same book: one computation that asks for the rule values
    in several places (a risk recompute: the engine, reserves' eligibility, filings, follow-up steps, mentoring)
    reads them once. Nested blocks share the outer one's book."""
    if getattr(_shared_book, "active", False):
        yield
        return
    _shared_book.active, _shared_book.book = True, None
    try:
        yield
    finally:
        _shared_book.active, _shared_book.book = False, None


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
