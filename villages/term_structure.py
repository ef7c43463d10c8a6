"""The committee after an election against the one before it ("一降四升", docs/domain.md §10).

Contract:
- A village counts once it held an election on or after `since` (`Village.held_election_on`, set when the
  results are recorded). Its election date E splits the terms: the previous term is the 两委 (COMMITTEE_POSTS) in
  office the day before E, the new term those in office on E (assignments' start and exclusive end dates, like
  PostAssignment.current). Both terms' ages are 周岁 on E, so the change measures who sits on the committee, not
  the years that passed. Each person counts once per term (一肩挑 is one person).
- Per term (`TermFigures`): members, average age (from the exact sum, half-up to one decimal), 35岁及以下,
  30岁及以下 / 31–59岁 / 60岁及以上 (the 民政 form's bands; "X岁以上/以下" include X), 大专及以上, 高中及以下,
  women, party members (full and probationary), 交叉任职 (people on the party committee and the 村委会, the clerk
  not counted as 村委会), 一肩挑 (villages whose secretary is also director), the secretaries (women, 高中及以上,
  35岁及以下, 60岁及以上), and 社长 in office on E.
- New term only: 连选连任 (held a 两委 post in the previous term) and 新当选 (did not), and the 干部来源 of the newly
  elected (the source recorded on their new post; blank: 未填写).
- Pooled figures (township, county, city) are sums of the villages' figures: `TermFigures.__add__`.
- `term_pairs(villages=..., since=...)`: two queries (ages, education ranks and terms computed in SQL), then
  Python; `indicators(pair)`: the "一降四升" rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from villages.charts import Bar, bar_chart
from villages.choices import (
    COMMITTEE_POSTS,
    EDUCATION_RANK,
    ORGAN_OF_POST,
    CadreSource,
    Education,
    Gender,
    Organ,
    PoliticalStatus,
    Post,
)
from villages.models import PostAssignment, Village
from villages.structure import age_expression, education_rank_expression, one_decimal, percent

YOUNG_MAX = 35
UNDER_30_MAX = 30
OLD_MIN = 60
ASSOCIATE_RANK = EDUCATION_RANK[Education.ASSOCIATE]
HIGH_SCHOOL_RANK = EDUCATION_RANK[Education.HIGH_SCHOOL]
PARTY_STATUSES = frozenset({PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY})
PARTY_POSTS = frozenset(p for p in COMMITTEE_POSTS if ORGAN_OF_POST[p] == Organ.PARTY)
VILLAGE_COMMITTEE = frozenset({Post.DIRECTOR, Post.DEPUTY_DIRECTOR, Post.COMMITTEE_MEMBER})
UNSTATED = ""


@dataclass
class TermFigures:
    """One term's figures over one or more villages (sums; shares and averages are derived)."""

    villages: int = 0
    members: int = 0
    age_sum: int = 0
    aged_35_or_under: int = 0
    aged_30_or_under: int = 0
    aged_31_to_59: int = 0
    aged_60_plus: int = 0
    associate_or_above: int = 0
    high_school_or_below: int = 0
    women: int = 0
    party_members: int = 0
    cross_held: int = 0
    one_shoulder: int = 0
    secretaries: int = 0
    secretaries_women: int = 0
    secretaries_high_school_or_above: int = 0
    secretaries_35_or_under: int = 0
    secretaries_60_plus: int = 0
    group_leaders: int = 0
    re_elected: int = 0
    newly_elected: int = 0
    sources: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: TermFigures) -> TermFigures:
        summed = {name: getattr(self, name) + getattr(other, name) for name in _COUNTS}
        return TermFigures(**summed, sources=self.sources + other.sources)

    @property
    def average_age(self) -> Decimal | None:
        return one_decimal(self.age_sum, self.members)

    @property
    def share_35_or_under(self) -> Decimal | None:
        return percent(self.aged_35_or_under, self.members)

    @property
    def share_associate_or_above(self) -> Decimal | None:
        return percent(self.associate_or_above, self.members)

    @property
    def share_women(self) -> Decimal | None:
        return percent(self.women, self.members)

    @property
    def share_one_shoulder(self) -> Decimal | None:
        return percent(self.one_shoulder, self.villages)


