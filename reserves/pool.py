"""Pool figures as offices publish them, and the funnel 人才 → 后备 → 入党 → 两委 → 书记 (docs/domain.md §11).

Definitions (every share a `Rate`: numerator and denominator, half-up to one decimal):
- the pool is the active reserves whose person is not deleted; its structure counts each reserve row's person once
  per village: aged 35 or under today, 大专 or above (degrees held, as the statistics forms count; a course under
  way is counted apart as 在读), women, party members (full or probationary), sources (the person's source
  categories; none recorded: 未填写), and those who came from the talent pool;
- counting reserves: eligible, or kept with a recorded reason (`villages.choices.counting_reserve`); secretary-reserve
  coverage = villages with a counting reserve for the secretary post ÷ villages (reserves/outcomes.py);
- pool → 两委 per cycle: for each village election recorded (`Election`), the reserves of that village in the pool on
  the election day (added on or before it, and still active then: not appointed or withdrawn before it) are the
  denominator; those elected to a 两委 post at that election the numerator. An election from October on counts
  toward the next year's cycle (the 2025–26 round is the 2026 cycle);
- the funnel follows everyone who entered the talent pool of the area's villages (each person once): 后备 = became a
  reserve (promoted, or a reserve of the village in any status); 入党 = of those, party members; 两委 = of those
  reserves, holding a 两委 post that is current or began after they entered the pool; 书记 = of those, the party
  secretary. Each step's conversion names its own denominator.
Every function reads a constant number of queries, whatever the number of villages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import ReserveStatus, TalentSource
from reserves.cycles import election_cycle
from reserves.models import Election, ElectionResult, Reserve, Talent
from reserves.outcomes import Rate, reserve_coverage
from villages.choices import (
    COMMITTEE_POSTS,
    EDUCATION_RANK,
    Education,
    Gender,
    PoliticalStatus,
    Post,
    SourceCategory,
)
from villages.models import PostAssignment, Village, age_on, held_education

YOUNG_MAX = 35
ASSOCIATE_RANK = EDUCATION_RANK[Education.ASSOCIATE]
PARTY: frozenset[str] = frozenset({PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY})
SOURCE_LABELS: dict[str, str] = dict(SourceCategory.choices) | {"": "未填写"}
TALENT_SOURCE_LABELS: dict[str, str] = dict(TalentSource.choices)


@dataclass
class PoolStructure:
    """The structure of a pool of active reserves (each person once per village)."""

    reserves: int = 0
    counting: int = 0
    young: int = 0
    associate_or_above: int = 0
    studying: int = 0
    women: int = 0
    party: int = 0
    from_talent_pool: int = 0
    sources: Counter = field(default_factory=Counter)

    def share(self, part: int) -> Rate:
        return Rate(part, self.reserves)

    @property
    def young_share(self) -> Rate:
        return self.share(self.young)

    @property
    def associate_share(self) -> Rate:
        return self.share(self.associate_or_above)

    @property
    def women_share(self) -> Rate:
        return self.share(self.women)

    @property
    def party_share(self) -> Rate:
        return self.share(self.party)

    @property
    def counting_share(self) -> Rate:
        return self.share(self.counting)

    @property
    def source_rows(self) -> list[tuple[str, str, Rate]]:
        """(code, label, share) per source, most frequent first; a person with several sources counts in each."""
        return [(code, SOURCE_LABELS.get(code, code), self.share(n)) for code, n in self.sources.most_common()]


@dataclass(frozen=True)
class CycleConversion:
    cycle: int
    rate: Rate  # elected to 两委 at the election ÷ in the pool on the election day


@dataclass(frozen=True)
class FunnelStep:
    label: str
    count: int
    conversion: Rate | None  # this step ÷ its denominator (None for the first step)
    denominator_label: str = ""


@dataclass
class PoolFigures:
    structure: PoolStructure
    coverage: Rate
    conversions: list[CycleConversion]
    funnel: list[FunnelStep]
    talents_in_pool: int
    talents_willing: int
    by_child: list[tuple[str, str, PoolStructure]]  # (code, name, structure) per breakdown unit


CHILD_PATHS = {"county": "village__township__county", "township": "village__township", "village": "village"}


def _structure_rows(villages: QuerySet[Village], *, child: str, on: dt.date) -> dict[str, tuple[str, PoolStructure]]:
    """The pool structure per breakdown unit ("" = the whole area). One query (two with the talent link)."""
    path = CHILD_PATHS[child]
    reserves = Reserve.objects.filter(
        village__in=villages.values("pk"), status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True
    )
    rows = (
        reserves.order_by()
        .annotate_counting()
        .values_list(
            "village_id", "person_id", f"{path}__code", f"{path}__name", "person__birth_date", "person__gender",
            "person__education", "person__education_in_service", "person__education_in_progress",
            "person__political_status", "person__source_categories", "counts",
        )
    )  # fmt: skip
    from_pool = set(
        Talent.objects.filter(reserve__in=reserves.values("pk")).order_by().values_list("reserve__person_id", flat=True)
    )
    units: dict[str, tuple[str, PoolStructure]] = {"": ("", PoolStructure())}
    seen: dict[tuple[int, int], bool] = {}
    people: dict[tuple[int, int], tuple] = {}
    for row in rows:
        key = (row[0], row[1])
        seen[key] = seen.get(key, False) or bool(row[-1])  # counts if any of their reserve rows counts
        people.setdefault(key, row)
    for key, row in people.items():
        _, person_id, code, name, birth, gender, education, in_service, in_progress, politics, sources, _ = row
        held = held_education(education=education, in_service=in_service)
        rank = EDUCATION_RANK[held] if held else -1
        for unit in (units[""][1], units.setdefault(code, (name, PoolStructure()))[1]):
            unit.reserves += 1
            unit.counting += seen[key]
            unit.young += age_on(birth, on) <= YOUNG_MAX
            unit.associate_or_above += rank >= ASSOCIATE_RANK
            unit.studying += rank < ASSOCIATE_RANK and EDUCATION_RANK.get(in_progress or "", -1) >= ASSOCIATE_RANK
            unit.women += gender == Gender.FEMALE
            unit.party += politics in PARTY
            unit.from_talent_pool += person_id in from_pool
            unit.sources.update(sources or [""])
    return units


def _conversions(villages: QuerySet[Village]) -> list[CycleConversion]:
    """Pool → 两委 per cycle (see the module contract). Three queries."""
    reserves = Reserve.objects.filter(village__in=villages.values("pk"), person__deleted_at__isnull=True).order_by()
    by_village: dict[int, list[tuple[int, dt.date, str, dt.date | None]]] = defaultdict(list)
    for village_id, person_id, added_on, status, changed_on in reserves.values_list(
        "village_id", "person_id", "added_on", "status", "status_changed_on"
    ):
        by_village[village_id].append((person_id, added_on, status, changed_on))
    reserve_people = {person_id for rows in by_village.values() for person_id, *_ in rows}
    winners: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    for village_id, held_on, person_id in (
        ElectionResult.objects.filter(election__village__in=villages.values("pk"), post__in=list(COMMITTEE_POSTS))
        .order_by()
        .values_list("election__village_id", "election__held_on", "person_id")
    ):
        if person_id in reserve_people:  # the other winners cannot be in the numerator
            winners[(village_id, held_on)].add(person_id)
    elections = Election.objects.filter(village__in=villages.values("pk")).order_by()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for village_id, held_on in elections.values_list("village_id", "held_on"):
        if village_id not in by_village:
            continue
        in_pool = {
            person_id
            for person_id, added_on, status, changed_on in by_village[village_id]
            if added_on <= held_on and (status == ReserveStatus.ACTIVE or changed_on is None or changed_on >= held_on)
        }
        totals[election_cycle(held_on)][0] += len(in_pool & winners.get((village_id, held_on), set()))
        totals[election_cycle(held_on)][1] += len(in_pool)
    return [CycleConversion(cycle, Rate(*totals[cycle])) for cycle in sorted(totals)]


def _funnel(villages: QuerySet[Village]) -> tuple[list[FunnelStep], int, int]:
    """The talent funnel, plus (in pool now, of whom willing to come back). Three queries."""
    talents = list(
        Talent.objects.filter(village__in=villages.values("pk"), person__deleted_at__isnull=True)
        .order_by("entered_on")
        .values_list("person_id", "village_id", "entered_on", "status", "willingness", "person__political_status")
    )
    first: dict[int, tuple[int, dt.date, str]] = {}
    in_pool = willing = 0
    for person_id, village_id, entered_on, status, willingness, politics in talents:
        first.setdefault(person_id, (village_id, entered_on, politics))
        in_pool += status == "in_pool"
        willing += status == "in_pool" and willingness == "willing"
    people = set(first)
    reserves = set(
        Reserve.objects.filter(person_id__in=people, village__in=villages.values("pk"))
        .order_by()
        .values_list("person_id", flat=True)
    ) if people else set()  # fmt: skip
    posts: dict[int, set[str]] = defaultdict(set)
    if reserves:
        for person_id, post, start_on, end_on in (
            PostAssignment.objects.filter(person_id__in=reserves, post__in=list(COMMITTEE_POSTS))
            .order_by()
            .values_list("person_id", "post", "start_on", "end_on")
        ):
            entered_on = first[person_id][1]
            if end_on is None or (start_on is not None and start_on >= entered_on):
                posts[person_id].add(post)
    party = {p for p in reserves if first[p][2] in PARTY}
    committee = {p for p in reserves if posts.get(p)}
    secretary = {p for p in committee if Post.PARTY_SECRETARY in posts[p]}
    steps = [
        FunnelStep("人才", len(people), None),
        FunnelStep("后备", len(reserves), Rate(len(reserves), len(people)), "人才"),
        FunnelStep("入党", len(party), Rate(len(party), len(reserves)), "后备"),
        FunnelStep("两委", len(committee), Rate(len(committee), len(reserves)), "后备"),
        FunnelStep("书记", len(secretary), Rate(len(secretary), len(committee)), "两委"),
    ]
    return steps, in_pool, willing


def pool_figures(*, villages: QuerySet[Village], child: str = "township", on: dt.date | None = None) -> PoolFigures:
    """Every pool figure of the area (its villages), broken down by `child` ("county", "township" or "village")."""
    on = on or timezone.localdate()
    units = _structure_rows(villages, child=child, on=on)
    funnel, in_pool, willing = _funnel(villages)
    return PoolFigures(
        structure=units.pop("")[1],
        coverage=reserve_coverage(villages=villages),
        conversions=_conversions(villages),
        funnel=funnel,
        talents_in_pool=in_pool,
        talents_willing=willing,
        by_child=sorted(((code, name, s) for code, (name, s) in units.items()), key=lambda r: r[0]),
    )
