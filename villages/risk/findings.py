"""Findings, rule results and the facts rules are applied to (the risk engine's value types)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from villages.choices import (
    COMMITTEE_POSTS,
    ORGAN_OF_POST,
    Education,
    Grade,
    Health,
    Organ,
    PersonFlag,
    Post,
    Severity,
    VillageFlag,
    flag_label,
)
from villages.models import Person
from villages.reference import ReferenceDate
from villages.rules import RuleSet
from villages.structure import Stats

AUTO_CLOSE_NOTE = "数据已不支持该风险（自动关闭）"
REOPEN_NOTE = "数据再次支持该风险，已自动重新打开"
FLAGGED_POSTS: frozenset[str] = COMMITTEE_POSTS | {Post.GROUP_LEADER}
# 村委会 proper (the clerk sits with the committee for the ratios but is not an elected member).
VILLAGE_COMMITTEE_POSTS: frozenset[str] = frozenset(
    p for p, organ in ORGAN_OF_POST.items() if organ == Organ.COMMITTEE and p != Post.CLERK
)
LOW_GRADES: frozenset[str] = frozenset({Grade.BASICALLY_COMPETENT, Grade.INCOMPETENT})
SEVERITY_ORDER: dict[str, int] = {Severity.AMBER: 1, Severity.RED: 2}
# Plain dicts: enum construction per row (Post(value).label) is measurably slow over a whole city.
POST_LABELS: dict[str, str] = dict(Post.choices)
EDUCATION_LABELS: dict[str, str] = dict(Education.choices)
GRADE_LABELS: dict[str, str] = dict(Grade.choices)
HEALTH_LABELS: dict[str, str] = dict(Health.choices)


def unable_cause(health: str) -> str:
    return HEALTH_LABELS[health] if health in (Health.DISABLED, Health.CHRONIC) else "健康等原因"


# The rule values (villages/rules.py RULE_SPECS keys) each rule reads; a report prints them with their 文号.
# high_age depends on the post (leader, member or 社长): its findings carry their own `rule_keys`.
RULE_KEYS_OF_KIND: dict[str, tuple[str, ...]] = {
    PersonFlag.HIGH_AGE: ("high_age_member", "high_age_leader_amber", "high_age_leader_red", "high_age_group_leader"),
    PersonFlag.LOW_EDUCATION: ("low_education_max",),
    PersonFlag.LOW_QUALITY: (),
    PersonFlag.TWO_LOWS_ONE_HIGH: ("high_age_member", "low_education_max"),
    VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE: ("village_flagged_share", "high_age_member", "low_education_max"),
    VillageFlag.NO_YOUNG_MEMBER: ("young_age_max",),
    VillageFlag.SECRETARY_OVER_AGE_AT_ELECTION: ("high_age_leader_red",),
    VillageFlag.NO_SECRETARY_RESERVE: (),
    VillageFlag.RESERVE_SHORTFALL: ("reserve_min_count",),
    VillageFlag.VACANT_OR_ACTING_POST: ("acting_red_days",),
    VillageFlag.NO_NEW_PARTY_MEMBER: ("no_party_member_amber_years", "no_party_member_red_years"),
    VillageFlag.GROUP_LEADERS_UNABLE: ("high_age_group_leader", "village_flagged_share"),
    VillageFlag.NO_WOMAN_ON_COMMITTEE: (),
}
# Rules without a configurable value: what they test, printed as their basis.
FIXED_RULE_TEXT: dict[str, str] = {
    PersonFlag.LOW_QUALITY: "最近年度考核基本称职或不称职、乡镇综合素养评价为差，或不能正常履职（不能履职为红色）",
    VillageFlag.NO_SECRETARY_RESERVE: "每村至少一名以书记为目标岗位的在库后备干部（一职一备）",
    VillageFlag.NO_WOMAN_ON_COMMITTEE: "村委会成员中至少一名女性",
}


# ---- public data types ----


@dataclass(frozen=True)
class Finding:
    """One flag or gap that fires. kind is a PersonFlag or VillageFlag value, or a kind of a registered finder.

    `rule_keys`: the rule values this finding was judged by (empty: those of its kind, RULE_KEYS_OF_KIND).
    `owner_id` and `due_on` are set by finders whose findings come with them (the review's work queue): a new Risk
    row takes both; an existing row's due date follows the finding, its owner is filled only when empty.
    """

    kind: str
    severity: str
    detail: str
    person_id: int | None = None
    post: str = ""
    rule_keys: tuple[str, ...] = ()
    owner_id: int | None = None
    due_on: dt.date | None = None

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def keys(self) -> tuple[str, ...]:
        return self.rule_keys or RULE_KEYS_OF_KIND.get(self.kind, ())

    @property
    def is_gap(self) -> bool:
        """A village-level finding (a failed village rule); person flags are not gaps."""
        return self.kind in GAP_KINDS


GAP_KINDS: frozenset[str] = frozenset(VillageFlag.values)
# Printed under every red/yellow count (covers, lists, pages): the definition, once.
SEVERITY_COUNT_CAPTION = (
    "红色/黄色：村级规则（共9项）未通过的项数，每项规则至多计1项；"
    "个人风险标记不另计数（它们经“村级两低一高”“社长难以履职”等规则计入）。"
)


class _Judged(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def severity(self) -> str: ...


@dataclass(frozen=True)
class SeverityCounts:
    """A village's (or a pool's) red and yellow counts, as defined by `severity_counts`."""

    red: int = 0
    amber: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber

    def __add__(self, other: SeverityCounts) -> SeverityCounts:
        return SeverityCounts(self.red + other.red, self.amber + other.amber)


def severity_counts(found: Iterable[_Judged]) -> SeverityCounts:
    """THE red/yellow count: a village's village-level findings (failed village rules, GAP_KINDS) by severity.

    Person flags are never added to it (a village with many 社 must not rank riskier for having more people).
    Takes anything with `kind` and `severity`: live Findings and stored Risk rows count alike.
    """
    return counted_severities((item.kind, item.severity, 1) for item in found)


def counted_severities(counted: Iterable[tuple[str, str, int]]) -> SeverityCounts:
    """`severity_counts` of (kind, severity, number of findings) rows: stored findings grouped in SQL."""
    red = amber = 0
    for kind, severity, n in counted:
        if kind in GAP_KINDS:
            red += n if severity == Severity.RED else 0
            amber += n if severity == Severity.AMBER else 0
    return SeverityCounts(red, amber)


@dataclass(frozen=True)
class Seat:
    """A person in a post (real or proposed) as evaluate_committee takes it."""

    person: Person
    post: str
    how: str = "elected"
    start_on: dt.date | None = None
    group_number: int | None = None


@dataclass(frozen=True)
class RuleResult:
    key: str
    passed: bool
    severity: str
    reason: str

    @property
    def label(self) -> str:
        return kind_label(self.key)


@dataclass
class Evaluation:
    findings: list[Finding]
    person_flags: dict[int, list[Finding]]
    stats: Stats
    rule_results: list[RuleResult]
    rules: RuleSet | None = None  # the rule values in force on the reference date (with their 文号)
    reference: ReferenceDate | None = None
    active_reserves: int = 0  # structure.active_reserves_expression: the one reserve count
    seats: list[SeatFacts] = field(default_factory=list)  # what the rules were applied to (ages on `reference`)

    @property
    def gaps(self) -> list[Finding]:
        return [f for f in self.findings if f.is_gap]

    @property
    def counts(self) -> SeverityCounts:
        return severity_counts(self.findings)


@dataclass(frozen=True)
class RecomputeSummary:
    created: int = 0
    updated: int = 0
    closed: int = 0
    reopened: int = 0


def kind_label(kind: str) -> str:
    return flag_label(kind)


# ---- facts the rules read (built from SQL rows in bulk, or from objects for a hypothetical committee) ----


@dataclass(frozen=True)
class SeatFacts:
    person_id: int
    name: str
    post: str
    how: str
    start_on: dt.date | None
    group_number: int | None
    birth_date: dt.date
    age: int
    edu_rank: int
    gender: str
    health: str
    able_to_serve: bool
    quality_rating: str
    latest_grade: str | None
    latest_grade_year: int | None

    @property
    def who(self) -> str:
        label = f"{self.group_number}社社长" if self.post == Post.GROUP_LEADER and self.group_number else None
        return f"{self.name}（{label or POST_LABELS[self.post]}）"


@dataclass
class VillageFacts:
    village_id: int
    county_id: int | None
    reference_on: dt.date
    status_on: dt.date
    election_on: dt.date | None
    last_party_admission_on: dt.date | None
    active_reserves: int
    secretary_reserve: bool
    last_vacated: dict[str, dt.date] = field(default_factory=dict)
    # Set when the only active secretary reserves no longer meet the rules: why none counts (the flag says so).
    uncounted_secretary_reserve: str = ""
    reference: ReferenceDate | None = None