_COUNTS = [name for name in TermFigures.__dataclass_fields__ if name != "sources"]


@dataclass
class TermPair:
    """A village's (or a pool's) previous and new term; `election_on` for a village."""

    previous: TermFigures
    current: TermFigures
    election_on: dt.date | None = None

    def __add__(self, other: TermPair) -> TermPair:
        return TermPair(self.previous + other.previous, self.current + other.current)


def pooled(pairs: Iterable[TermPair]) -> TermPair:
    total = TermPair(TermFigures(), TermFigures())
    for pair in pairs:
        total = total + pair
    return total


@dataclass(frozen=True)
class _Seat:
    person_id: int
    post: str
    age: int
    edu_rank: int
    gender: str
    party: bool
    source: str


def _figures(seats: list[_Seat], *, previous_people: set[int] | None) -> TermFigures:
    """One village's term from its seats (several per person when they hold several posts)."""
    people: dict[int, list[_Seat]] = defaultdict(list)
    for seat in seats:
        people[seat.person_id].append(seat)
    figures = TermFigures(villages=1)
    members = {pid: held for pid, held in people.items() if any(s.post in COMMITTEE_POSTS for s in held)}
    for pid, held in members.items():
        one = held[0]
        posts = {s.post for s in held}
        figures.members += 1
        figures.age_sum += one.age
        figures.aged_35_or_under += one.age <= YOUNG_MAX
        figures.aged_30_or_under += one.age <= UNDER_30_MAX
        figures.aged_31_to_59 += UNDER_30_MAX < one.age < OLD_MIN
        figures.aged_60_plus += one.age >= OLD_MIN
        figures.associate_or_above += one.edu_rank >= ASSOCIATE_RANK
        figures.high_school_or_below += one.edu_rank <= HIGH_SCHOOL_RANK
        figures.women += one.gender == Gender.FEMALE
        figures.party_members += one.party
        figures.cross_held += bool(posts & PARTY_POSTS) and bool(posts & VILLAGE_COMMITTEE)
        if Post.PARTY_SECRETARY in posts:
            figures.secretaries += 1
            figures.one_shoulder += Post.DIRECTOR in posts
            figures.secretaries_women += one.gender == Gender.FEMALE
            figures.secretaries_high_school_or_above += one.edu_rank >= HIGH_SCHOOL_RANK
            figures.secretaries_35_or_under += one.age <= YOUNG_MAX
            figures.secretaries_60_plus += one.age >= OLD_MIN
        if previous_people is not None:
            if pid in previous_people:
                figures.re_elected += 1
            else:
                figures.newly_elected += 1
                figures.sources[next((s.source for s in held if s.source), UNSTATED)] += 1
    figures.one_shoulder = min(figures.one_shoulder, 1)  # a village has one 一肩挑 at most
    figures.group_leaders = len({s.person_id for s in seats if s.post == Post.GROUP_LEADER})
    return figures


def elected_villages(villages: QuerySet[Village], *, since: dt.date, until: dt.date | None = None) -> QuerySet[Village]:
    """The villages that held an election from `since` to `until` (default today)."""
    until = until or timezone.localdate()
    return villages.filter(held_election_on__gte=since, held_election_on__lte=until)


SEAT_FIELDS = (
    "village_id", "person_id", "post", "source", "age", "edu_rank", "person__gender", "person__political_status",
    "in_previous", "in_current",
)  # fmt: skip


def _on(day: F, *, before: bool) -> Q:
    """In office the day before `day` (before=True) or on `day` (end_on is exclusive, like PostAssignment.current)."""
    started = Q(start_on__lt=day) if before else Q(start_on__lte=day)
    ongoing = Q(end_on__gte=day) if before else Q(end_on__gt=day)
    return (Q(start_on__isnull=True) | started) & (Q(end_on__isnull=True) | ongoing)


