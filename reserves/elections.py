"""Recording election (换届) results: one transaction that refills the seats, or nothing at all.

Contract of `record_results` / `record_township_results`:
- every row is validated before anything is written: the person exists and is in the scope of the township
  (home village, a post or a reserve there) and has passed the election's qualification review when the county
  requires it (`reserves.reviews.review_refusal`: 未经联审不得任职), the post is one an election fills (not
  第一书记), 社长 rows name an existing 社 of the village and other rows name none, and no seat is filled twice
  (single-seat posts once per village, 社长 once per 社, a person once per post). Any error refuses the whole
  batch with row-level errors (`ResultsRefused.errors`), and nothing is written;
- then, in one `transaction.atomic`: the current assignments of the seats being filled end on the election
  date (end_on is exclusive), new assignments start on it (how=elected, the election's term), each active
  reserve of a winner in that village is marked appointed (to the post they were reserved for when they won
  it), each result is linked to its assignment, and the village's held_election_on is set.
Trainees are linked to the posts they won through those assignments (see reserves/outcomes.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from reserves.choices import EnrollmentStatus, ReserveStatus, ReviewPurpose
from reserves.models import Election, ElectionResult, Enrollment, Reserve
from reserves.reviews import cycle_of, review_refusal
from villages.choices import ORGAN_OF_POST, How, Post
from villages.models import Group, Person, PostAssignment, Township, Village

if TYPE_CHECKING:
    from villages.models import User

# Seats a village has one of (社长: one per 社). Other posts (deputies, members) may be filled several times.
SINGLE_SEAT_POSTS: frozenset[str] = frozenset(
    {Post.PARTY_SECRETARY, Post.DIRECTOR, Post.SUPERVISION_DIRECTOR, Post.CLERK}
)
ELECTED_POSTS: tuple[str, ...] = tuple(p for p in Post.values if p != Post.FIRST_SECRETARY)
END_REASON = "换届"


@dataclass(frozen=True)
class ResultRow:
    """One winner. `person` is a Person or a person id; `number` is the row number the user sees."""

    person: Person | int | None
    post: str
    group_number: int | None = None
    votes: int | None = None
    number: int = 0
    village: Village | None = None  # township entry only: which village's election the row belongs to

    @property
    def person_id(self) -> int | None:
        return self.person.pk if isinstance(self.person, Person) else self.person


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.message}" if self.row else self.message


class ResultsRefused(Exception):
    """Nothing was written; `errors` says which rows are wrong and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass
class RecordSummary:
    results: int = 0
    ended: int = 0
    reserves_appointed: int = 0
    trainees_elected: int = 0
    elections: list[Election] = field(default_factory=list)


def record_results(*, election: Election, rows: list[ResultRow], by: User | None) -> RecordSummary:
    """Record one village's results (see the module contract). Raises ResultsRefused."""
    rows = [_numbered(row, i) for i, row in enumerate(rows, start=1)]
    return _record({election: rows}, township=election.village.township, by=by)


def record_township_results(
    *, township: Township, held_on: dt.date, term: str, rows: list[ResultRow], by: User | None
) -> RecordSummary:
    """Record the results of every village of a township in one screen: one Election per village named in the
    rows (created, or reused when it exists for that date and has no results yet). Raises ResultsRefused."""
    rows = [_numbered(row, i) for i, row in enumerate(rows, start=1)]
    errors = [
        RowError(row.number, "village", "请选择本乡镇的村")
        for row in rows
        if row.village is None or row.village.township_id != township.pk
    ]
    if not rows:
        errors.append(RowError(0, "rows", "至少填写一行结果"))
    if errors:
        raise ResultsRefused(errors)
    with transaction.atomic():
        batches: dict[Election, list[ResultRow]] = defaultdict(list)
        elections: dict[int, Election] = {}
        for row in rows:
            if row.village.pk not in elections:
                elections[row.village.pk], _ = Election.objects.get_or_create(
                    village=row.village, held_on=held_on, defaults={"term": term}
                )
            batches[elections[row.village.pk]].append(row)
        return _record(batches, township=township, by=by)


def _numbered(row: ResultRow, number: int) -> ResultRow:
    if row.number:
        return row
    return ResultRow(row.person, row.post, row.group_number, row.votes, number, row.village)


def _record(batches: dict[Election, list[ResultRow]], *, township: Township, by: User | None) -> RecordSummary:
    with transaction.atomic():
        errors = validate_rows(batches, township=township, by=by)
        if errors:
            raise ResultsRefused(errors)
        summary = RecordSummary()
        for election, rows in batches.items():
            _apply(election, rows, by=by, summary=summary)
        return summary


def validate_rows(
    batches: dict[Election, list[ResultRow]], *, township: Township, by: User | None = None
) -> list[RowError]:
    """Every problem of every row (two queries: people in scope, groups of the villages)."""
    all_rows = [row for rows in batches.values() for row in rows]
    in_scope = set(
        Person.objects.alive()
        .in_villages(Village.objects.filter(township=township))
        .filter(pk__in={row.person_id for row in all_rows if row.person_id})
        .values_list("pk", flat=True)
    )
    groups = set(Group.objects.filter(village__in=[e.village_id for e in batches]).values_list("village_id", "number"))
    errors: list[RowError] = []
    for election, rows in batches.items():
        if election.results.exists():
            errors.append(RowError(0, "election", f"{election.village.name} {election.held_on} 的换届结果已录入"))
        errors += _row_errors(election, rows, in_scope=in_scope, groups=groups, by=by)
    return sorted(errors, key=lambda e: e.row)


