"""A township secretary's to-do list (their landing page): what needs doing in their villages, each item a count
and links to the place that fixes it.

Contract: `township_todo(user=..., today=...)` for a township secretary; a constant number of queries whatever the
number of villages, people or risks. Every count uses the same rule as the page it links to (RiskQuerySet,
PersonQuerySet.missing_*, village_confirmations, age_out_calendar, ReserveQuerySet), so the list behind a link
shows exactly the counted rows.

Hook: `pending_reviews` answers the 资格联审 items once the review work exists (docs/domain.md §9); today it has
none, and the page shows nothing for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from dashboards.drills import Drill
from reserves.models import Filing, MidTermChange, PostElectionTask, Reserve
from villages import risk
from villages.choices import COMMITTEE_POSTS, ReviewStatus
from villages.models import Person, PostAssignment, Risk, User, Village
from villages.roster.confirmation import village_confirmations

SHOWN = 8  # entries listed under an item; the item's main link leads to all of them


@dataclass(frozen=True)
class Entry:
    """One thing to fix: a village or a person, linking to the page where it is fixed."""

    label: str
    drill: Drill
    note: str = ""


@dataclass
class TodoItem:
    key: str
    title: str
    count: int
    drill: Drill | None  # the list of everything counted (None: the entries are the links)
    action: str  # what to do, as a link text
    urgent: bool = False
    entries: list[Entry] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.entries), 0)


@dataclass
class TodoList:
    township_name: str
    township_code: str
    election_on: dt.date
    items: list[TodoItem]

    @property
    def open_items(self) -> list[TodoItem]:
        return [i for i in self.items if i.count]

    @property
    def done_items(self) -> list[TodoItem]:
        return [i for i in self.items if not i.count]


def township_todo(*, user: User, today: dt.date) -> TodoList:
    """The to-do list of a township secretary's own township (their villages, their risks)."""
    township = user.township
    assert township is not None, "township_todo is for township secretaries"
    villages = Village.objects.for_user(user)
    election_on = township.county.planned_election_on or dt.date(today.year, 12, 31)
    if election_on < today:
        election_on = dt.date(today.year, 12, 31)
    unit = {"township": township.code}
    items = [
        overdue_confirmations(villages=villages, today=today, unit=unit),
        *assigned_risks(user=user, today=today),
        answered_risks(user=user),
        members_missing(villages=villages, today=today, unit=unit, what="assessment"),
        members_missing(villages=villages, today=today, unit=unit, what="education"),
        ageing_out(villages=villages, election_on=election_on, unit=unit),
        reserves_without_mentor(user=user),
        *after_election_work(villages=villages, today=today, township_code=township.code),
        *pending_reviews(user=user),
    ]
    return TodoList(township.name, township.code, election_on, items)


def overdue_confirmations(*, villages: QuerySet[Village], today: dt.date, unit: dict[str, str]) -> TodoItem:
    overdue = [c for c in village_confirmations(villages=villages.order_by("code"), on=today) if c.overdue]
    entries = [
        Entry(
            c.village.name,
            Drill("villages:confirm_roster", args=(c.village.code,)),
            f"应于{c.due_on:%Y-%m-%d}前确认" if c.due_on else "从未确认",
        )
        for c in overdue[:SHOWN]
    ]
    return TodoItem(
        "confirmations",
        "花名册确认逾期的村",
        len(overdue),
        Drill("villages:confirmations").with_params(**unit, overdue="on"),
        "逐村确认花名册",
        urgent=True,
        entries=entries,
    )


def _risk_entries(risks: QuerySet[Risk]) -> tuple[int, list[Entry]]:
    rows = list(risks.select_related("village", "person").order_by("due_on", "village__code", "pk"))
    entries = [
        Entry(
            f"{r.village.name} {risk.kind_label(r.kind)}{'：' + r.person.name if r.person else ''}",
            Drill("villages:risk_answer", args=(str(r.pk),)),
            f"期限{r.due_on:%Y-%m-%d}" if r.due_on else "",
        )
        for r in rows[:SHOWN]
    ]
    return len(rows), entries


def assigned_risks(*, user: User, today: dt.date) -> list[TodoItem]:
    """Risks the county assigned to this secretary and still waiting for their answer; the overdue ones apart."""
    mine = Risk.objects.for_user(user).filter(owner=user)
    overdue_count, overdue_entries = _risk_entries(mine.overdue(on=today))
    waiting_count, waiting_entries = _risk_entries(mine.awaiting_action())
    drill = Drill("villages:risks").with_params(mine="on", layout="flat")
    return [
        TodoItem(
            "risks_overdue",
            "已逾期的指派风险",
            overdue_count,
            drill.with_params(overdue="on"),
            "答复整改情况",
            urgent=True,
            entries=overdue_entries,
        ),
        TodoItem(
            "risks_assigned",
            "指派给我、待答复的风险",
            waiting_count,
            drill.with_params(state="awaiting"),
            "答复整改情况",
            entries=waiting_entries,
        ),
    ]


