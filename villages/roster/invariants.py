"""Roster invariants: one function per rule that every roster write obeys, whatever the way in.

Each rule is a keyword-only function that reads no database (the caller hands it the facts, e.g. the other
assignments of a post) and answers with `RosterRefusal`s: the field at fault, named as on the model
(`id_number`, `gender`, `birth_date`, `party_joined_on`, `political_status`, `post`, `group`, `start_on`,
`end_on`, `year`) and the reason in Chinese, ready to show. Entry paths rename the field to theirs (a form
field, an API field, a workbook column) and show the message as it is, so every path refuses the same input
for the same reason.

The write functions (`villages.roster.writes`) gather the facts and apply every rule that concerns a write;
the roster workbook planner applies the same rules to facts it loads in bulk. docs/architecture.md "Roster
invariants" lists each rule with the entry paths that reach it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from villages import idcard
from villages.choices import (
    ORGAN_OF_POST,
    SINGLE_SEAT_POSTS,
    CadreSource,
    Grade,
    Organ,
    PoliticalStatus,
    Post,
    Relation,
)
from villages.models import Group, Person, PostAssignment, Village

FIRST_ASSESSMENT_YEAR = 1980


@dataclass(frozen=True)
class RosterRefusal:
    """Why a roster write is refused: the field at fault (model field name) and the reason, in Chinese."""

    field: str
    message: str


class RosterRefused(Exception):
    """A roster write was refused and nothing was written; `refusals` says which fields and why."""

    def __init__(self, refusals: Iterable[RosterRefusal]) -> None:
        self.refusals = tuple(refusals)
        super().__init__("；".join(r.message for r in self.refusals))

    def by_field(self, names: Mapping[str, str] | None = None) -> dict[str, list[str]]:
        """{field: [messages]}, each field renamed through `names` (an entry path's own field names)."""
        found: dict[str, list[str]] = {}
        for refusal in self.refusals:
            found.setdefault((names or {}).get(refusal.field, refusal.field), []).append(refusal.message)
        return found


def refuse_if_any(refusals: Iterable[RosterRefusal | None]) -> None:
    """Raise RosterRefused with every refusal given (None entries are rules that passed)."""
    found = [r for r in refusals if r is not None]
    if found:
        raise RosterRefused(found)


def years_before(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged `years` 周岁 or more on `on` (29 Feb falls back to 28 Feb)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


# ---- people ----


def valid_id_number(*, id_number: str, today: dt.date) -> idcard.IdNumber:
    """The 公民身份号码 checked and normalised (full-width digits, spaces, a lowercase x; 15 digits → 18).

    Raises RosterRefused on `id_number` with villages.idcard's reason (format, impossible or future birth date,
    age outside 16–100 on `today`, check character). A region code is never a reason: its remarks are the
    returned number's `warnings`.
    """
    try:
        return idcard.parse(id_number or "", today=today)
    except idcard.InvalidIdNumber as error:
        raise RosterRefused([RosterRefusal("id_number", str(error))]) from None


def derived_field_refusals(
    *, identity: idcard.IdNumber, gender: str | None, birth_date: dt.date | None
) -> list[RosterRefusal]:
    """Typed gender and birth date that disagree with the number (the number wins; blank ones are derived).

    A typed first of the month agrees with a number born in that month (rosters keep 1965.03).
    """
    errors = idcard.consistency_errors(identity, gender=gender or None, birth_date=birth_date)
    return [RosterRefusal(name, message) for name, message in errors.items()]


def unique_id_number_refusal(*, taken_by: Person | None, person: Person | None) -> RosterRefusal | None:
    """One record per human: a number may not belong to another person (soft-deleted people included).

    `taken_by` is whoever holds the number now (None: nobody); `person` the one being saved (None: new).
    """
    if taken_by is None or (person is not None and taken_by.pk == person.pk):
        return None
    return RosterRefusal("id_number", "该身份证号码已登记在其他人员名下（可能在其他乡镇），请核对")


def party_joined_refusal(
    *, party_joined_on: dt.date | None, birth_date: dt.date | None, today: dt.date
) -> RosterRefusal | None:
    """入党时间 is not after today and not before the person's birth (unknown birth date: only the first)."""
    if party_joined_on is None:
        return None
    if party_joined_on > today:
        return RosterRefusal("party_joined_on", f"入党时间（{party_joined_on:%Y-%m-%d}）不能晚于今天")
    if birth_date is not None and party_joined_on < birth_date:
        return RosterRefusal("party_joined_on", f"入党时间不能早于出生日期（{birth_date:%Y-%m-%d}）")
    return None


def party_post_refusal(*, person: Person, post: str, field: str = "post") -> RosterRefusal | None:
    """Why `person` (as they would be saved) may not hold the party-organization `post`, or None when they may.

    党章: only full party members may be elected to a party committee; 预备党员 have no right to stand.
    Posts outside the party organization have no such condition. `field` names what is at fault: the post
    being given (default), or `political_status` when a holder's status is being changed.
    """
    if ORGAN_OF_POST.get(post) != Organ.PARTY or person.political_status == PoliticalStatus.CPC_MEMBER:
        return None
    shown = PoliticalStatus(person.political_status).label if person.political_status else "未填写"
    return RosterRefusal(field, f"{person.name}的政治面貌为{shown}，村党组织职务只能由正式党员担任")


# ---- posts ----


def post_dates_refusals(
    *, start_on: dt.date | None, end_on: dt.date | None, birth_date: dt.date | None, today: dt.date
) -> list[RosterRefusal]:
    """A post's dates: the start not after today, none before the holder's birth, the end not before the start.

    `end_on` is exclusive (the first day off the post), so it may equal `start_on`. An end still ahead is a
    planned departure (拟离任): the holder stays on the roster until that day (PostAssignment.current).
    """
    found: list[RosterRefusal] = []
    if start_on is not None:
        if start_on > today:
            found.append(RosterRefusal("start_on", f"任职时间（{start_on:%Y-%m-%d}）不能晚于今天"))
        elif birth_date is not None and start_on < birth_date:
            found.append(RosterRefusal("start_on", f"任职时间不能早于出生日期（{birth_date:%Y-%m-%d}）"))
    if end_on is not None:
        if start_on is not None and end_on < start_on:
            found.append(RosterRefusal("end_on", f"离任时间不能早于任职时间（{start_on:%Y-%m-%d}）"))
        elif start_on is None and birth_date is not None and end_on < birth_date:
            found.append(RosterRefusal("end_on", f"离任时间不能早于出生日期（{birth_date:%Y-%m-%d}）"))
    return found


def group_refusal(
    *, village: Village, post: str, group_number: int | None, group_numbers: Collection[int]
) -> RosterRefusal | None:
    """A 社长 names an existing 社 of the village (`group_numbers`); no other post names one."""
    if post != Post.GROUP_LEADER:
        return RosterRefusal("group", "只有社长才填写所在社") if group_number is not None else None
    if group_number is None:
        return RosterRefusal("group", "社长须填写所在社（社号）")
    if group_number not in group_numbers:
        return RosterRefusal("group", f"{village.name}没有第{group_number}社")
    return None


def _overlaps(a: PostAssignment, start_on: dt.date | None, end_on: dt.date | None) -> bool:
    """Periods [start, end) overlap; a missing start is "always", a missing end is "still held"."""
    starts_before_end = end_on is None or a.start_on is None or a.start_on < end_on
    ends_after_start = a.end_on is None or start_on is None or a.end_on > start_on
    return starts_before_end and ends_after_start


def seat_key(*, post: str, group_id: int | None) -> tuple[str, int | None] | None:
    """What assignments of one village compete for: a single seat (SINGLE_SEAT_POSTS) or one 社's 社长; None
    for posts several people hold at once (deputies, members). Lets a caller index assignments by seat."""
    if post == Post.GROUP_LEADER:
        return (post, group_id) if group_id is not None else None
    return (post, None) if post in SINGLE_SEAT_POSTS else None


def seat_refusal(
    *,
    person: Person,
    post: str,
    group: Group | None,
    start_on: dt.date | None,
    end_on: dt.date | None,
    others: Iterable[PostAssignment],
) -> RosterRefusal | None:
    """One holder per seat at a time: `person` may not take `post` for [start_on, end_on) when, in the same
    period, they already hold it, or its seat (`seat_key`: a single seat, a 社's 社长) is held by another.

    `others`: the village's other assignments (planned ones included) that may compete: at least those of the
    same seat and those of `person` in `post`; any others are ignored. The earliest competitor is named.
    """
    label = Post(post).label
    overlapping = sorted(
        (other for other in others if other.post == post and _overlaps(other, start_on, end_on)),
        key=lambda other: (other.start_on or dt.date.min, other.pk or 0),
    )
    since = "（{:%Y-%m-%d}起）".format
    for other in overlapping:
        if person.pk is not None and other.person_id == person.pk:
            started = since(other.start_on) if other.start_on else ""
            return RosterRefusal("post", f"{person.name}已担任本村{label}{started}，同一职务不能重复任职")
    key = seat_key(post=post, group_id=group.pk if group else None)
    for other in overlapping:
        if key is not None and seat_key(post=other.post, group_id=other.group_id) == key:
            seat = f"{group}社长" if post == Post.GROUP_LEADER else f"本村{label}"
            started = since(other.start_on) if other.start_on else ""
            holder = other.person.name
            return RosterRefusal(
                "post", f"{seat}已由{holder}担任{started}，同一时间只能一人担任；如其已离任，请先登记离任"
            )
    return None


def post_refusals(
    *,
    person: Person,
    village: Village,
    post: str,
    group_number: int | None,
    groups: Mapping[int, Group],
    start_on: dt.date | None,
    end_on: dt.date | None,
    others: Iterable[PostAssignment],
    today: dt.date,
) -> list[RosterRefusal]:
    """Every rule a new assignment of `person` to `post` in `village` must pass (the rules above, in the order
    they are shown): 社 (`groups`: the village's 社 by number), dates, party membership, one holder per seat."""
    group = groups.get(group_number) if post == Post.GROUP_LEADER and group_number is not None else None
    found = [
        group_refusal(village=village, post=post, group_number=group_number, group_numbers=groups.keys()),
        *post_dates_refusals(start_on=start_on, end_on=end_on, birth_date=person.birth_date, today=today),
        party_post_refusal(person=person, post=post),
        seat_refusal(person=person, post=post, group=group, start_on=start_on, end_on=end_on, others=others),
    ]
    return [r for r in found if r is not None]


def source_refusal(*, source: str) -> RosterRefusal | None:
    """干部来源 is one of the code list (CadreSource) or left blank (not stated)."""
    if not source or source in CadreSource.values:
        return None
    return RosterRefusal("source", f"未知的干部来源：{source}")


# ---- relatives ----


def relative_refusals(
    *, person: Person, relation: str, relative: Person | None, relative_name: str, recorded: Collection[int]
) -> list[RosterRefusal]:
    """A relative record names a known relation and either a person on record (not `person` themself, not
    recorded twice: `recorded` are the ids of the relatives already on record) or a name."""
    found: list[RosterRefusal] = []
    if relation not in Relation.values:
        found.append(RosterRefusal("relation", "请选择亲属关系"))
    if relative is None and not relative_name.strip():
        found.append(RosterRefusal("relative", "请选择在册人员或填写亲属姓名"))
    elif relative is not None and relative.pk == person.pk:
        found.append(RosterRefusal("relative", "不能把本人登记为自己的亲属"))
    elif relative is not None and relative.pk in recorded:
        found.append(RosterRefusal("relative", f"{relative.name}已登记为{person.name}的亲属"))
    return found


# ---- assessments ----


def assessment_year_refusal(*, year: int, today: dt.date) -> RosterRefusal | None:
    """An annual assessment (年度考核) is for a year from 1980 to this year."""
    if FIRST_ASSESSMENT_YEAR <= year <= today.year:
        return None
    return RosterRefusal("year", f"年度应在 {FIRST_ASSESSMENT_YEAR}–{today.year} 之间")


def assessment_once_refusal(*, year: int, recorded_grade: str | None) -> RosterRefusal | None:
    """One result per person and year: adding a year that has one is refused (correcting it is not adding).

    `recorded_grade` is the grade already recorded for that year (None: none yet).
    """
    if recorded_grade is None:
        return None
    return RosterRefusal("year", f"{year}年度已有考核结果（{Grade(recorded_grade).label}），每年只能记录一次")