def _flag(condition: Q) -> Case:
    # 1/0 rather than a BooleanField: no per-row converter (measurably slower over a whole city on SQLite).
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _raw_rows(rows: QuerySet) -> Iterator[tuple]:
    """A values_list queryset's rows straight from the cursor. Its columns need no conversion (integers and
    strings on SQLite and PostgreSQL alike), and the ORM's per-value converters of the computed integer columns
    were a third of a city-wide comparison (docs/benchmarks.md "Structure after the election")."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def term_pairs(*, villages: QuerySet[Village], since: dt.date) -> dict[int, TermPair]:
    """Previous and new term per village id, for the villages that held an election since `since` (two queries:
    the villages and their seats; ages, education ranks and which term a seat belongs to are computed in SQL)."""
    elected = elected_villages(villages, since=since)
    chosen = dict(elected.values_list("pk", "held_election_on"))
    election = F("village__held_election_on")
    seats = (
        PostAssignment.objects.filter(
            village__in=elected.values("pk"),
            post__in=[*COMMITTEE_POSTS, Post.GROUP_LEADER],
            person__deleted_at__isnull=True,
        )
        .filter(_on(election, before=True) | _on(election, before=False))
        .annotate(
            age=age_expression(birth="person__birth_date", reference=election),
            edu_rank=education_rank_expression(),
            in_previous=_flag(_on(election, before=True)),
            in_current=_flag(_on(election, before=False)),
        )
    )
    terms: dict[int, tuple[list[_Seat], list[_Seat]]] = {pk: ([], []) for pk in chosen}
    # A village elected between the two queries has no entry: skipped (the next read counts it).
    for village_id, pid, post, source, age, rank, gender, status, in_previous, in_current in _raw_rows(
        seats.values_list(*SEAT_FIELDS)
    ):
        if village_id not in terms:
            continue
        seat = _Seat(pid, post, age, rank, gender, status in PARTY_STATUSES, source)
        before, after = terms[village_id]
        if in_previous:
            before.append(seat)
        if in_current:
            after.append(seat)
    pairs = {}
    for village_id, (before, after) in terms.items():
        previous_people = {s.person_id for s in before if s.post in COMMITTEE_POSTS}
        pairs[village_id] = TermPair(
            _figures(before, previous_people=None), _figures(after, previous_people=previous_people), chosen[village_id]
        )
    return pairs


# ---- "一降四升" ----


@dataclass(frozen=True)
class Indicator:
    """One row of the comparison: the two terms' values, the change, and whether it moved the wanted way."""

    key: str
    label: str
    unit: str
    previous: Decimal | None
    current: Decimal | None
    wanted: str  # "down" or "up"

    @property
    def change(self) -> Decimal | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous

    @property
    def met(self) -> bool | None:
        """Moved the wanted way (None when either term has no members to compare)."""
        if self.change is None:
            return None
        return self.change < 0 if self.wanted == "down" else self.change > 0

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "—"
        word = "下降" if self.change < 0 else "上升" if self.change > 0 else "持平"
        return f"{word}{abs(self.change)}{'岁' if self.unit == '岁' else '个百分点'}" if self.change else word

    def chart(self) -> str:
        bars = [Bar("上届", float(self.previous or 0)), Bar("本届", float(self.current or 0), note=self.change_text)]
        return bar_chart(title=self.label, bars=bars, unit=self.unit, width=300)


def indicators(pair: TermPair) -> list[Indicator]:
    """The "一降四升" rows: average age down; 大专及以上, 35岁及以下, women and 一肩挑 shares up."""
    p, c = pair.previous, pair.current
    return [
        Indicator("average_age", "平均年龄", "岁", p.average_age, c.average_age, "down"),
        Indicator("associate", "大专及以上占比", "%", p.share_associate_or_above, c.share_associate_or_above, "up"),
        Indicator("young", "35岁及以下占比", "%", p.share_35_or_under, c.share_35_or_under, "up"),
        Indicator("women", "女性占比", "%", p.share_women, c.share_women, "up"),
        Indicator("one_shoulder", "书记主任一肩挑比例", "%", p.share_one_shoulder, c.share_one_shoulder, "up"),
    ]


# The 民政 form's source columns, then those not stated.
SOURCE_ORDER: tuple[str, ...] = (*CadreSource.values, UNSTATED)
SOURCE_LABELS: dict[str, str] = {**dict(CadreSource.choices), UNSTATED: "未填写"}
