"""Dashboards for a scope (the province, one city, one county, one township): the numbers behind every chart and
table.

Contract:
- `dashboard_scope(user=..., level=..., code=...)` resolves what a user may look at: each user's own scope when
  no level is given (a province admin's is the province, a city admin's their city); a city, county or township
  inside their scope otherwise (outsiders and levels above the user's own scope: 404). The drill-down runs
  province → city → county → township.
- `build_dashboard(scope=..., as_of=...)` computes everything in a constant number of queries, whatever the
  number of villages or people. `as_of` (today) chooses the current roster; ages are 周岁 on each village's age
  reference date (villages/reference.py: its planned election date, else its county's, else today), like every
  other page, the API and the reports; the drill-down people lists filter ages on the same dates. Red/yellow
  counts are `villages.risk.severity_counts` over the stored findings; reserve counts are
  `structure.active_reserves_expression`.
- Every number carries the query-string filter of the list behind it (`Drill`): the view turns it into a link,
  the numbers module never builds URLs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from django.db.models import CharField, Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from dashboards.drills import TWO_LOWS_VILLAGE, Drill, bench_drill, outcomes_drill, unit_drills
from reserves import outcomes, succession
from reserves.choices import Readiness, ReserveStatus
from reserves.models import Reserve, TrainingClass
from reserves.outcomes import Rate
from villages import permissions, structure
from villages.choices import (
    COMMITTEE_POSTS,
    EDUCATION_RANK,
    AfterElectionRiskKind,
    BenchRiskKind,
    PersonFlag,
    Post,
    ReviewRiskKind,
    VillageFlag,
)
from villages.models import City, County, PostAssignment, Risk, Township, User, Village, age_on
from villages.reference import ReferenceDate, common_caption, reference_from
from villages.risk import SeverityCounts, stored_severity_counts
from villages.roster.confirmation import overdue_counts

Level = Literal["province", "city", "county", "township"]
ChildLevel = Literal["city", "county", "township", "village"]
CHILD_LEVEL: dict[Level, ChildLevel] = {
    "province": "city",
    "city": "county",
    "county": "township",
    "township": "village",
}
LEVEL_ORDER: dict[str, int] = {"province": 0, "city": 1, "county": 2, "township": 3}
KIND_LABELS: dict[str, str] = (
    dict(VillageFlag.choices)
    | dict(PersonFlag.choices)
    | dict(BenchRiskKind.choices)
    | dict(ReviewRiskKind.choices)
    | dict(AfterElectionRiskKind.choices)
)
GROUP_LEADER_POSTS: frozenset[str] = frozenset({Post.GROUP_LEADER})

# Education bands as filters on the highest education (codes of the band's lowest and highest member).
EDUCATION_BAND_RANGES: dict[int, tuple[str, str]] = {
    6: ("postgraduate", "postgraduate"),
    5: ("bachelor", "bachelor"),
    4: ("associate", "associate"),
    3: ("high_school", "secondary_vocational"),
    2: ("junior_high", "junior_high"),
    1: ("primary", "primary"),
    0: ("none", "none"),
}


@dataclass(frozen=True)
class DashboardScope:
    level: Level
    county: County | None
    township: Township | None
    villages: QuerySet[Village]
    city: City | None = None

    @property
    def label(self) -> str:
        if self.township is not None:
            return f"{self.township.county.name}{self.township.name}"
        if self.county is not None:
            return self.county.name
        return self.city.name if self.city is not None else "全省"

    @property
    def child_level(self) -> ChildLevel:
        return CHILD_LEVEL[self.level]

    @property
    def params(self) -> dict[str, str]:
        """The scope as list filters (codes, as in the API)."""
        if self.township is not None:
            return {"township": self.township.code}
        if self.county is not None:
            return {"county": self.county.code}
        if self.city is not None:
            return {"city": self.city.code}
        return {}


def own_level(user: User) -> tuple[Level, str]:
    """The user's own dashboard: its level and code (the province has none)."""
    if user.is_township_secretary and user.township is not None:
        return "township", user.township.code
    if user.is_county_staff and user.county is not None:
        return "county", user.county.code
    if user.is_city_admin and user.city is not None:
        return "city", user.city.code
    if user.is_province_admin:
        return "province", ""
    raise Http404("超出权限范围")


def dashboard_scope(*, user: User, level: Level | None = None, code: str | None = None) -> DashboardScope:
    """The scope a user asked for: their own when `level` is None. Outside their scope or above it: Http404."""
    own, own_code = own_level(user)
    if level is None:
        level, code = own, own_code
    if LEVEL_ORDER[level] < LEVEL_ORDER[own]:
        raise Http404("超出权限范围")
    villages = Village.objects.for_user(user)
    if level == "township":
        township = permissions.township_for(user, code or "")
        return DashboardScope("township", township.county, township, villages.filter(township=township))
    if level == "county":
        county = permissions.county_for(user, code or "")
        return DashboardScope("county", county, None, villages.filter(township__county=county))
    if level == "city":
        city = permissions.city_for(user, code or "")
        return DashboardScope("city", None, None, villages.filter(township__county__city=city), city=city)
    return DashboardScope("province", None, None, villages)