def _row_errors(
    election: Election,
    rows: list[ResultRow],
    *,
    in_scope: set[int],
    groups: set[tuple[int, int]],
    by: User | None = None,
) -> list[RowError]:
    errors: list[RowError] = []
    seats: dict[tuple, int] = {}
    for row in rows:
        if row.person_id in in_scope and (refusal := _review_refusal(election, row, by=by)):
            errors.append(RowError(row.number, "person", refusal))  # 未经联审不得任职 (reserves/reviews)
        if row.person_id not in in_scope:
            errors.append(RowError(row.number, "person", "人员不存在或不在本乡镇范围内"))
        if row.post not in ELECTED_POSTS:
            errors.append(RowError(row.number, "post", "职务无效（第一书记由上级选派，不经换届选举）"))
            continue
        if row.post == Post.GROUP_LEADER:
            if (election.village_id, row.group_number) not in groups:
                errors.append(RowError(row.number, "group_number", "社长须填写本村已有的社号"))
        elif row.group_number is not None:
            errors.append(RowError(row.number, "group_number", "只有社长填写社号"))
        for seat in _seats(election, row):
            if seat in seats:
                errors.append(RowError(row.number, "post", f"与第{seats[seat]}行重复（同一岗位只能填写一次）"))
                break
            seats[seat] = row.number
    return errors


def _review_refusal(election: Election, row: ResultRow, *, by: User | None) -> str | None:
    county_id = election.village.township.county_id
    cycle = cycle_of(election.held_on)
    return review_refusal(
        person=row.person_id or 0,
        purpose=ReviewPurpose.ELECTION,
        cycle=cycle,
        county=county_id,
        on=election.held_on,
        by=by,
        context="election_results",
    )


def _seats(election: Election, row: ResultRow) -> list[tuple]:
    seats: list[tuple] = [(election.pk, "person", row.person_id, row.post)]
    if row.post == Post.GROUP_LEADER:
        seats.append((election.pk, "group", row.group_number))
    elif row.post in SINGLE_SEAT_POSTS:
        seats.append((election.pk, "seat", row.post))
    return seats


def _apply(election: Election, rows: list[ResultRow], *, by: User | None, summary: RecordSummary) -> None:
    village, held_on = election.village, election.held_on
    summary.ended += _end_previous(village, rows, held_on=held_on)
    groups = {g.number: g for g in Group.objects.filter(village=village)}
    won: dict[int, list[PostAssignment]] = defaultdict(list)
    for row in rows:
        assignment = PostAssignment(
            person_id=row.person_id,
            village=village,
            organ=ORGAN_OF_POST[row.post],
            post=row.post,
            group=groups.get(row.group_number) if row.post == Post.GROUP_LEADER else None,
            start_on=held_on,
            how=How.ELECTED,
            term=election.term,
        )
        assignment.save()
        ElectionResult.objects.create(
            election=election,
            person_id=row.person_id,
            post=row.post,
            group=assignment.group,
            votes=row.votes,
            assignment=assignment,
        )
        won[row.person_id].append(assignment)
        summary.results += 1
    summary.reserves_appointed += _appoint_reserves(village, won, on=held_on)
    summary.trainees_elected += (
        Enrollment.objects.filter(person_id__in=won, status=EnrollmentStatus.COMPLETED)
        .values("person_id")
        .distinct()
        .count()
    )
    village.held_election_on = held_on
    village.save(update_fields=["held_election_on"])
    election.recorded_at, election.recorded_by = timezone.now(), by
    election.save(update_fields=["recorded_at", "recorded_by"])
    summary.elections.append(election)


def _end_previous(village: Village, rows: list[ResultRow], *, held_on: dt.date) -> int:
    """End the current holders of every post (社长: every 社) the election fills."""
    posts = {row.post for row in rows if row.post != Post.GROUP_LEADER}
    group_numbers = {row.group_number for row in rows if row.post == Post.GROUP_LEADER}
    current = PostAssignment.objects.filter(village=village).current(on=held_on).select_related("group")
    ended = 0
    for assignment in current:
        refilled = assignment.post in posts or (
            assignment.post == Post.GROUP_LEADER and assignment.group_number in group_numbers
        )
        if refilled:
            assignment.end(on=held_on, reason=END_REASON)
            ended += 1
    return ended


def _appoint_reserves(village: Village, won: dict[int, list[PostAssignment]], *, on: dt.date) -> int:
    reserves = Reserve.objects.filter(village=village, person_id__in=won, status=ReserveStatus.ACTIVE)
    for reserve in reserves:
        posts = won[reserve.person_id]
        post = next((a for a in posts if a.post == reserve.target_post), posts[0])
        reserve.mark_appointed(post, on=on)
    return len(reserves)
