"""Mentors (联系帮带责任人), talks (谈心谈话) and placements (培育岗) of reserves, and what falls due.

Rules (county rule values, villages/rules.py, dated with their 文号; defaults from one prefecture's practice):
- each active reserve has a township mentor and a village mentor, named within `mentor_named_within_months` (1) of
  entry (`added_on`); a side still unnamed after that is `mentor_missing` (amber; red when both are missing);
- a mentor (either one) talks with the reserve at least every `mentor_talk_months` (6), and the township's party
  secretary at least every `secretary_talk_months` (12); the first interval runs from entry. A talk not held by its
  due date is `talk_overdue` (amber; red once a whole further interval has passed).
Intervals are whole calendar months (a due date past the end of a shorter month falls on its last day) and use the
rule values in force on the day judged.

`mentoring_statuses` computes the state of many reserves in three queries; `mentoring_findings` feeds the risk work
queue (registered with `villages.risk.register_finder`); `reserve_todo_counts(user)` gives a township's to-do page
its numbers. Writes: `name_mentor`, `record_talk`, `add_placement` (each refuses bad input with a Chinese message).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, QuerySet
from django.utils import timezone

from reserves.choices import MENTOR_TALKS, MentorSide, ReserveStatus, TalentStatus, TalkBy
from reserves.models import Placement, Reserve, Talent, Talk
from villages.choices import BenchRiskKind, Severity
from villages.models import Person, User, Village
from villages.risk import Finding
from villages.rules import RuleBook, RuleSet

DUE_SOON_DAYS = 30


class MentoringRefused(ValueError):
    """A mentoring write that cannot be made; the message says why (in Chinese)."""


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class TalkDue:
    who: str  # label: 帮带人 / 乡镇党委书记
    last_on: dt.date | None
    due_on: dt.date
    interval_months: int
    on: dt.date

    @property
    def overdue(self) -> bool:
        return self.due_on < self.on

    @property
    def due_soon(self) -> bool:
        return not self.overdue and (self.due_on - self.on).days <= DUE_SOON_DAYS

    @property
    def severely_overdue(self) -> bool:
        return add_months(self.due_on, self.interval_months) < self.on

    @property
    def sentence(self) -> str:
        last = f"最近一次{self.last_on:%Y-%m-%d}" if self.last_on else "入库以来未谈话"
        return (
            f"{self.who}谈心谈话已逾期（{last}，应不迟于{self.due_on:%Y-%m-%d}，每{self.interval_months}个月至少一次）"
        )


@dataclass
class MentoringStatus:
    """Where one reserve stands: mentors named, the next talks due."""

    reserve_id: int
    village_id: int
    person_id: int
    name: str
    target_post: str
    added_on: dt.date
    mentors_due_on: dt.date
    on: dt.date
    township_mentor: str = ""
    village_mentor: str = ""
    talks: list[TalkDue] = field(default_factory=list)

    @property
    def missing_sides(self) -> list[str]:
        missing = [(MentorSide.TOWNSHIP, self.township_mentor), (MentorSide.VILLAGE, self.village_mentor)]
        return [side.label for side, name in missing if not name]

    @property
    def mentors_missing(self) -> bool:
        """A side is still unnamed after the deadline."""
        return bool(self.missing_sides) and self.mentors_due_on < self.on

    @property
    def overdue_talks(self) -> list[TalkDue]:
        return [t for t in self.talks if t.overdue]

    @property
    def talks_due_soon(self) -> list[TalkDue]:
        return [t for t in self.talks if t.due_soon]


def _status(row: tuple, last_talks: dict[tuple[int, str], dt.date], rules: RuleSet, on: dt.date) -> MentoringStatus:
    pk, village_id, person_id, name, post, added_on, village_mentor, township_mentor, _ = row
    status = MentoringStatus(
        pk, village_id, person_id, name, post, added_on, add_months(added_on, rules.mentor_named_within_months), on,
        township_mentor=township_mentor, village_mentor=village_mentor or "",
    )  # fmt: skip
    mentor_last = max((d for d in (last_talks.get((pk, by)) for by in MENTOR_TALKS) if d is not None), default=None)
    secretary_last = last_talks.get((pk, TalkBy.TOWNSHIP_SECRETARY))
    for who, last, months in (
        ("帮带人", mentor_last, rules.mentor_talk_months),
        ("乡镇党委书记", secretary_last, rules.secretary_talk_months),
    ):
        status.talks.append(TalkDue(who, last, add_months(max(last or added_on, added_on), months), months, on))
    return status


def mentoring_statuses(*, reserves: QuerySet[Reserve], on: dt.date | None = None) -> dict[int, MentoringStatus]:
    """The mentoring state of the (active) reserves, keyed by reserve id. Three queries."""
    on = on or timezone.localdate()
    active = reserves.filter(status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True).order_by()
    rows = list(
        active.values_list(
            "pk", "village_id", "person_id", "person__name", "target_post", "added_on", "mentor__name",
            "township_mentor_name", "village__township__county_id",
        )
    )  # fmt: skip
    last_talks = {
        (reserve_id, by): last
        for reserve_id, by, last in Talk.objects.filter(reserve__in=active.values("pk"))
        .order_by()
        .values_list("reserve_id", "by")
        .annotate(last=Max("held_on"))
    }
    book = RuleBook.load()
    return {row[0]: _status(row, last_talks, book.rules(county_id=row[8], on=on), on) for row in rows}


def mentoring_findings(villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """`mentor_missing` and `talk_overdue`, one of each per person and village (the risk queue's finder)."""
    statuses = mentoring_statuses(reserves=Reserve.objects.filter(village__in=villages.values("pk")), on=as_of)
    by_subject: dict[tuple[int, int], list[MentoringStatus]] = defaultdict(list)
    for status in statuses.values():
        by_subject[(status.village_id, status.person_id)].append(status)
    found: dict[int, list[Finding]] = defaultdict(list)
    for (village_id, person_id), entries in by_subject.items():
        first = entries[0]
        missing = next((s for s in entries if s.mentors_missing), None)
        if missing is not None:
            severity = Severity.RED if len(missing.missing_sides) == 2 else Severity.AMBER
            detail = (
                f"{first.name}于{missing.added_on:%Y-%m-%d}入库，应于{missing.mentors_due_on:%Y-%m-%d}前明确帮带人，"
                f"尚未明确：{'、'.join(missing.missing_sides)}"
            )
            found[village_id].append(
                Finding(BenchRiskKind.MENTOR_MISSING, severity, detail, person_id, first.target_post)
            )
        overdue = {t.who: t for s in entries for t in s.overdue_talks}
        if overdue:
            severity = Severity.RED if any(t.severely_overdue for t in overdue.values()) else Severity.AMBER
            detail = f"{first.name}：" + "；".join(t.sentence for t in overdue.values())
            found[village_id].append(
                Finding(BenchRiskKind.TALK_OVERDUE, severity, detail, person_id, first.target_post)
            )
    return found


# ---- writes ----


def _check_day(day: dt.date, *, reserve: Reserve, what: str) -> None:
    if day > timezone.localdate():
        raise MentoringRefused(f"{what}不能晚于今天")
    if day < reserve.added_on:
        raise MentoringRefused(f"{what}不能早于入库日期（{reserve.added_on:%Y-%m-%d}）")


def _check_active(reserve: Reserve) -> None:
    if reserve.status != ReserveStatus.ACTIVE:
        raise MentoringRefused("只有在库的后备干部可以登记帮带和谈话")


def name_mentor(
    *, reserve: Reserve, side: str, on: dt.date, person: Person | None = None, name: str = "", post: str = ""
) -> Reserve:
    """Name (or replace) the reserve's township or village mentor on a date.

    The village mentor is a person of the village's roster (`person`); the township mentor is a township cadre,
    recorded by name and post. The reserve's history keeps earlier mentors."""
    _check_active(reserve)
    _check_day(on, reserve=reserve, what="明确帮带人日期")
    if side == MentorSide.VILLAGE:
        if person is None:
            raise MentoringRefused("村级帮带人须从本村人员中选择")
        if person.pk == reserve.person_id:
            raise MentoringRefused("帮带人不能是后备干部本人")
        reserve.mentor, reserve.mentor_named_on = person, on
        fields = ["mentor", "mentor_named_on"]
    elif side == MentorSide.TOWNSHIP:
        if not name.strip():
            raise MentoringRefused("请填写乡镇帮带人姓名")
        reserve.township_mentor_name, reserve.township_mentor_post = name.strip(), post.strip()
        reserve.township_mentor_named_on = on
        fields = ["township_mentor_name", "township_mentor_post", "township_mentor_named_on"]
    else:
        raise MentoringRefused("帮带人类别应为乡镇或村级")
    reserve.version += 1
    reserve.save(update_fields=[*fields, "version"])
    return reserve


def record_talk(
    *,
    reserve: Reserve,
    held_on: dt.date,
    by: str,
    topic: str,
    by_name: str = "",
    follow_up: str = "",
    recorded_by: User | None = None,
) -> Talk:
    """Log a talk. The talker's name defaults to the named mentor of that side."""
    _check_active(reserve)
    _check_day(held_on, reserve=reserve, what="谈话日期")
    if by not in TalkBy.values:
        raise MentoringRefused("请选择谈话人身份")
    if not by_name.strip() and by == TalkBy.TOWNSHIP_MENTOR:
        by_name = reserve.township_mentor_name
    elif not by_name.strip() and by == TalkBy.VILLAGE_MENTOR and reserve.mentor is not None:
        by_name = reserve.mentor.name
    if not by_name.strip():
        raise MentoringRefused("请填写谈话人姓名")
    if not topic.strip():
        raise MentoringRefused("请填写谈话主题")
    return Talk.objects.create(
        reserve=reserve,
        held_on=held_on,
        by=by,
        by_name=by_name.strip(),
        topic=topic.strip(),
        follow_up=follow_up.strip(),
        recorded_by=recorded_by,
    )


def add_placement(
    *,
    reserve: Reserve,
    post_name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    stipend: bool = False,
    stipend_note: str = "",
) -> Placement:
    """A 培育岗 (e.g. 书记助理) the reserve holds from a date."""
    _check_active(reserve)
    if not post_name.strip():
        raise MentoringRefused("请填写培育岗位")
    if ends_on is not None and ends_on < starts_on:
        raise MentoringRefused("结束日期不能早于开始日期")
    return Placement.objects.create(
        reserve=reserve,
        post_name=post_name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        stipend=stipend,
        stipend_note=stipend_note.strip() if stipend else "",
    )


# ---- the township's to-do page ----


@dataclass(frozen=True)
class ReserveTodo:
    """What a user's reserves need (counts over the reserves the user may see). The list behind each number is the
    mentoring page (`reserves:mentoring` with `?state=`) or the talent pool (`reserves:talents`)."""

    mentors_missing: int
    talks_overdue: int
    talks_due_soon: int
    ineligible: int
    talents_willing: int

    @property
    def total(self) -> int:
        return self.mentors_missing + self.talks_overdue + self.ineligible


def reserve_todo_counts(user: User, *, on: dt.date | None = None) -> ReserveTodo:
    """The reserve work a user (typically a township secretary) has to do; five queries whatever the numbers.

    - mentors_missing: active reserves with a mentor still unnamed after the deadline;
    - talks_overdue / talks_due_soon: active reserves with a talk overdue / due within 30 days (and none overdue);
    - ineligible: active reserves who do not meet the rules and have no recorded reason (they no longer count);
    - talents_willing: people in the talent pool willing to come back, not yet promoted to reserve.
    """
    reserves = Reserve.objects.for_user(user)
    statuses = mentoring_statuses(reserves=reserves, on=on).values()
    ineligible = reserves.filter(status=ReserveStatus.ACTIVE, eligible=False, eligibility_override_reason="").count()
    willing = Talent.objects.for_user(user).filter(status=TalentStatus.IN_POOL, willingness="willing").count()
    return ReserveTodo(
        mentors_missing=sum(s.mentors_missing for s in statuses),
        talks_overdue=sum(bool(s.overdue_talks) for s in statuses),
        talks_due_soon=sum(bool(s.talks_due_soon) and not s.overdue_talks for s in statuses),
        ineligible=ineligible,
        talents_willing=willing,
    )
