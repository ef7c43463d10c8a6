"""Roster pages' rules: headline numbers per village and township, the shape of a village's current roster,
and saving roster edits without overwriting someone else's change (optimistic concurrency).

Committee structure numbers (members, average age, aged 60+) come from `villages.structure` so the pages agree
with the reports; this module adds what only the roster pages show (社长 count, 一肩挑).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.db import models
from django.db.models import Avg, Case, Count, Exists, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from villages.choices import COMMITTEE_POSTS, Post
from villages.models import PostAssignment, Township, Village
from villages.structure import AGED_CUTOFF, Stats, annotated_seats, committee_stats

# Display order of posts: the enum order is the order of importance.
POST_ORDER: dict[str, int] = {value: index for index, value in enumerate(Post.values)}
SUPERVISION_POSTS: frozenset[str] = frozenset({Post.SUPERVISION_DIRECTOR, Post.SUPERVISION_MEMBER})


class _Count(Func):
    """COUNT(*) inside a correlated subquery without a GROUP BY (Django's Count would add one)."""

    template = "COUNT(*)"
    output_field = IntegerField()


def _count_of(queryset: models.QuerySet) -> Coalesce:
    return Coalesce(Subquery(queryset.order_by().annotate(n=_Count()).values("n")[:1]), 0)


def one_shoulder_exists(*, on: dt.date) -> Exists:
    """一肩挑: on `on` the same person holds the outer village's party secretary and director posts."""
    posts = PostAssignment.objects.current(on).filter(person__deleted_at__isnull=True)
    director = posts.filter(village=OuterRef(OuterRef("pk")), post=Post.DIRECTOR, person=OuterRef("person"))
    secretary = posts.filter(village=OuterRef("pk"), post=Post.PARTY_SECRETARY).filter(Exists(director))
    return Exists(secretary)


def _group_leaders_of(*, scope: str, on: dt.date) -> Coalesce:
    leaders = PostAssignment.objects.current(on).filter(post=Post.GROUP_LEADER, person__deleted_at__isnull=True)
    return _count_of(leaders.filter(**{scope: OuterRef("pk")}))


@dataclass(frozen=True)
class VillageHeadline:
    """One row of a township page: a village, its 两委 structure, 社长 count and 一肩挑."""

    village: Village
    stats: Stats
    group_leaders: int
    one_shoulder: bool


@dataclass(frozen=True)
class TownshipHeadline:
    """One row of a county page: a township and the pooled figures of its villages."""

    township: Township
    stats: Stats
    village_count: int
    group_leaders: int
    one_shoulder_villages: int
    last_party_admission_on: dt.date | None


def village_headlines(villages: models.QuerySet[Village], *, on: dt.date) -> list[VillageHeadline]:
    """Per village: 两委 structure (`villages.structure.Stats`), `group_leaders` and `one_shoulder`.

    Two queries whatever the number of villages or people. Ages are at each village's reference date.
    """
    rows = villages.annotate(
        group_leaders=_group_leaders_of(scope="village", on=on), one_shoulder=one_shoulder_exists(on=on)
    )
    stats = committee_stats(villages=villages)
    return [
        VillageHeadline(v, stats.get(v.pk, Stats()), group_leaders=v.group_leaders, one_shoulder=v.one_shoulder)
        for v in rows
    ]


def township_headlines(townships: models.QuerySet[Township], *, on: dt.date) -> list[TownshipHeadline]:
    """Per township: pooled 两委 structure of its villages, village_count, group_leaders, one_shoulder_villages
    and last_party_admission_on. Two queries whatever the size of the county.
    """
    villages = Village.objects.filter(township=OuterRef("pk"))
    rows = list(
        townships.annotate(
            village_count=_count_of(villages),
            group_leaders=_group_leaders_of(scope="village__township", on=on),
            one_shoulder_villages=_count_of(villages.filter(one_shoulder_exists(on=on))),
            last_party_admission_on=Subquery(
                villages.filter(last_party_admission_on__isnull=False)
                .order_by("-last_party_admission_on")
                .values("last_party_admission_on")[:1]
            ),
        )
    )
    seats = annotated_seats(
        villages=Village.objects.filter(township__in=townships.values("pk")),
        as_of=None,
        posts=COMMITTEE_POSTS,
        one_per_person=True,
    )
    pooled = {
        row["village__township_id"]: row
        for row in seats.order_by()
        .values("village__township_id")
        .annotate(members=Count("pk"), avg_age=Avg("age"), aged_60_plus=Count("pk", filter=Q(age__gte=AGED_CUTOFF)))
    }
    return [
        TownshipHeadline(
            township=t,
            stats=_pooled_stats(pooled.get(t.pk)),
            village_count=t.village_count,
            group_leaders=t.group_leaders,
            one_shoulder_villages=t.one_shoulder_villages,
            last_party_admission_on=t.last_party_admission_on,
        )
        for t in rows
    ]


def _pooled_stats(row: Mapping[str, Any] | None) -> Stats:
    if row is None:
        return Stats()
    return Stats(members=row["members"], average_age=_one_decimal(row["avg_age"]), aged_60_plus=row["aged_60_plus"])


def _one_decimal(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class VillageRoster:
    """A village's current posts, split the way the village page shows them."""

    committee: list[PostAssignment] = field(default_factory=list)
    supervision: list[PostAssignment] = field(default_factory=list)
    group_leaders: list[PostAssignment] = field(default_factory=list)
    first_secretaries: list[PostAssignment] = field(default_factory=list)
    others: list[PostAssignment] = field(default_factory=list)

    @property
    def one_shoulder(self) -> bool:
        secretaries = {p.person_id for p in self.committee if p.post == Post.PARTY_SECRETARY}
        directors = {p.person_id for p in self.committee if p.post == Post.DIRECTOR}
        return bool(secretaries & directors)


class NamesAPost(Protocol):
    """What roster order needs: a post value and (社长) the 社 number; start date and id are optional."""

    @property
    def post(self) -> str: ...

    @property
    def group_number(self) -> int | None: ...


def roster_order(post: NamesAPost) -> tuple:
    """Sort key for post assignments: post importance, then 社 number, start date, id.

    Anything else that names a post the same way (`.post`, `.group_number`; e.g. an election result or a row
    being entered) sorts with it too; a missing `start_on` or `pk` sorts first.
    """
    start_on, pk = getattr(post, "start_on", None), getattr(post, "pk", None)
    return (POST_ORDER[post.post], post.group_number or 0, start_on or dt.date.min, pk or 0)


def post_order_expression(field: str = "post") -> Case:
    """POST_ORDER as a database expression, for lists ordered in the query (paginated API lists)."""
    return Case(*(When(**{field: post}, then=Value(index)) for post, index in POST_ORDER.items()), default=Value(99))


def village_roster(*, village: Village, on: dt.date) -> VillageRoster:
    """Current posts of one village (one query), ordered by post importance, then start date."""
    posts = (
        PostAssignment.objects.current(on)
        .filter(village=village, person__deleted_at__isnull=True)
        .select_related("person", "group")
    )
    roster = VillageRoster()
    for post in sorted(posts, key=roster_order):
        if post.post in COMMITTEE_POSTS:
            roster.committee.append(post)
        elif post.post in SUPERVISION_POSTS:
            roster.supervision.append(post)
        elif post.post == Post.GROUP_LEADER:
            roster.group_leaders.append(post)
        elif post.post == Post.FIRST_SECRETARY:
            roster.first_secretaries.append(post)
        else:
            roster.others.append(post)
    return roster
