"""届中调整 (mid-term change) as a workflow: vacancy → nominee → review → 备案 → appointed or by-elected.

Contract (docs/domain.md §8); every step is dated (not in the future, not before the step before it), saved
against the version the user saw (StaleEditError), and refused with a ValidationError keyed by the form's fields:
- `open_vacancy`: a member leaves (reason: resigned, died, dismissed, promoted, two consecutive 不称职 — which ends
  office by law — or other). Their current post ends on the vacancy date through villages.roster.change_post
  (end_reason 届中调整：…), or an already ended post is taken as the vacancy on its end date. One open change per
  vacated post. The change's cycle (届次) is the vacated post's term, else the term of the village's last election.
- `nominate`: a person of the township (reserves of the village targeted at that post are suggested first:
  `suggested_nominees`); a nominee may be replaced until the review passes. Naming the nominee opens the
  任前备案 (reserves/filings.py, due `filing_midterm_days` later).
- `record_review`: the review passed on a date, with its reference (文号 or note): the step as the township records
  it. The qualification review (资格联审, reserves/reviews) decides: `mid_term_review_refusal` is the one call of
  its check (`review_refusal`, purpose `mid_term_change`, the election cycle of the appointment date), and `appoint`
  calls it; `nominee_reviews` shows the nominee's reviews on the change's page (read only, no audit).
- `file_change`: the 任前备案 is recorded (reserves.filings.record_filing) once the review passed.
- `appoint`: the nominee takes the post (villages.roster.start_post; how = appointed 任命 or by_election 补选,
  term = the cycle, 干部来源), on or after the filing date: a change takes effect only once filed, and only for a
  nominee the qualification review lets through on the appointment date (未经联审不得任职; in a county whose rule
  is warn-only the appointment goes ahead, audited, and the warning is collected by `collect_review_warnings`).
  A nominee who is an active reserve of the village is marked appointed. The filing then names the new post.
- `cancel`: an open change is withdrawn with a reason (the vacated post stays ended; an unfiled 任前备案 goes).
Counts per township and cycle (changes, filled, open, days vacant): `mid_term_counts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from reserves.choices import MidTermStage, ReserveStatus, ReviewPurpose, VacancyReason
from reserves.filings import open_midterm_filing, record_filing
from reserves.models import Election, MidTermChange, Reserve, Review
from reserves.reviews import ReviewOutcome, outcomes_for, review_refusal, with_outcome_data
from reserves.reviews import cycle_of as review_cycle_of
from villages.choices import How
from villages.models import Person, PostAssignment, Township, User
from villages.roster import RosterRefused, change_post, party_post_refusal, start_post
from villages.roster.versioning import save_attributed, save_versioned

FILLED_HOWS: tuple[str, ...] = (How.APPOINTED, How.BY_ELECTION)
# The roster rules' fields as the workflow's forms name them.
ROSTER_FIELDS = {"start_on": "appointed_on", "end_on": "vacated_on", "post": "nominee", "group": "nominee"}


def _refused(error: RosterRefused) -> ValidationError:
    return ValidationError(error.by_field(ROSTER_FIELDS))


def _check_day(
    day: dt.date | None, field: str, label: str, *, today: dt.date, after: tuple[dt.date | None, str]
) -> None:
    """A step's date: given, not after today, not before the step before it (`after`: its date and name)."""
    before, before_label = after
    if day is None:
        raise ValidationError({field: f"请填写{label}"})
    if day > today:
        raise ValidationError({field: f"{label}（{day:%Y-%m-%d}）不能晚于今天"})
    if before is not None and day < before:
        raise ValidationError({field: f"{label}不能早于{before_label}（{before:%Y-%m-%d}）"})


def can_run_changes(user: User, township: Township) -> bool:
    """The workflow is the township's: its own secretary keeps the roster (county staff read; they also record
    filings, reserves.filings.can_record_filing)."""
    return user.is_authenticated and user.is_township_secretary and user.township_id == township.pk


