"""Roster pages' rules: headline numbers per village and township, the shape of a village's current roster,
and saving roster edits without overwriting someone else's change (optimistic concurrency).

Committee structure numbers (members, average age, aged 60+), red/yellow counts, reserve counts and the age
reference date come from the analysis layer (`villages.structure`, `villages.risk`, `villages.reference`) so
the pages agree with the API, the dashboards and the reports; this module adds what only the roster pages show
(社长 count, 一肩挑). Which section of the roster a post belongs to is `structure.roster_section`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from django.db import models
from django.db.models import Case, Exists, Func, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from villages import data_version
from villages.choices import Post
from villages.models import PostAssignment, Township, Village
from villages.reference import ReferenceDate, common_caption, reference_from
from villages.risk import SeverityCounts, evaluations_for_villages, stored_severity_counts
from villages.structure import RosterSection, Stats, active_reserves_expression, committee_stats, roster_section

# Display order of posts: the enum order is the order of importance.
POST_ORDER: dict[str, int] = {value: index for index, value in enumerate(Post.values)}


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
    """One row of a township page: a village, its 两委 structure, red/yellow counts (villages.risk.severity_counts),
    active reserves, age reference date, 社长 count and 一肩挑."""

    village: Village
    stats: Stats
    counts: SeverityCounts
    active_reserves: int
    reference: ReferenceDate | None  # always set by the bulk evaluation (None only for hypothetical committees)
    group_leaders: int
    one_shoulder: bool


@dataclass(frozen=True)
class TownshipHeadline:
    """One row of a county page: a township and the pooled figures of its villages (red/yellow summed over its
    villages from the stored findings; the caption of the reference dates its villages' ages use)."""

    township: Township
    stats: Stats
    counts: SeverityCounts
    active_reserves: int
    reference_caption: str
    village_count: int
    group_leaders: int
    one_shoulder_villages: int
    last_party_admission_on: dt.date | None


def village_headlines(villages: models.QuerySet[Village], *, on: dt.date) -> list[VillageHeadline]:
    """Per village: 两委 structure (`villages.structure.Stats`), red/yellow counts, active reserves, the age
    reference date, `group_leaders` and `one_shoulder`.

    The figures are the risk engine's evaluation of each village (the same numbers as the village page, the API and
    the reports), kept per village under its data version (villages/data_version.py): a township page after an edit
    in one of its villages judges that village again, not the others. Two queries when every village is cached,
    six more for those that are not, whatever their number.
    """
    rows = list(villages.select_related("township__county"))
    places = data_version.village_places(rows)

    def judge(pks: list[int]) -> dict[int, tuple]:
        judged = Village.objects.filter(pk__in=pks)
        evaluations = evaluations_for_villages(villages=judged)
        marks = (
            judged.order_by()
            .values_list("pk")
            .annotate(group_leaders=_group_leaders_of(scope="village", on=on), one_shoulder=one_shoulder_exists(on=on))
        )
        figures = {}
        for pk, group_leaders, one_shoulder in marks:
            e = evaluations[pk]
            figures[pk] = (e.stats, e.counts, e.active_reserves, e.reference, group_leaders, one_shoulder)
        return figures

    # Villages without a planned election date are judged on today: today is part of the key, as is `on`.
    figures = data_version.cached_many(
        "village-headline", list(places), (on, timezone.localdate()), judge, village_of=places
    )
    return [VillageHeadline(v, *figures[v.pk]) for v in rows]


def township_headlines(townships: models.QuerySet[Township], *, on: dt.date) -> list[TownshipHeadline]:
    """Per township: pooled 两委 structure of its villages, red/yellow counts summed over its villages (from the
    stored findings), active reserves, the reference-date caption, village_count, group_leaders,
    one_shoulder_villages and last_party_admission_on. Five queries whatever the size of the county.
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
    in_scope = Village.objects.filter(township__in=townships.values("pk"))
    stats = committee_stats(villages=in_scope, by="village__township_id")
    stored = stored_severity_counts(villages=in_scope)
    reserves: dict[int, int] = defaultdict(int)
    references: dict[int, list[ReferenceDate]] = defaultdict(list)
    counts: dict[int, SeverityCounts] = defaultdict(SeverityCounts)
    village_rows = in_scope.order_by().annotate(n_reserves=active_reserves_expression())
    for pk, township_id, planned, county_planned, n_reserves in village_rows.values_list(
        "pk", "township_id", "planned_election_on", "township__county__planned_election_on", "n_reserves"
    ):
        reserves[township_id] += n_reserves
        references[township_id].append(
            reference_from(as_of=None, village_planned=planned, county_planned=county_planned)
        )
        counts[township_id] += stored.get(pk, SeverityCounts())
    return [
        TownshipHeadline(
            township=t,
            stats=stats.get(t.pk, Stats()),
            counts=counts[t.pk],
            active_reserves=reserves[t.pk],
            reference_caption=common_caption(references[t.pk]),
            village_count=t.village_count,
            group_leaders=t.group_leaders,
            one_shoulder_villages=t.one_shoulder_villages,
            last_party_admission_on=t.last_party_admission_on,
        )
        for t in rows
    ]


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
    sections = {
        RosterSection.COMMITTEE: roster.committee,
        RosterSection.SUPERVISION: roster.supervision,
        RosterSection.GROUP_LEADER: roster.group_leaders,
        RosterSection.FIRST_SECRETARY: roster.first_secretaries,
        RosterSection.OTHER: roster.others,
    }
    for post in sorted(posts, key=roster_order):
        sections[roster_section(post.post)].append(post)
    return roster
