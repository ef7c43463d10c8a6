"""Committee structure indicators: who is a 两委 member, average age, age/education shares, bands, township and
county comparisons.

Membership is decided here once: `roster_section(post)` puts every post in exactly one section of a roster
(两委, 监委会, 社长, 第一书记, other) and only the 两委 section (`choices.COMMITTEE_POSTS`) is counted by the
structure figures, the risk rules' member counts, the pages, the API, the dashboards and the reports.
Everything here is one aggregate query over current post assignments, whatever the number of villages.
Ages are 周岁 at each village's reference date (villages/reference.py: an explicit `as_of`, else the village's
planned election date, else its county's, else today), computed in SQL from year/month/day parts so SQLite and
PostgreSQL agree. Members are counted once per village even when they hold two posts (一肩挑). Averages are
rounded once, by `one_decimal` (half-up, from the exact sum: never from a float average).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, Greatest

from villages.charts import Bar, bar_chart
from villages.choices import (
    COMMITTEE_POSTS,
    EDUCATION_RANK,
    ORGAN_OF_POST,
    Education,
    Gender,
    Organ,
    Post,
    counting_reserve,
)
from villages.models import PostAssignment, Village
from villages.reference import reference_date_expression, roster_date

__all__ = ["reference_date_expression", "roster_date"]  # re-exported: older callers import them from here

AGED_CUTOFF = 60
YOUNG_CUTOFF = 35
JUNIOR_HIGH_RANK = EDUCATION_RANK[Education.JUNIOR_HIGH]
ASSOCIATE_RANK = EDUCATION_RANK[Education.ASSOCIATE]
GROUP_LEADER_POSTS: frozenset[str] = frozenset({Post.GROUP_LEADER})

AGE_BANDS: list[tuple[str, int | None, int | None]] = [
    ("35岁及以下", None, 35),
    ("36–45岁", 36, 45),
    ("46–55岁", 46, 55),
    ("56–59岁", 56, 59),
    ("60–69岁", 60, 69),
    ("70岁及以上", 70, None),
]
# Education tiers by rank, highest first (高中 and 中专 share a rank: one band).
EDUCATION_BANDS: list[tuple[str, int]] = [
    ("研究生", 6),
    ("大学本科", 5),
    ("大学专科", 4),
    ("高中/中专", 3),
    ("初中", 2),
    ("小学", 1),
    ("文盲或半文盲", 0),
]


class RosterSection(models.TextChoices):
    """The sections of a village roster; a post belongs to exactly one (`roster_section`)."""

    COMMITTEE = "committee", "村“两委”班子"
    SUPERVISION = "supervision", "村务监督委员会"
    GROUP_LEADER = "group_leader", "村民小组长（社长）"
    FIRST_SECRETARY = "first_secretary", "第一书记"
    OTHER = "other", "其他职务"


def roster_section(post: str) -> RosterSection:
    """Which section of a roster a post belongs to. Only COMMITTEE posts make someone a 两委 member: the
    supervision committee, the 社长 and the first secretary (sent from above) are listed and judged on their own."""
    if post in COMMITTEE_POSTS:
        return RosterSection.COMMITTEE
    if post == Post.GROUP_LEADER:
        return RosterSection.GROUP_LEADER
    if post == Post.FIRST_SECRETARY:
        return RosterSection.FIRST_SECRETARY
    if ORGAN_OF_POST.get(post) == Organ.SUPERVISION:
        return RosterSection.SUPERVISION
    return RosterSection.OTHER


def is_committee_member(posts: Iterable[str]) -> bool:
    """True when any of a person's current posts in a village is a 两委 post."""
    return any(roster_section(post) == RosterSection.COMMITTEE for post in posts)


