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

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from dashboards.drills import TWO_LOWS_VILLAGE, Drill, bench_drill, outcomes_drill, unit_drills
from reserves import outcomes, succession
from reserves.choices import Readiness, ReserveStatus
from reserves.models import Reserve, TrainingClass
from reserves.outcomes import Rate
from villages import permissions, structure
from villages.choices import (
    COMMITTEE_POSTS,
    AfterElectionRiskKind,
    BenchRiskKind,
    PersonFlag,
    Post,
    ReviewRiskKind,
    VillageFlag,
)
from villages.models import City, County, PostAssignment, Risk, Township, User, Village
from villages.reference import (
    ReferenceDate,
    common_caption,
    reference_date_expression,
    reference_from,
    roster_date,
)
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

    def county_ids(self) -> list[int] | None:
        """The counties whose data the scope's figures read (None: the whole province, every county)."""
        if self.county is not None:
            return [self.county.pk]
        if self.city is not None:
            return list(County.objects.filter(city=self.city).values_list("pk", flat=True))
        return None

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


# (age, education rank, gender) of one person: what the structure figures read (structure.Stats, the bands).
Profile = tuple[int, int, str]
# Post group ("committee" 两委, "group_leader" 社长) → breakdown row code → profile → number of people.
MemberCounts = dict[str, dict[str, Counter[Profile]]]


def _members(scope: DashboardScope, *, as_of: dt.date) -> MemberCounts:
    """The 两委 members and the 社长 of the scope, counted once per person and village (one grouped query): the
    number of people per post group, breakdown row and profile, ages in SQL on each village's reference date
    (structure.age_expression, villages/reference.py).

    At province scale the scope holds ~300,000 seats; grouping them in the database returns a few thousand rows,
    where reading every seat into Python cost seconds."""
    leader = str(Post.GROUP_LEADER)
    reference = reference_date_expression(as_of=None, today=as_of)
    one_per_person_and_village = ExpressionWrapper(
        F("village_id") * Value(1 << 32) + F("person_id"), output_field=BigIntegerField()
    )
    rows = (
        PostAssignment.objects.current(roster_date(as_of))
        .filter(village__in=scope.villages.values("pk"), post__in=list(COMMITTEE_POSTS | GROUP_LEADER_POSTS))
        .filter(person__deleted_at__isnull=True)
        .annotate(
            post_group=Case(When(post=leader, then=Value("group_leader")), default=Value("committee")),
            child=F(f"village__{_village_child_field(scope)}"),
            age=structure.age_expression(birth="person__birth_date", reference=reference),
            rank=structure.education_rank_expression(),
        )
        .order_by()
        .values_list("post_group", "child", "age", "rank", "person__gender")
        .annotate(n=Count(one_per_person_and_village, distinct=True))
    )
    counts: MemberCounts = {"committee": defaultdict(Counter), "group_leader": defaultdict(Counter)}
    for group, child, age, rank, gender, n in rows:
        counts[group][child][(age, rank, gender)] += n
    return counts


def _all_rows(by_child: dict[str, Counter[Profile]]) -> Counter[Profile]:
    total: Counter[Profile] = Counter()
    for counted in by_child.values():
        total.update(counted)
    return total


def _in_band(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _age_bands(scope: DashboardScope, members: Counter[Profile], *, post_group: str) -> list[Band]:
    bands = []
    for label, low, high in structure.AGE_BANDS:
        count = sum(n for (age, _, _), n in members.items() if _in_band(age, low, high))
        bands.append(Band(label, count, people_drill(scope, post_group=post_group, age_min=low, age_max=high)))
    return bands


def _education_bands(scope: DashboardScope, members: Counter[Profile], *, post_group: str) -> list[Band]:
    bands = []
    for label, rank in structure.EDUCATION_BANDS:
        low, high = EDUCATION_BAND_RANGES[rank]
        drill = people_drill(scope, post_group=post_group, education_min=low, education_max=high)
        bands.append(Band(label, sum(n for (_, r, _), n in members.items() if r == rank), drill))
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
    """Per village: breakdown row, secretary reserve, 两低一高, age reference date, active reserves. Two queries."""
    two_lows = Risk.objects.filter(village=OuterRef("pk"), kind=TWO_LOWS_VILLAGE, is_active=True)
    rows = outcomes.villages_with_secretary_reserve(scope.villages).annotate(two_lows=Exists(two_lows))
    fields = ("pk", _village_child_field(scope), "has_secretary_reserve", "two_lows", "planned_election_on")
    reserves = structure.active_reserves_by_village(scope.villages)
    references: dict[tuple[dt.date | None, dt.date | None], ReferenceDate] = {}
    facts = []
    for pk, child, covered, two_lows, planned, county_planned in rows.order_by().values_list(
        *fields, "township__county__planned_election_on"
    ):
        reference = references.get((planned, county_planned))
        if reference is None:  # a few distinct pairs of planned dates: the rule runs once for each
            reference = references[(planned, county_planned)] = reference_from(
                as_of=None, village_planned=planned, county_planned=county_planned, today=as_of
            )
        facts.append(VillageFact(pk, child, covered, two_lows, reference, reserves.get(pk, 0)))
    return facts


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
    members = _members(scope, as_of=as_of)
    for code, counted in members["committee"].items():
        by_code[code].stats = structure.Stats.from_counts(counted.items())
    committee, leaders = _all_rows(members["committee"]), _all_rows(members["group_leader"])
    counts = stored_severity_counts(villages=scope.villages, by=_village_child_field(scope))
    for code, severities in counts.items():
        by_code[code].counts = severities
    for fact in facts:
        row = by_code[fact.child]
        row.villages += 1
        row.covered += fact.covered
        row.two_lows_villages += fact.two_lows
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
        committee=structure.Stats.from_counts(committee.items()),
        group_leaders=structure.Stats.from_counts(leaders.items()),
        committee_age=_age_bands(scope, committee, post_group="committee"),
        committee_education=_education_bands(scope, committee, post_group="committee"),
        leader_age=_age_bands(scope, leaders, post_group="group_leader"),
        leader_education=_education_bands(scope, leaders, post_group="group_leader"),
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
