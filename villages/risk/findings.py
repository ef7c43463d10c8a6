"""Findings, rule results and the facts rules are applied to (the risk engine's value types)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from villages.choices import (
    COMMITTEE_POSTS,
    ORGAN_OF_POST,
    Education,
    Grade,
    Health,
    Organ,
    Post,
    Severity,
    flag_label,
)
from villages.models import Person
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


# ---- public data types ----


@dataclass(frozen=True)
class Finding:
    """One flag or gap that fires. kind is a PersonFlag or VillageFlag value, or a kind of a registered finder.

    `owner_id` and `due_on` are set by finders whose findings come with them (the review's work queue): a new Risk
    row takes both; an existing row's due date follows the finding, its owner is filled only when empty.
    """

    kind: str
    severity: str
    detail: str
    person_id: int | None = None
    post: str = ""
    owner_id: int | None = None
    due_on: dt.date | None = None

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


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
