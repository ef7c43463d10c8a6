"""Recording election (换届) results: one transaction that refills the seats, or nothing at all.

Contract of `record_results` / `record_village_results` / `record_township_results`:
- every row is validated before anything is written: the person exists and is in the scope of the township
  (home village, a post or a reserve there) and has passed the election's qualification review when the county
  requires it (`reserves.reviews.review_refusal`: 未经联审不得任职), the post is one an election fills (not
  第一书记), and the new
  assignment passes every roster rule a post obeys (villages.roster.invariants.post_refusals, the same rules as
  the roster form, the API and the workbook: a 社长 names an existing 社 of the village and no other post names
  one; the election date is not in the future nor before the winner's birth; party posts only for full party
  members; one holder per single seat and per 社, a person once per post), judged against the seats as the
  election leaves them: the holders it replaces end on its date, and the rows above count as filled. Any error
  refuses the whole batch with row-level errors (`ResultsRefused.errors`; the roster rules' fields as the rows
  name them: `post`, `group_number`, `held_on`), and nothing is written;
- then, in one `transaction.atomic`, through the roster write functions (villages.roster: history records
  `by`): the current assignments of the seats being filled end on the election date (end_on is exclusive),
  new assignments start on it (how=elected, the election's term), each active reserve of a winner in that
  village is marked appointed (to the post they were reserved for when they won it), each result is linked to
  its assignment, and the village's held_election_on is set; the work that follows the election is opened: the
  secretary's and director's 备案 (reserves/filings.py) and the follow-up steps (reserves/aftercare.py).
Trainees are linked to the posts they won through those assignments (see reserves/outcomes.py).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from reserves.aftercare import open_aftercare
from reserves.choices import EnrollmentStatus, ReserveStatus, ReviewPurpose
from reserves.filings import open_election_filings
from reserves.models import Election, ElectionResult, Enrollment, Reserve
from reserves.reviews import cycle_of, review_refusal
from villages.choices import How, Post
from villages.models import Group, Person, PostAssignment, Township, Village
from villages.roster import RosterRefused, change_post, start_post
from villages.roster.invariants import post_refusals, source_refusal

if TYPE_CHECKING:
    from villages.models import User

# The rows' names for the roster rules' fields (villages.roster.invariants), where they differ.
ROW_FIELDS = {"group": "group_number", "start_on": "held_on", "end_on": "held_on"}
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
    source: str = ""  # 干部来源 of the new post (villages.choices.CadreSource; blank: not stated)

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
            village = row.village
            if village is None:  # refused above
                raise ValueError(f"第{row.number}行没有村")
            if village.pk not in elections:
                elections[village.pk], _ = Election.objects.get_or_create(
                    village=village, held_on=held_on, defaults={"term": term}
                )
            batches[elections[village.pk]].append(row)
        return _record(batches, township=township, by=by)


def record_village_results(
    *, village: Village, held_on: dt.date, term: str, rows: list[ResultRow], by: User | None
) -> RecordSummary:
    """Register one village's election and record its results in one transaction (a registered election of that
    date without results is reused): a refused batch leaves no election behind. Raises ResultsRefused."""
    rows = [replace(row, village=village) for row in rows]
    return record_township_results(township=village.township, held_on=held_on, term=term, rows=rows, by=by)


def _numbered(row: ResultRow, number: int) -> ResultRow:
    if row.number:
        return row
    return replace(row, number=number)


def _record(batches: dict[Election, list[ResultRow]], *, township: Township, by: User | None) -> RecordSummary:
    with transaction.atomic():
        people = _winners(batches, township=township)
        errors = _validate(batches, people=people, today=timezone.localdate(), by=by)
        if errors:
            raise ResultsRefused(errors)
        summary = RecordSummary()
        for election, rows in batches.items():
            _apply(election, rows, people=people, by=by, summary=summary)
        return summary


def _winners(batches: dict[Election, list[ResultRow]], *, township: Township) -> dict[int, Person]:
    """The rows' people who are in the township's scope (home village, a post or a reserve there), by pk."""
    ids = {row.person_id for rows in batches.values() for row in rows if row.person_id}
    in_scope = Person.objects.alive().in_villages(Village.objects.filter(township=township)).filter(pk__in=ids)
    return {person.pk: person for person in in_scope}


def validate_rows(
    batches: dict[Election, list[ResultRow]],
    *,
    township: Township,
    today: dt.date | None = None,
    by: User | None = None,
) -> list[RowError]:
    """Every problem of every row (four queries: people in scope, groups and assignments of the villages)."""
    people = _winners(batches, township=township)
    return _validate(batches, people=people, today=today or timezone.localdate(), by=by)


def _validate(
    batches: dict[Election, list[ResultRow]], *, people: dict[int, Person], today: dt.date, by: User | None = None
) -> list[RowError]:
    villages = [election.village_id for election in batches]
    groups: dict[int, dict[int, Group]] = defaultdict(dict)
    for group in Group.objects.filter(village__in=villages):
        groups[group.village_id][group.number] = group
    assignments: dict[int, list[PostAssignment]] = defaultdict(list)
    for assignment in PostAssignment.objects.filter(village__in=villages).select_related("person"):
        assignments[assignment.village_id].append(assignment)
    errors: list[RowError] = []
    for election, rows in batches.items():
        if election.results.exists():
            errors.append(RowError(0, "election", f"{election.village.name} {election.held_on} 的换届结果已录入"))
        seats = _seats_after_ending(election, rows, assignments[election.village_id])
        errors += _row_errors(
            election, rows, people=people, groups=groups[election.village_id], seats=seats, today=today, by=by
        )
    return sorted(errors, key=lambda e: e.row)


def _refilled(assignment: PostAssignment, rows: list[ResultRow], *, held_on: dt.date) -> bool:
    """Whether the election replaces this holder: current on its date, in a post (社长: a 社) it fills."""
    current = (assignment.start_on is None or assignment.start_on <= held_on) and (
        assignment.end_on is None or assignment.end_on > held_on
    )
    if not current:
        return False
    if assignment.post == Post.GROUP_LEADER:
        return assignment.group_number in {row.group_number for row in rows if row.post == Post.GROUP_LEADER}
    return assignment.post in {row.post for row in rows if row.post != Post.GROUP_LEADER}


def _seats_after_ending(
    election: Election, rows: list[ResultRow], assignments: list[PostAssignment]
) -> dict[str, list[PostAssignment]]:
    """The village's assignments by post as the election leaves them before its winners start: the holders it
    replaces end on its date (copies; nothing is written)."""
    seats: dict[str, list[PostAssignment]] = defaultdict(list)
    for assignment in assignments:
        if _refilled(assignment, rows, held_on=election.held_on):
            assignment = copy.copy(assignment)
            assignment.end_on = election.held_on
        seats[assignment.post].append(assignment)
    return seats


def _row_errors(
    election: Election,
    rows: list[ResultRow],
    *,
    people: dict[int, Person],
    groups: dict[int, Group],
    seats: dict[str, list[PostAssignment]],
    today: dt.date,
    by: User | None = None,
) -> list[RowError]:
    """Scope and post of each row, then the roster's rules on the post it starts; a valid row fills its seat
    for the rows below (as the write that follows will)."""
    errors: list[RowError] = []
    for row in rows:
        person = people.get(row.person_id) if row.person_id else None
        if person is not None and (refusal := _review_refusal(election, row, by=by)):
            errors.append(RowError(row.number, "person", refusal))  # 未经联审不得任职 (reserves/reviews)
        if person is None:
            errors.append(RowError(row.number, "person", "人员不存在或不在本乡镇范围内"))
        if row.post not in ELECTED_POSTS:
            errors.append(RowError(row.number, "post", "职务无效（第一书记由上级选派，不经换届选举）"))
            continue
        if person is None:
            continue
        refusals = post_refusals(
            person=person,
            village=election.village,
            post=row.post,
            group_number=row.group_number,
            groups=groups,
            start_on=election.held_on,
            end_on=None,
            others=seats[row.post],
            today=today,
        )
        refusals += [r for r in (source_refusal(source=row.source),) if r is not None]
        errors += [RowError(row.number, ROW_FIELDS.get(r.field, r.field), r.message) for r in refusals]
        if not refusals:
            group = groups.get(row.group_number) if row.group_number is not None else None
            planned = PostAssignment(person=person, post=row.post, group=group, start_on=election.held_on)
            seats[row.post].append(planned)
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


def _apply(
    election: Election, rows: list[ResultRow], *, people: dict[int, Person], by: User | None, summary: RecordSummary
) -> None:
    village, held_on = election.village, election.held_on
    summary.ended += _end_previous(village, rows, held_on=held_on, by=by)
    won: dict[int, list[PostAssignment]] = defaultdict(list)
    for row in rows:
        assignment = _start(election, row, people=people, by=by)
        ElectionResult.objects.create(
            election=election,
            person=assignment.person,
            post=row.post,
            group=assignment.group,
            votes=row.votes,
            assignment=assignment,
        )
        won[assignment.person_id].append(assignment)
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
    open_election_filings(election=election)
    open_aftercare(election=election)
    summary.elections.append(election)


def _start(election: Election, row: ResultRow, *, people: dict[int, Person], by: User | None) -> PostAssignment:
    """The winner's new assignment (roster.start_post). Validated above: a refusal here means someone changed
    the roster meanwhile, and the whole batch is refused on that row."""
    person = people.get(row.person_id) if row.person_id else None
    if person is None:
        raise ResultsRefused([RowError(row.number, "person", "人员不存在或不在本乡镇范围内")])
    try:
        return start_post(
            person=person,
            village=election.village,
            post=row.post,
            group_number=row.group_number,
            start_on=election.held_on,
            how=How.ELECTED,
            term=election.term,
            source=row.source,
            by=by,
        )
    except RosterRefused as refused:
        raise ResultsRefused(
            [RowError(row.number, ROW_FIELDS.get(r.field, r.field), r.message) for r in refused.refusals]
        ) from None


def _end_previous(village: Village, rows: list[ResultRow], *, held_on: dt.date, by: User | None) -> int:
    """End the current holders of every post (社长: every 社) the election fills (roster.change_post)."""
    current = PostAssignment.objects.filter(village=village).current(on=held_on).select_related("group", "person")
    ended = 0
    for assignment in current:
        if _refilled(assignment, rows, held_on=held_on):
            try:
                change_post(assignment=assignment, changes={"end_on": held_on, "end_reason": END_REASON}, by=by)
            except RosterRefused as refused:
                raise ResultsRefused([RowError(0, "held_on", r.message) for r in refused.refusals]) from None
            ended += 1
    return ended


def _appoint_reserves(village: Village, won: dict[int, list[PostAssignment]], *, on: dt.date) -> int:
    reserves = Reserve.objects.filter(village=village, person_id__in=won, status=ReserveStatus.ACTIVE)
    for reserve in reserves:
        posts = won[reserve.person_id]
        post = next((a for a in posts if a.post == reserve.target_post), posts[0])
        reserve.mark_appointed(post, on=on)
    return len(reserves)
