"""Election-cycle snapshots: every village's committee indicators frozen per election (2021, 2026 …), and the
comparison of two cycles (villages that left or entered 两低一高, change of average age, of the share aged ≤ 35
and of the share with 大专 or above).

Contract:
- `take_snapshot(cycle=..., villages=..., taken_on=...)` computes each village's indicators with the same
  code as the risk engine (`villages.risk.evaluations_for_villages`: the roster current on `taken_on`, ages in
  周岁 on `taken_on`: the snapshot's reference date is its chosen date, villages/reference.py) and stores one
  `ElectionCycleSnapshot` per village and cycle, replacing an existing one (idempotent). A constant number of
  queries plus one bulk upsert. Members are the 两委 (structure.roster_section), as everywhere.
- `compare_cycles(villages=..., before=..., after=...)` reads stored snapshots only (two queries).
  Pooled average ages weight each village's stored average (one decimal) by its member count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import QuerySet

from villages import risk
from villages.choices import VillageFlag
from villages.models import ElectionCycleSnapshot, Village
from villages.reference import ReferenceDate, ReferenceSource, common_caption
from villages.structure import percent

TWO_LOWS_VILLAGE = VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE.value
SNAPSHOT_FIELDS = (
    "taken_on",
    "members",
    "average_age",
    "aged_60_plus",
    "aged_35_or_under",
    "junior_high_or_below",
    "associate_or_above",
    "women",
    "two_lows_one_high",
    "flags",
)
VILLAGE_FLAGS = frozenset(VillageFlag.values)


def default_taken_on(*, cycle: int, today: dt.date) -> dt.date:
    """A past cycle is frozen at its year's end (the committee the election produced); a current one today."""
    return min(dt.date(cycle, 12, 31), today)


@transaction.atomic
def take_snapshot(*, cycle: int, villages: QuerySet[Village], taken_on: dt.date) -> int:
    """Store (or replace) the cycle's snapshot of every village in the queryset; return how many were written."""
    evaluations = risk.evaluations_for_villages(villages=villages, as_of=taken_on)
    rows = []
    for village_id, evaluation in evaluations.items():
        stats = evaluation.stats
        flags = sorted({f.kind for f in evaluation.findings if f.kind in VILLAGE_FLAGS})
        rows.append(
            ElectionCycleSnapshot(
                village_id=village_id,
                cycle=cycle,
                taken_on=taken_on,
                members=stats.members,
                average_age=stats.average_age,
                aged_60_plus=stats.aged_60_plus,
                aged_35_or_under=stats.aged_35_or_under,
                junior_high_or_below=stats.junior_high_or_below,
                associate_or_above=stats.associate_or_above,
                women=stats.women,
                two_lows_one_high=TWO_LOWS_VILLAGE in flags,
                flags=flags,
            )
        )
    ElectionCycleSnapshot.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["village", "cycle"],
        update_fields=list(SNAPSHOT_FIELDS),
    )
    return len(rows)


def cycles_available(*, villages: QuerySet[Village]) -> list[int]:
    """The cycles with at least one snapshot among the villages, oldest first (one query)."""
    snapshots = ElectionCycleSnapshot.objects.filter(village__in=villages.values("pk"))
    return sorted(set(snapshots.values_list("cycle", flat=True)))


@dataclass
class Pooled:
    """Indicators pooled over several villages' snapshots of one cycle."""

    villages: int = 0
    members: int = 0
    age_weight: Decimal = Decimal(0)  # Σ average_age × members over villages with an average
    aged_members: int = 0
    aged_35_or_under: int = 0
    associate_or_above: int = 0
    two_lows: int = 0
    taken_on: set[dt.date] = field(default_factory=set)

    @property
    def reference_caption(self) -> str:
        """The reference date of the pooled ages (each snapshot's date), as every age figure prints it."""
        return common_caption(ReferenceDate(on, ReferenceSource.AS_OF) for on in self.taken_on)

    def add(self, snapshot: ElectionCycleSnapshot) -> None:
        self.villages += 1
        self.taken_on.add(snapshot.taken_on)
        self.members += snapshot.members
        if snapshot.average_age is not None:
            self.age_weight += snapshot.average_age * snapshot.members
            self.aged_members += snapshot.members
        self.aged_35_or_under += snapshot.aged_35_or_under
        self.associate_or_above += snapshot.associate_or_above
        self.two_lows += snapshot.two_lows_one_high

    @property
    def average_age(self) -> Decimal | None:
        if not self.aged_members:
            return None
        return (self.age_weight / self.aged_members).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def share_35_or_under(self) -> Decimal | None:
        return percent(self.aged_35_or_under, self.members)

    @property
    def share_associate_or_above(self) -> Decimal | None:
        return percent(self.associate_or_above, self.members)


def _delta(after: Decimal | None, before: Decimal | None) -> Decimal | None:
    return None if after is None or before is None else after - before


@dataclass
class ComparisonRow:
    """One unit (a township, or a village) in both cycles."""

    code: str
    name: str
    before: Pooled = field(default_factory=Pooled)
    after: Pooled = field(default_factory=Pooled)

    @property
    def average_age_change(self) -> Decimal | None:
        return _delta(self.after.average_age, self.before.average_age)

    @property
    def share_35_or_under_change(self) -> Decimal | None:
        return _delta(self.after.share_35_or_under, self.before.share_35_or_under)

    @property
    def share_associate_or_above_change(self) -> Decimal | None:
        return _delta(self.after.share_associate_or_above, self.before.share_associate_or_above)


@dataclass
class CycleComparison:
    before_cycle: int
    after_cycle: int
    total: ComparisonRow
    rows: list[ComparisonRow]  # per township (or per village when all villages are in one township)
    left_two_lows: list[Village]  # 两低一高 in the earlier cycle, not in the later
    entered_two_lows: list[Village]  # not 两低一高 in the earlier cycle, 两低一高 in the later
    missing: list[Village]  # villages with a snapshot in only one of the two cycles (left out of every row)


def compare_cycles(*, villages: QuerySet[Village], before: int, after: int) -> CycleComparison:
    """Compare the snapshots of two cycles over the villages (two queries). Only villages with both count."""
    snapshots = ElectionCycleSnapshot.objects.filter(village__in=villages.values("pk"), cycle__in=[before, after])
    by_village: dict[int, dict[int, ElectionCycleSnapshot]] = defaultdict(dict)
    for snapshot in snapshots:
        by_village[snapshot.village_id][snapshot.cycle] = snapshot
    units = list(villages.filter(pk__in=by_village).select_related("township").order_by("township__code", "code"))
    per_village = len({village.township_id for village in units}) == 1
    total = ComparisonRow("", "合计")
    rows: dict[str, ComparisonRow] = {}
    left, entered, missing = [], [], []
    for village in units:
        pair = by_village[village.pk]
        if before not in pair or after not in pair:
            missing.append(village)
            continue
        unit = village if per_village else village.township
        row = rows.setdefault(unit.code, ComparisonRow(unit.code, unit.name))
        for target in (row, total):
            target.before.add(pair[before])
            target.after.add(pair[after])
        if pair[before].two_lows_one_high and not pair[after].two_lows_one_high:
            left.append(village)
        elif pair[after].two_lows_one_high and not pair[before].two_lows_one_high:
            entered.append(village)
    return CycleComparison(before, after, total, list(rows.values()), left, entered, missing)