@dataclass(frozen=True)
class Band:
    label: str
    count: int
    drill: Drill


@dataclass
class ChildRow:
    """One row of the breakdown table: a city (province view), county (city view), township (county view) or village
    (township view)."""

    code: str
    name: str
    pk: int = 0
    villages: int = 0
    stats: structure.Stats = field(default_factory=structure.Stats)
    two_lows_villages: int = 0
    open_risks: int = 0
    covered: int = 0
    overdue: int = 0
    secretary_gaps: int = 0  # villages whose secretary seat has no ready successor
    level: str = "village"
    counts: SeverityCounts = field(default_factory=SeverityCounts)
    active_reserves: int = 0
    references: list[ReferenceDate] = field(default_factory=list)

    @property
    def reference_caption(self) -> str:
        return common_caption(self.references)

    @property
    def coverage(self) -> outcomes.Rate:
        return outcomes.Rate(self.covered, self.villages)

    @property
    def drills(self) -> dict[str, Drill]:
        return unit_drills({self.level: self.code})

    @property
    def bench_drill(self) -> Drill | None:
        drill = bench_drill(self.level, self.code)
        return drill.with_params(gaps="on") if drill else None


@dataclass(frozen=True)
class RiskKindRow:
    kind: str
    label: str
    total: int
    by_child: dict[str, int]  # child code → open risks
    drill: Drill
    cells: list[tuple[int, Drill]] = field(default_factory=list)  # aligned with Dashboard.children


@dataclass
class Dashboard:
    scope: DashboardScope
    as_of: dt.date
    committee: structure.Stats
    group_leaders: structure.Stats
    committee_age: list[Band]
    committee_education: list[Band]
    leader_age: list[Band]
    leader_education: list[Band]
    children: list[ChildRow]
    risk_kinds: list[RiskKindRow]
    coverage: outcomes.Rate
    bench: list[tuple[succession.Seat, int]]
    outcomes: outcomes.Outcomes
    villages: int
    two_lows_villages: int
    overdue_confirmations: int
    counts: SeverityCounts = field(default_factory=SeverityCounts)
    active_reserves: int = 0
    reference_caption: str = ""

    @property
    def open_risks(self) -> int:
        return sum(row.total for row in self.risk_kinds)

    @property
    def drills(self) -> dict[str, Drill]:
        return unit_drills(self.scope.params)

    @property
    def scope_code(self) -> str:
        return self.scope.params.get(self.scope.level, "")

    @property
    def bench_drill(self) -> Drill | None:
        return bench_drill(self.scope.level, self.scope_code)

    @property
    def outcomes_drill(self) -> Drill:
        return outcomes_drill(self.scope.level, self.scope_code)

    @property
    def two_lows_rate(self) -> Rate:
        return Rate(self.two_lows_villages, self.villages)

    @property
    def overdue_rate(self) -> Rate:
        return Rate(self.overdue_confirmations, self.villages)


def people_drill(scope: DashboardScope, *, post_group: str, **params: object) -> Drill:
    return Drill("villages:people").with_params(**scope.params, post_group=post_group, **params)


def risks_drill(scope: DashboardScope, **params: object) -> Drill:
    """The risk list with what the dashboards count: open (active, neither resolved nor accepted) risks."""
    return Drill("villages:risks").with_params(**scope.params, state="open", **params)


class Member(NamedTuple):
    """One person in a post group of one village: what the structure figures need."""

    child: str  # code of the breakdown row
    age: int
    edu_rank: int
    gender: str

    @property
    def triple(self) -> tuple[int, int, str]:
        return self.age, self.edu_rank, self.gender


RANK_OF: dict[str, int] = {str(code): rank for code, rank in EDUCATION_RANK.items()} | {"": -1}