def cycle_of(assignment: PostAssignment) -> str:
    """The 届次 a vacancy falls in: the post's term, else the term of the village's last election before it."""
    if assignment.term:
        return assignment.term
    until = assignment.end_on or timezone.localdate()
    held = Election.objects.filter(village_id=assignment.village_id, held_on__lte=until).order_by("-held_on").first()
    if held is not None:
        return held.term or f"{held.held_on.year}—{held.held_on.year + 5}"
    return "未知届次"


# ---- the steps ----


@transaction.atomic
def open_vacancy(
    *,
    assignment: PostAssignment,
    vacated_on: dt.date | None,
    reason: str,
    reason_note: str = "",
    by: User | None,
    today: dt.date | None = None,
) -> MidTermChange:
    """Open a change for `assignment`'s seat (see the module contract)."""
    today = today or timezone.localdate()
    if reason not in VacancyReason.values:
        raise ValidationError({"reason": "请选择空缺原因"})
    if reason == VacancyReason.OTHER and not reason_note.strip():
        raise ValidationError({"reason_note": "原因为“其他”时请写明"})
    if MidTermChange.objects.open().filter(vacated_assignment=assignment).exists():
        raise ValidationError({"__all__": "该任职已有进行中的届中调整"})
    if assignment.end_on is not None and assignment.end_on <= today:
        vacated_on = vacated_on or assignment.end_on
        if vacated_on != assignment.end_on:
            raise ValidationError({"vacated_on": f"该任职已于{assignment.end_on:%Y-%m-%d}离任，空缺日期应为该日"})
    else:
        _check_day(vacated_on, "vacated_on", "空缺日期", today=today, after=(assignment.start_on, "任职时间"))
        note = f"（{reason_note.strip()}）" if reason_note.strip() else ""
        text = f"届中调整：{VacancyReason(reason).label}{note}"
        try:
            change_post(assignment=assignment, changes={"end_on": vacated_on, "end_reason": text[:200]}, by=by)
        except RosterRefused as refused:
            raise _refused(refused) from None
    if vacated_on is None:  # set above in both branches
        raise ValidationError({"vacated_on": "请填写空缺日期"})
    change = MidTermChange(
        village=assignment.village,
        post=assignment.post,
        group=assignment.group,
        cycle=cycle_of(assignment),
        vacated_assignment=assignment,
        reason=reason,
        reason_note=reason_note.strip(),
        vacated_on=vacated_on,
        created_by=by,
    )
    save_attributed(change, by=by)
    return change


def suggested_nominees(change: MidTermChange) -> list[Reserve]:
    """Active reserves of the village, those targeted at the vacated post first (then by rank and readiness)."""
    targeted = Case(When(target_post=change.post, then=Value(0)), default=Value(1), output_field=IntegerField())
    active = Reserve.objects.filter(village_id=change.village_id, status=ReserveStatus.ACTIVE)
    return list(
        active.filter(person__deleted_at__isnull=True)
        .select_related("person")
        .annotate(targeted=targeted)
        .order_by("targeted", "rank", "readiness", "pk")
    )


def _stage_is(change: MidTermChange, *stages: str, doing: str) -> None:
    if change.stage not in stages:
        raise ValidationError({"__all__": f"本次调整当前为“{change.stage_label}”，不能{doing}"})


