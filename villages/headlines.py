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

from django.db import models
from django.db.models import Exists, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

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


def village_headlines(villages: models.QuerySet[Village], *, on: dt.date) -> list[Village]:
    """Villages with `.stats` (两委 structure), `.counts` (red/yellow, villages.risk.severity_counts),
    `.active_reserves`, `.reference` (the age reference date), `group_leaders` and `one_shoulder`.

    Five queries whatever the number of villages or people: the figures are the risk engine's evaluation of each
    village (the same numbers as the village page, the API and the reports).
    """
    rows = list(
        villages.select_related("township__county").annotate(
            group_leaders=_group_leaders_of(scope="village", on=on), one_shoulder=one_shoulder_exists(on=on)
        )
    )
    evaluations = evaluations_for_villages(villages=villages)
    for village in rows:
        evaluation = evaluations[village.pk]
        village.stats = evaluation.stats
        village.counts = evaluation.counts
        village.active_reserves = evaluation.active_reserves
        village.reference = evaluation.reference
    return rows


def township_headlines(townships: models.QuerySet[Township], *, on: dt.date) -> list[Township]:
    """Townships with `.stats` (pooled 两委 structure of their villages), `.counts` (red/yellow summed over their
    villages, from the stored findings), `.active_reserves`, `.reference_caption`, village_count, group_leaders,
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
    for township in rows:
        township.stats = stats.get(township.pk, Stats())
        township.counts = counts[township.pk]
        township.active_reserves = reserves[township.pk]
        township.reference_caption = common_caption(references[township.pk])
    return rows


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


def roster_order(post: PostAssignment) -> tuple:
    """Sort key for post assignments: post importance, then 社 number, start date, id."""
    return (POST_ORDER[post.post], post.group_number or 0, post.start_on or dt.date.min, post.pk)


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