def answered_risks(*, user: User) -> TodoItem:
    """Answered (已整改待核) and waiting for the county: nothing to do but to know."""
    count = Risk.objects.for_user(user).filter(is_active=True, review_status=ReviewStatus.RECTIFIED).count()
    return TodoItem(
        "risks_rectified",
        "已答复、等待县委组织部核实的风险",
        count,
        Drill("villages:risks").with_params(review_status=ReviewStatus.RECTIFIED.value, layout="flat"),
        "查看",
    )


def members_missing(*, villages: QuerySet[Village], today: dt.date, unit: dict[str, str], what: str) -> TodoItem:
    """两委 members (current posts in the villages) without last year's assessment, or without an education."""
    holds = PostAssignment.objects.current(today).filter(
        person=OuterRef("pk"), village__in=villages, post__in=COMMITTEE_POSTS
    )
    members = Person.objects.alive().filter(Exists(holds))
    year = today.year - 1
    missing = members.missing_assessment(year=year) if what == "assessment" else members.missing_education()
    rows = list(missing.select_related("home_village").order_by("home_village__code", "name"))
    entries = [Entry(f"{p.name}（{p.home_village.name}）", Drill("villages:person", args=(str(p.pk),))) for p in rows]
    title = f"缺{year}年度考核的两委成员" if what == "assessment" else "缺全日制学历的两委成员"
    return TodoItem(
        f"missing_{what}",
        title,
        len(rows),
        Drill("villages:people").with_params(**unit, post_group="committee", missing=what),
        "补录考核结果" if what == "assessment" else "补录学历",
        entries=entries[:SHOWN],
    )


def ageing_out(*, villages: QuerySet[Village], election_on: dt.date, unit: dict[str, str]) -> TodoItem:
    """People who pass an age limit before the election and are not flagged for it today (age_out_calendar)."""
    people = [p for t in risk.age_out_calendar(villages=villages, election_on=election_on) for p in t.people if p.new]
    entries = [
        Entry(
            f"{p.name}（{p.village.name}）",
            Drill("villages:person", args=(str(p.person_id),)),
            f"换届时{p.age_then}岁",
        )
        for p in people[:SHOWN]
    ]
    return TodoItem(
        "ageing_out",
        f"换届前（{election_on:%Y-%m-%d}）将到龄的人员",
        len(people),
        Drill("villages:age_out").with_params(**unit, election_on=f"{election_on:%Y-%m-%d}"),
        "物色接替人选",
        entries=entries,
    )


def reserves_without_mentor(*, user: User) -> TodoItem:
    rows = list(
        Reserve.objects.for_user(user)
        .active()
        .filter(mentor__isnull=True)
        .select_related("person", "village")
        .order_by("village__code", "pk")
    )
    entries = [
        Entry(
            f"{r.person.name}（{r.village.name}，{r.get_target_post_display()}）",
            Drill("reserves:reserve_edit", args=(str(r.pk),)),
        )
        for r in rows[:SHOWN]
    ]
    one_village = len({r.village_id for r in rows}) == 1
    return TodoItem(
        "reserves_without_mentor",
        "没有帮带人的后备干部",
        len(rows),
        Drill("reserves:village_reserves", args=(rows[0].village.code,)) if one_village else None,
        "指定帮带人",
        entries=entries,
    )


def after_election_work(*, villages: QuerySet[Village], today: dt.date, township_code: str) -> list[TodoItem]:
    """After an election: follow-up steps past their deadline, filings not filed in time, open mid-term changes
    (docs/domain.md §8). Three queries."""
    steps = list(
        PostElectionTask.objects.filter(village__in=villages)
        .overdue(on=today)
        .select_related("village")
        .order_by("due_on")
    )
    filings = list(Filing.objects.filter(village__in=villages).of_status("overdue", on=today).select_related("village"))
    changes = list(MidTermChange.objects.filter(village__in=villages).open().select_related("village"))
    aftercare = Drill("reserves:township_aftercare", args=(township_code,))
    return [
        TodoItem(
            "aftercare_overdue",
            "逾期未完成的换届后续工作",
            len(steps),
            aftercare,
            "记录完成情况",
            urgent=True,
            entries=[
                Entry(t.village.name, aftercare, f"{t.get_step_display()}应于{t.due_on:%Y-%m-%d}前完成")
                for t in steps[:SHOWN]
            ],
        ),
        TodoItem(
            "filings_overdue",
            "逾期未备案",
            len(filings),
            Drill("reserves:filings").with_params(township=township_code, status="overdue"),
            "登记备案",
            urgent=True,
        ),
        TodoItem(
            "mid_term_open",
            "办理中的届中调整",
            len(changes),
            Drill("reserves:township_mid_term", args=(township_code,)),
            "继续办理",
            entries=[
                Entry(
                    f"{c.village.name}{c.get_post_display()}",
                    Drill("reserves:mid_term_change", args=(str(c.pk),)),
                    c.stage_label,
                )
                for c in changes[:SHOWN]
            ],
        ),
    ]


def pending_reviews(*, user: User) -> list[TodoItem]:
    """资格联审 items for the township (candidates to review, departments' answers due). The review work is
    built later: it adds its items here. No items yet."""
    return []