@transaction.atomic
def nominate(
    *,
    change: MidTermChange,
    person: Person,
    nominated_on: dt.date | None,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> MidTermChange:
    """Name (or replace, before the review passes) the nominee; opens the 任前备案 (see the module contract)."""
    today = today or timezone.localdate()
    _stage_is(change, MidTermStage.VACANT, MidTermStage.NOMINATED, doing="提名（审查通过后更换人选请先撤销本次调整）")
    _check_day(nominated_on, "nominated_on", "提名日期", today=today, after=(change.vacated_on, "空缺日期"))
    if refusal := party_post_refusal(person=person, post=change.post):
        raise ValidationError({"nominee": refusal.message})
    reserves = Reserve.objects.filter(person=person, village_id=change.village_id, status=ReserveStatus.ACTIVE)
    change.nominee, change.nominated_on = person, nominated_on
    change.nominee_reserve = reserves.filter(target_post=change.post).first() or reserves.first()
    if change.filing is None and nominated_on is not None:
        change.filing = open_midterm_filing(village=change.village, nominated_on=nominated_on)
    save_versioned(change, expected_version=expected_version, by=by)
    return change


def record_review(
    *,
    change: MidTermChange,
    passed_on: dt.date | None,
    reference: str,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> MidTermChange:
    """Record that the nominee's review passed on `passed_on`, with its reference (文号 or note)."""
    today = today or timezone.localdate()
    _stage_is(change, MidTermStage.NOMINATED, MidTermStage.REVIEWED, doing="记录审查结果（请先提名人选）")
    _check_day(passed_on, "passed_on", "审查通过日期", today=today, after=(change.nominated_on, "提名日期"))
    if not reference.strip():
        raise ValidationError({"reference": "请填写审查依据（联审结论文号或说明）"})
    change.review_passed_on, change.review_reference = passed_on, reference.strip()
    save_versioned(change, expected_version=expected_version, by=by)
    return change


def mid_term_review_refusal(*, change: MidTermChange, on: dt.date, by: User | None = None) -> str | None:
    """REVIEW HOOK — the one call of the qualification review (资格联审) in the mid-term workflow: why
    `change.nominee` may not take the post on `on` (the appointment date), or None.

    The rule is reserves.reviews.review_refusal's (未经联审不得任职): a passed review of purpose `mid_term_change`
    for the election cycle of `on`, refused or only warned about (and audited) as the county's `review_required`
    says. It is an act's check, with its audit: call it when appointing, not to show a page (`nominee_reviews`).
    """
    if change.nominee_id is None:
        return "请先提名拟任人选"
    return review_refusal(
        person=change.nominee_id,
        purpose=ReviewPurpose.MID_TERM_CHANGE,
        cycle=review_cycle_of(on),
        county=change.village.township.county_id,
        on=on,
        by=by,
        context="mid_term_appointment",
    )


def nominee_reviews(change: MidTermChange, *, on: dt.date | None = None) -> list[tuple[Review, ReviewOutcome]]:
    """The nominee's qualification reviews for a mid-term change (latest cycle first) with their status on `on`
    (default today), for the change's page. Reads only: the rule itself is `mid_term_review_refusal`'s."""
    if change.nominee_id is None:
        return []
    found = Review.objects.filter(person_id=change.nominee_id, purpose=ReviewPurpose.MID_TERM_CHANGE)
    reviews = list(with_outcome_data(found).order_by("-cycle", "-pk"))
    outcomes = outcomes_for(reviews, on=on)
    return [(review, outcomes[review.pk]) for review in reviews]


def file_change(
    *,
    change: MidTermChange,
    filed_on: dt.date | None,
    document_number: str,
    authority: str | None,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> MidTermChange:
    """Record the 任前备案 (filing) of the change, once the review passed."""
    _stage_is(change, MidTermStage.REVIEWED, MidTermStage.FILED, doing="备案（请先记录资格审查结果）")
    if change.filing is None:
        raise ValidationError({"__all__": "本次调整没有备案记录，请重新提名"})
    record_filing(
        filing=change.filing,
        filed_on=filed_on,
        document_number=document_number,
        authority=authority,
        by=by,
        expected_version=expected_version,
        today=today,
    )
    return change


@transaction.atomic
def appoint(
    *,
    change: MidTermChange,
    appointed_on: dt.date | None,
    how: str,
    source: str = "",
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> MidTermChange:
    """The nominee takes the post (see the module contract): review passed, filed first, then start_post."""
    today = today or timezone.localdate()
    _stage_is(change, MidTermStage.FILED, doing="任职（须先完成资格审查和任前备案）")
    if change.nominee is None or change.filing is None or change.filing.filed_on is None:
        raise ValidationError({"__all__": "须先提名人选并完成任前备案"})
    if how not in FILLED_HOWS:
        raise ValidationError({"how": "产生方式应为任命或补选"})
    filed_on = change.filing.filed_on
    _check_day(appointed_on, "appointed_on", "任职日期", today=today, after=(filed_on, "备案日期"))
    if appointed_on is None:  # refused by _check_day
        raise ValidationError({"appointed_on": "请填写任职日期"})
    if refusal := mid_term_review_refusal(change=change, on=appointed_on, by=by):
        raise ValidationError({"nominee": refusal})
    try:
        assignment = start_post(
            person=change.nominee,
            village=change.village,
            post=change.post,
            group_number=change.group.number if change.group else None,
            start_on=appointed_on,
            how=how,
            term=change.cycle,
            source=source,
            by=by,
        )
    except RosterRefused as refused:
        raise _refused(refused) from None
    if change.nominee_reserve is not None and change.nominee_reserve.status == ReserveStatus.ACTIVE and appointed_on:
        change.nominee_reserve.mark_appointed(assignment, on=appointed_on)
    change.filing.post = assignment
    change.filing.save(update_fields=["post"])
    change.appointed_on, change.how, change.new_assignment = appointed_on, how, assignment
    save_versioned(change, expected_version=expected_version, by=by)
    return change


@transaction.atomic
def cancel(
    *,
    change: MidTermChange,
    reason: str,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> MidTermChange:
    """Withdraw an open change with a reason. Its vacated post stays ended; a 任前备案 not yet filed is deleted
    (nothing is to be filed any more; the history keeps it), a filed one stays on record."""
    if change.stage in (MidTermStage.FILLED, MidTermStage.CANCELLED):
        raise ValidationError({"__all__": f"本次调整已{change.stage_label}，不能撤销"})
    if not reason.strip():
        raise ValidationError({"cancel_reason": "请写明撤销原因"})
    unfiled = change.filing if change.filing is not None and change.filing.filed_on is None else None
    change.cancelled_on, change.cancel_reason = today or timezone.localdate(), reason.strip()
    if unfiled is not None:
        change.filing = None
    save_versioned(change, expected_version=expected_version, by=by)
    if unfiled is not None:
        if by is not None:
            unfiled._history_user = by  # type: ignore[attr-defined]  # simple-history reads it on delete
        unfiled.delete()
    return change


# ---- counts ----


@dataclass
class ChangeCounts:
    """Mid-term changes of one township in one cycle; days vacant over the filled ones and the open ones so far."""

    township: Township
    cycle: str
    changes: int = 0
    filled: int = 0
    open: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def average_days_vacant(self) -> float | None:
        return round(sum(self.days) / len(self.days), 1) if self.days else None

    @property
    def longest_days_vacant(self) -> int | None:
        return max(self.days, default=None)


def mid_term_counts(changes: QuerySet[MidTermChange], *, on: dt.date) -> list[ChangeCounts]:
    """Per (township, cycle), in township code and cycle order: changes (cancelled ones excluded), filled, still
    open, and the days each seat stood vacant (to the appointment, or to `on`). One query."""
    rows: dict[tuple[int, str], ChangeCounts] = {}
    for change in changes.filter(cancelled_on__isnull=True).select_related("village__township"):
        township = change.village.township
        row = rows.setdefault((township.pk, change.cycle), ChangeCounts(township, change.cycle))
        row.changes += 1
        row.filled += change.appointed_on is not None
        row.open += change.appointed_on is None
        row.days.append(change.days_vacant(on))
    return sorted(rows.values(), key=lambda r: (r.township.code, r.cycle))
