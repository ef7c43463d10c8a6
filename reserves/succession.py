"""Seat succession: who holds each key seat of a village and who is ranked to follow; bench strength of an area.

A *seat* groups the posts one succession question is about (the deputies share one bench, the committee members
another); 社长 seats are one per 社. A seat has a *ready successor* when an active reserve targeted at one of
its posts is ready now (Readiness.READY_NOW). Ages are 周岁 on the reference date: the village's planned
election date, else its county's, else today (docs/domain.md §5).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reserves.choices import Readiness, ReserveStatus
from reserves.models import Reserve
from villages.choices import Post
from villages.models import PostAssignment, Township, Village
from villages.risk import reference_date


@dataclass(frozen=True)
class Seat:
    key: str
    label: str
    posts: tuple[str, ...]


SEATS: tuple[Seat, ...] = (
    Seat("secretary", "党组织书记", (Post.PARTY_SECRETARY,)),
    Seat("director", "村委会主任", (Post.DIRECTOR,)),
    Seat("deputy", "副书记/副主任", (Post.PARTY_DEPUTY_SECRETARY, Post.DEPUTY_DIRECTOR)),
    Seat("member", "两委委员", (Post.PARTY_MEMBER, Post.COMMITTEE_MEMBER)),
    Seat("clerk", "村文书", (Post.CLERK,)),
    Seat("group_leader", "社长", (Post.GROUP_LEADER,)),
)
SEAT_OF_POST: dict[str, Seat] = {post: seat for seat in SEATS for post in seat.posts}


@dataclass(frozen=True)
class Holder:
    assignment: PostAssignment
    age: int

    @property
    def person(self):
        return self.assignment.person


@dataclass
class SeatRow:
    seat: Seat
    label: str
    holders: list[Holder] = field(default_factory=list)
    reserves: list[Reserve] = field(default_factory=list)

    @property
    def ready_successor(self) -> bool:
        return any(r.readiness == Readiness.READY_NOW for r in self.reserves)


@dataclass
class VillageSuccession:
    village: Village
    on: dt.date
    rows: list[SeatRow]

    @property
    def gaps(self) -> list[SeatRow]:
        return [row for row in self.rows if not row.ready_successor]


def village_succession(*, village: Village, on: dt.date | None = None) -> VillageSuccession:
    """Each key seat of the village with its current holders (age on the reference date) and ranked reserves.

    Three queries (groups, current assignments, active reserves), whatever the size of the village.
    """
    on = on or reference_date(village)
    today = timezone.localdate()
    assignments = (
        PostAssignment.objects.filter(village=village, post__in=SEAT_OF_POST)
        .current(on=today)
        .select_related("person", "group")
        .order_by("post", "start_on", "pk")
    )
    reserves = (
        Reserve.objects.filter(village=village, status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True)
        .select_related("person", "mentor")
        .order_by("rank", "pk")
    )
    rows = {seat.key: SeatRow(seat, seat.label) for seat in SEATS if seat.key != "group_leader"}
    group_rows = {g.number: SeatRow(SEATS[-1], f"{g}社长") for g in village.groups.all()}
    for assignment in assignments:
        holder = Holder(assignment, assignment.person.age_on(on))
        seat = SEAT_OF_POST[assignment.post]
        if seat.key != "group_leader":
            row = rows[seat.key]
            if all(h.person.pk != holder.person.pk for h in row.holders):  # 支委委员 and 村委委员 are one seat row
                row.holders.append(holder)
        elif assignment.group_number is not None:
            group_rows.setdefault(assignment.group_number, SeatRow(seat, f"{assignment.group}社长"))
            group_rows[assignment.group_number].holders.append(holder)
    group_reserves = []
    for reserve in reserves:
        seat = SEAT_OF_POST.get(reserve.target_post)
        if seat is None:
            continue
        (group_reserves if seat.key == "group_leader" else rows[seat.key].reserves).append(reserve)
    for row in group_rows.values():  # reserves for 社长 are not tied to one 社: every 社 shows the pool
        row.reserves = group_reserves
    ordered = list(rows.values()) + [group_rows[n] for n in sorted(group_rows)]
    return VillageSuccession(village, on, ordered)


@dataclass
class BenchCell:
    ready: int = 0
    total: int = 0

    @property
    def gap(self) -> bool:
        return self.ready == 0


@dataclass
class BenchRow:
    village: Village
    cells: dict[str, BenchCell]

    @property
    def gap_count(self) -> int:
        return sum(cell.gap for cell in self.cells.values())

    def cell_list(self) -> list[tuple[Seat, BenchCell]]:
        return [(seat, self.cells[seat.key]) for seat in SEATS]


@dataclass
class BenchStrength:
    rows: list[BenchRow]

    @property
    def seats(self) -> tuple[Seat, ...]:
        return SEATS

    def without_ready(self) -> list[tuple[Seat, int]]:
        """Per seat: how many villages have no ready successor (the numerator of the gap table)."""
        return [(seat, sum(row.cells[seat.key].gap for row in self.rows)) for seat in SEATS]

    @property
    def village_count(self) -> int:
        return len(self.rows)

    def by_township(self) -> list[BenchSummary]:
        """Per township (a county's map): how many of its villages have no ready successor for each seat."""
        summaries: dict[int, BenchSummary] = {}
        for row in self.rows:
            township = row.village.township
            summary = summaries.setdefault(township.pk, BenchSummary(township, 0, {seat.key: 0 for seat in SEATS}))
            summary.villages += 1
            for key, cell in row.cells.items():
                summary.without_ready[key] += cell.gap
        return sorted(summaries.values(), key=lambda s: s.township.code)


@dataclass
class BenchSummary:
    township: Township
    villages: int
    without_ready: dict[str, int]

    def cell_list(self) -> list[tuple[Seat, int]]:
        return [(seat, self.without_ready[seat.key]) for seat in SEATS]


def bench_strength(*, villages: QuerySet[Village], only_gaps: bool = False) -> BenchStrength:
    """Ready and total active reserves per village and seat (two queries for any number of villages).

    `only_gaps` keeps villages whose secretary seat has no ready successor.
    """
    counts = (
        Reserve.objects.filter(village__in=villages, status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True)
        .values("village_id", "target_post")
        .annotate(total=Count("pk"), ready=Count("pk", filter=Q(readiness=Readiness.READY_NOW)))
    )
    cells: dict[int, dict[str, BenchCell]] = defaultdict(lambda: {seat.key: BenchCell() for seat in SEATS})
    for row in counts:
        seat = SEAT_OF_POST.get(row["target_post"])
        if seat is not None:
            cell = cells[row["village_id"]][seat.key]
            cell.ready += row["ready"]
            cell.total += row["total"]
    rows = [BenchRow(v, cells[v.pk]) for v in villages.select_related("township").order_by("code")]
    if only_gaps:
        rows = [row for row in rows if row.cells["secretary"].gap]
    return BenchStrength(rows)