def one_decimal(total: int | Decimal, count: int) -> Decimal | None:
    """total/count half-up to one decimal: THE rounding of every average age (None when count is 0)."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole as a percentage, half-up to one decimal (103/116 → 88.8). None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Stats:
    """Structure of one committee (or a pool of committees). Counts are people, not seats."""

    members: int = 0
    average_age: Decimal | None = None
    aged_60_plus: int = 0
    aged_35_or_under: int = 0
    junior_high_or_below: int = 0
    associate_or_above: int = 0
    women: int = 0

    @property
    def share_aged_60_plus(self) -> Decimal | None:
        return percent(self.aged_60_plus, self.members)

    @property
    def share_aged_35_or_under(self) -> Decimal | None:
        return percent(self.aged_35_or_under, self.members)

    @property
    def share_junior_high_or_below(self) -> Decimal | None:
        return percent(self.junior_high_or_below, self.members)

    @property
    def share_associate_or_above(self) -> Decimal | None:
        return percent(self.associate_or_above, self.members)

    @property
    def share_women(self) -> Decimal | None:
        return percent(self.women, self.members)

    @classmethod
    def from_members(cls, members: Iterable[tuple[int, int, str]]) -> Stats:
        """Stats of (age, education rank, gender) triples, one per person: the Python twin of the SQL aggregate,
        used for hypothetical committees (villages.risk.evaluate_committee)."""
        return cls.from_counts(Counter(members).items())

    @classmethod
    def from_counts(cls, counted: Iterable[tuple[tuple[int, int, str], int]]) -> Stats:
        """Stats of ((age, education rank, gender), number of people) pairs: grouped rows (the dashboards)."""
        counted = list(counted)
        members = sum(n for _, n in counted)
        if not members:
            return cls()
        return cls(
            members=members,
            average_age=one_decimal(sum(age * n for (age, _, _), n in counted), members),
            aged_60_plus=sum(n for (age, _, _), n in counted if age >= AGED_CUTOFF),
            aged_35_or_under=sum(n for (age, _, _), n in counted if age <= YOUNG_CUTOFF),
            junior_high_or_below=sum(n for (_, rank, _), n in counted if rank <= JUNIOR_HIGH_RANK),
            associate_or_above=sum(n for (_, rank, _), n in counted if rank >= ASSOCIATE_RANK),
            women=sum(n for (_, _, gender), n in counted if gender == Gender.FEMALE),
        )

    def as_dict(self) -> dict[str, object]:
        """The API's `stats` object (docs/api.md)."""
        return {
            "members": self.members,
            "average_age": float(self.average_age) if self.average_age is not None else None,
            "aged_60_plus": self.aged_60_plus,
            "aged_35_or_under": self.aged_35_or_under,
            "junior_high_or_below": self.junior_high_or_below,
            "associate_or_above": self.associate_or_above,
            "women": self.women,
        }


# ---- SQL building blocks (shared with villages/risk/evaluation.py) ----


class DateNumber(Func):
    """A date as the integer yyyymmdd, with each backend's native function (SQLite's Python date UDFs are slow)."""

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):  # portable fallback
        (expr,) = self.get_source_expressions()
        parts = ExtractYear(expr) * 10000 + ExtractMonth(expr) * 100 + ExtractDay(expr)
        return compiler.compile(parts.resolve_expression(compiler.query))

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "CAST(strftime('%%%%Y%%%%m%%%%d', %(expressions)s) AS INTEGER)"
        return super().as_sql(compiler, connection, template=template)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="CAST(to_char(%(expressions)s, 'YYYYMMDD') AS INTEGER)")


def age_expression(*, birth, reference):
    """SQL for 周岁 on the date `reference` of someone born on `birth` (a birthday on the day counts).

    (yyyymmdd(reference) − yyyymmdd(birth)) div 10000 is exact: the month-day part only borrows a year when the
    birthday has not come yet (29 February birthdays count from 1 March in common years, like `age_on`).
    """
    birth = F(birth) if isinstance(birth, str) else birth
    difference = DateNumber(reference) - DateNumber(birth)
    return ExpressionWrapper(difference / Value(10000), output_field=IntegerField())