def _members(
    scope: DashboardScope, *, as_of: dt.date, child_of: dict[int, str], reference_on: dict[int, dt.date]
) -> dict[str, list[Member]]:
    """The 两委 members and the 社长 of the scope (one query), one per person and village, ages on each village's
    reference date (`reference_on`: village id → date).

    Python does the arithmetic (the same as structure.Stats.from_members): at city scale this one plain query
    (two tables; `child_of` maps village id → breakdown code) is several times faster than per-band SQL
    aggregates with date arithmetic in every filter.
    """
    rows = (
        PostAssignment.objects.current(min(as_of, timezone.localdate()))
        .filter(village__in=scope.villages.values("pk"), post__in=list(COMMITTEE_POSTS | GROUP_LEADER_POSTS))
        .filter(person__deleted_at__isnull=True)
        .order_by()
        # The birth date as ISO text: converting 30,000 SQLite date strings through Django's converters costs
        # more than the query itself; date.fromisoformat below is the same conversion in C.
        .annotate(birth=Cast("person__birth_date", output_field=CharField()))
        .values_list(
            "village_id",
            "person_id",
            "post",
            "birth",
            "person__education",
            "person__education_in_service",
            "person__gender",
        )
    )
    committee: dict[tuple[int, int], Member] = {}
    leaders: dict[tuple[int, int], Member] = {}
    leader_post = str(Post.GROUP_LEADER)
    for village_id, person_id, post, birth, education, in_service, gender in rows:
        seen = leaders if post == leader_post else committee
        if (village_id, person_id) not in seen:
            rank = max(RANK_OF[education], RANK_OF.get(in_service, -1))
            age = age_on(dt.date.fromisoformat(birth[:10]), reference_on[village_id])
            seen[(village_id, person_id)] = Member(child_of[village_id], age, rank, gender)
    return {"committee": list(committee.values()), "group_leader": list(leaders.values())}