def education_rank_expression(*, person_path: str = "person"):
    """SQL for the rank of the higher of full-time and in-service education (blank in-service ranks -1).

    person_path="" reads the fields of the queryset's own model (a Person queryset).
    """
    prefix = f"{person_path}__" if person_path else ""

    def rank(field: str):
        whens = [When(**{f"{prefix}{field}": edu}, then=r) for edu, r in EDUCATION_RANK.items()]
        return Case(*whens, default=-1, output_field=IntegerField())

    return Greatest(rank("education"), rank("education_in_service"))


def annotated_seats(
    *, villages: QuerySet[Village], as_of: dt.date | None, posts: Collection[str], one_per_person: bool = False
) -> QuerySet[PostAssignment]:
    """Current assignments to `posts` in the villages, annotated with `ref_on`, `age` and `edu_rank`.

    one_per_person keeps one row per (village, person) so a person with two posts counts once.
    """
    seats = PostAssignment.objects.current(roster_date(as_of)).filter(
        village__in=villages.values("pk"), post__in=list(posts), person__deleted_at__isnull=True
    )
    if one_per_person:
        twin = PostAssignment.objects.current(roster_date(as_of)).filter(
            village=OuterRef("village"), person=OuterRef("person"), post__in=list(posts), pk__lt=OuterRef("pk")
        )
        seats = seats.filter(~Exists(twin))
    reference = reference_date_expression(as_of=as_of)
    return seats.annotate(
        ref_on=reference,
        age=age_expression(birth="person__birth_date", reference=reference),
        edu_rank=education_rank_expression(),
    )


def active_reserves_expression(*, village_path: str = "pk") -> Coalesce:
    """SQL for a village's number of reserves that count (在库, person not deleted, eligible or kept with a reason:
    `choices.counting_reserve`): THE reserve count of every page, dashboard, report and rule (reserve_shortfall).
    Through the reverse relation: reserves sit above this app."""
    active = (
        Village.objects.filter(counting_reserve("reserves__"), pk=OuterRef(village_path))
        .order_by()
        .values("pk")
        .annotate(n=Count("reserves"))
        .values("n")
    )
    return Coalesce(Subquery(active), 0)


def active_reserves_by_village(villages: QuerySet[Village]) -> dict[int, int]:
    """The same count (`counting_reserve`) for many villages in one grouped query: village id → reserves that
    count (villages without any are absent). A correlated subquery per village costs ~45 µs a village, seconds
    for a province."""
    rows = (
        Village.objects.filter(counting_reserve("reserves__"), pk__in=villages.values("pk"))
        .order_by()
        .values("pk")
        .annotate(n=Count("reserves"))
        .values_list("pk", "n")
    )
    return dict(rows)


def _stats_aggregates() -> dict[str, Aggregate]:
    return {
        "members": Count("pk"),
        "age_sum": Sum("age"),
        "aged_60_plus": Count("pk", filter=Q(age__gte=AGED_CUTOFF)),
        "aged_35_or_under": Count("pk", filter=Q(age__lte=YOUNG_CUTOFF)),
        "junior_high_or_below": Count("pk", filter=Q(edu_rank__lte=JUNIOR_HIGH_RANK)),
        "associate_or_above": Count("pk", filter=Q(edu_rank__gte=ASSOCIATE_RANK)),
        "women": Count("pk", filter=Q(person__gender=Gender.FEMALE)),
    }


def _stats_from_row(row: Mapping[str, Any]) -> Stats:
    return Stats(
        members=row["members"],
        average_age=one_decimal(row["age_sum"] or 0, row["members"]),
        aged_60_plus=row["aged_60_plus"],
        aged_35_or_under=row["aged_35_or_under"],
        junior_high_or_below=row["junior_high_or_below"],
        associate_or_above=row["associate_or_above"],
        women=row["women"],
    )