def _in_band(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _age_bands(scope: DashboardScope, members: list[Member], *, post_group: str) -> list[Band]:
    bands = []
    for label, low, high in structure.AGE_BANDS:
        count = sum(_in_band(m.age, low, high) for m in members)
        bands.append(Band(label, count, people_drill(scope, post_group=post_group, age_min=low, age_max=high)))
    return bands


def _education_bands(scope: DashboardScope, members: list[Member], *, post_group: str) -> list[Band]:
    bands = []
    for label, rank in structure.EDUCATION_BANDS:
        low, high = EDUCATION_BAND_RANGES[rank]
        drill = people_drill(scope, post_group=post_group, education_min=low, education_max=high)
        bands.append(Band(label, sum(m.edu_rank == rank for m in members), drill))
    return bands


CHILD_PATH = {"city": "township__county__city", "county": "township__county", "township": "township", "village": ""}


def _child_units(scope: DashboardScope) -> list[ChildRow]:
    units: QuerySet[City] | QuerySet[County] | QuerySet[Township] | QuerySet[Village]
    if scope.child_level == "city":
        units = City.objects.filter(counties__townships__villages__in=scope.villages).distinct()
    elif scope.child_level == "county":
        units = County.objects.filter(townships__villages__in=scope.villages).distinct()
    elif scope.child_level == "township":
        units = Township.objects.filter(villages__in=scope.villages).distinct()
    else:
        units = scope.villages
    rows = units.order_by("code").values_list("pk", "code", "name")
    return [ChildRow(code, name, pk, level=scope.child_level) for pk, code, name in rows]


class VillageFact(NamedTuple):
    pk: int
    child: str  # code of the breakdown row
    covered: bool  # has a secretary reserve
    two_lows: bool  # flagged 两低一高 by the risk engine
    reference: ReferenceDate
    active_reserves: int


def _village_facts(scope: DashboardScope, *, as_of: dt.date) -> list[VillageFact]:
    """Per village: breakdown row, secretary reserve, 两低一高, age reference date, active reserves. One query."""
    two_lows = Risk.objects.filter(village=OuterRef("pk"), kind=TWO_LOWS_VILLAGE, is_active=True)
    rows = outcomes.villages_with_secretary_reserve(scope.villages).annotate(
        two_lows=Exists(two_lows), n_reserves=structure.active_reserves_expression()
    )
    fields = ("pk", _village_child_field(scope), "has_secretary_reserve", "two_lows", "planned_election_on")
    return [
        VillageFact(pk, child, covered, two_lows, reference_from(as_of=None, village_planned=planned,
                    county_planned=county_planned, today=as_of), n_reserves)
        for pk, child, covered, two_lows, planned, county_planned, n_reserves in rows.order_by().values_list(
            *fields, "township__county__planned_election_on", "n_reserves"
        )
    ]  # fmt: skip


def _risk_kinds(scope: DashboardScope) -> list[RiskKindRow]:
    path = CHILD_PATH[scope.child_level]
    code_field = f"village__{path}__code" if path else "village__code"
    rows = (
        Risk.objects.filter(village__in=scope.villages)
        .open()
        .order_by()
        .values_list("kind", code_field)
        .annotate(n=Count("pk"))
    )
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, child, n in rows:
        by_kind[kind][child] = n
    order = {kind: i for i, kind in enumerate(KIND_LABELS)}
    return [
        RiskKindRow(kind, KIND_LABELS.get(kind, kind), sum(cells.values()), cells, risks_drill(scope, kind=kind))
        for kind, cells in sorted(by_kind.items(), key=lambda item: (order.get(item[0], 99), item[0]))
    ]


def _bench(scope: DashboardScope, *, villages: int) -> tuple[list[tuple[succession.Seat, int]], Counter]:
    """Villages without a ready successor per seat, and per breakdown row for the secretary seat: the counts of
    reserves.succession.bench_strength (ready = an active reserve, ready now, for a post of the seat) from one
    grouped query instead of one object per village."""
    path = CHILD_PATH[scope.child_level]
    child_field = f"village__{path}__code" if path else "village__code"
    ready = (
        Reserve.objects.filter(
            village__in=scope.villages.values("pk"),
            status=ReserveStatus.ACTIVE,
            readiness=Readiness.READY_NOW,
            person__deleted_at__isnull=True,
        )
        .order_by()
        .values_list("village_id", "target_post", child_field)
        .distinct()
    )
    ready_villages: dict[str, set[int]] = defaultdict(set)
    secretary_ready: dict[str, set[int]] = defaultdict(set)
    for village_id, post, child in ready:
        seat = succession.SEAT_OF_POST.get(post)
        if seat is None:
            continue
        ready_villages[seat.key].add(village_id)
        if seat.key == "secretary":
            secretary_ready[child].add(village_id)
    without = [(seat, villages - len(ready_villages[seat.key])) for seat in succession.SEATS]
    return without, Counter({child: len(ids) for child, ids in secretary_ready.items()})


def build_dashboard(*, scope: DashboardScope, as_of: dt.date) -> Dashboard:
    """Everything one dashboard shows, in a constant number of queries (about 20), whatever the scope's size."""
    children = _child_units(scope)
    by_code = {row.code: row for row in children}
    facts = _village_facts(scope, as_of=as_of)
    members = _members(
        scope,
        as_of=as_of,
        child_of={f.pk: f.child for f in facts},
        reference_on={f.pk: f.reference.on for f in facts},
    )
    per_child: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for member in members["committee"]:
        per_child[member.child].append(member.triple)
    for code, triples in per_child.items():
        by_code[code].stats = structure.Stats.from_members(triples)
    counts = stored_severity_counts(villages=scope.villages)
    for fact in facts:
        row = by_code[fact.child]
        row.villages += 1
        row.covered += fact.covered
        row.two_lows_villages += fact.two_lows
        row.counts += counts.get(fact.pk, SeverityCounts())
        row.active_reserves += fact.active_reserves
        row.references.append(fact.reference)
    risk_kinds = _risk_kinds(scope)
    for kind_row in risk_kinds:
        for code, n in kind_row.by_child.items():
            by_code[code].open_risks += n
        for child in children:
            unit = {child.level: child.code}
            kind_row.cells.append((kind_row.by_child.get(child.code, 0), kind_row.drill.with_params(**unit)))
    overdue, overdue_total = overdue_counts(villages=scope.villages, on=as_of, by=_village_child_field(scope))
    bench, secretary_ready = _bench(scope, villages=len(facts))
    for row in children:
        row.overdue = overdue[row.code]
        row.secretary_gaps = row.villages - secretary_ready[row.code]
    return Dashboard(
        scope=scope,
        as_of=as_of,
        committee=structure.Stats.from_members(m.triple for m in members["committee"]),
        group_leaders=structure.Stats.from_members(m.triple for m in members["group_leader"]),
        committee_age=_age_bands(scope, members["committee"], post_group="committee"),
        committee_education=_education_bands(scope, members["committee"], post_group="committee"),
        leader_age=_age_bands(scope, members["group_leader"], post_group="group_leader"),
        leader_education=_education_bands(scope, members["group_leader"], post_group="group_leader"),
        children=children,
        risk_kinds=risk_kinds,
        coverage=outcomes.Rate(sum(f.covered for f in facts), len(facts)),
        bench=bench,
        outcomes=outcomes.area_outcomes(
            classes=_scope_classes(scope), county=scope.county, township=scope.township, as_of=as_of
        ),
        villages=len(facts),
        two_lows_villages=sum(f.two_lows for f in facts),
        overdue_confirmations=overdue_total,
        counts=sum((row.counts for row in children), SeverityCounts()),
        active_reserves=sum(f.active_reserves for f in facts),
        reference_caption=common_caption(f.reference for f in facts),
    )


def _scope_classes(scope: DashboardScope) -> QuerySet[TrainingClass] | None:
    """A city's outcomes count the classes of its counties (the province's: every class)."""
    return TrainingClass.objects.filter(county__city=scope.city) if scope.city is not None else None


def _village_child_field(scope: DashboardScope) -> str:
    """The breakdown row's code as a path from a village."""
    path = CHILD_PATH[scope.child_level]
    return f"{path}__code" if path else "code"