def committee_stats(
    *,
    villages: QuerySet[Village],
    as_of: dt.date | None = None,
    posts: Collection[str] = COMMITTEE_POSTS,
    by: str = "village_id",
) -> dict[int, Stats]:
    """Stats per village id (or per `by`, e.g. "village__township_id": pooled per township) for the 两委 members
    (one query). Units without members are absent: use Stats()."""
    rows = (
        annotated_seats(villages=villages, as_of=as_of, posts=posts, one_per_person=True)
        .order_by()
        .values(by)
        .annotate(**_stats_aggregates())
    )
    return {row[by]: _stats_from_row(row) for row in rows}


def aggregate_stats(
    *, villages: QuerySet[Village], as_of: dt.date | None = None, posts: Collection[str] = COMMITTEE_POSTS
) -> Stats:
    """Pooled stats over all 两委 members of the villages (township or county average). One query."""
    row = (
        annotated_seats(villages=villages, as_of=as_of, posts=posts, one_per_person=True)
        .order_by()
        .aggregate(**_stats_aggregates())
    )
    return _stats_from_row(row)


def age_bands(
    *, villages: QuerySet[Village], as_of: dt.date | None = None, posts: Collection[str] = COMMITTEE_POSTS
) -> list[tuple[str, int]]:
    """(label, people) per age band ≤35, 36–45, 46–55, 56–59, 60–69, ≥70, in that order. One query.

    posts=structure.GROUP_LEADER_POSTS gives the bands of the 社长.
    """
    row = annotated_seats(villages=villages, as_of=as_of, posts=posts, one_per_person=True).aggregate(
        **_age_band_aggregates()
    )
    return _age_bands_from_row(row)


def _age_band_aggregates() -> dict[str, Aggregate]:
    aggregates: dict[str, Aggregate] = {}
    for i, (_, low, high) in enumerate(AGE_BANDS):
        cond = Q()
        if low is not None:
            cond &= Q(age__gte=low)
        if high is not None:
            cond &= Q(age__lte=high)
        aggregates[f"b{i}"] = Count("pk", filter=cond)
    return aggregates


def _age_bands_from_row(row: Mapping[str, Any]) -> list[tuple[str, int]]:
    return [(label, row[f"b{i}"]) for i, (label, _, _) in enumerate(AGE_BANDS)]


def education_bands(
    *, villages: QuerySet[Village], as_of: dt.date | None = None, posts: Collection[str] = COMMITTEE_POSTS
) -> list[tuple[str, int]]:
    """(label, people) per highest-education tier, highest first. One query."""
    row = annotated_seats(villages=villages, as_of=as_of, posts=posts, one_per_person=True).aggregate(
        **_education_band_aggregates()
    )
    return _education_bands_from_row(row)


def _education_band_aggregates() -> dict[str, object]:
    return {f"e{rank}": Count("pk", filter=Q(edu_rank=rank)) for _, rank in EDUCATION_BANDS}


def _education_bands_from_row(row: dict) -> list[tuple[str, int]]:
    return [(label, row[f"e{rank}"]) for label, rank in EDUCATION_BANDS]


def structure_profile(
    *, villages: QuerySet[Village], as_of: dt.date | None = None, posts: Collection[str] = COMMITTEE_POSTS
) -> tuple[Stats, list[tuple[str, int]], list[tuple[str, int]]]:
    """(aggregate_stats, age_bands, education_bands) of the same members in one query (a report needs all three)."""
    row = (
        annotated_seats(villages=villages, as_of=as_of, posts=posts, one_per_person=True)
        .order_by()
        .aggregate(**_stats_aggregates(), **_age_band_aggregates(), **_education_band_aggregates())
    )
    return _stats_from_row(row), _age_bands_from_row(row), _education_bands_from_row(row)


def bands_chart(title: str, bands: list[tuple[str, int]]):
    """An SVG bar chart (villages/charts.py) of (label, count) bands."""
    return bar_chart(title=title, bars=[Bar(label=label, value=count) for label, count in bands])
