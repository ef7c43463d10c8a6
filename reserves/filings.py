"""备案 (filing): what is due, by when, and recording that it was filed (docs/domain.md §8).

Contract:
- After an election, the new secretary's and director's posts are filed with the county (organization department
  with 民政) within the county rule `filing_post_days` of the election (`open_election_filings`, called when the
  results are recorded). A mid-term appointment is filed before it takes effect: its filing is opened when the
  nominee is named, due `filing_midterm_days` later (reserves/midterm.py). Where the county's
  `filing_reserve_days` is above 0, each active reserve is filed within that many days of entering the list.
- Due dates follow the rule in force on the day counted from (the election, the nomination, the day added); when a
  county changes the rule, open filings move with it (`refresh_due_dates`, run before every risk recompute).
- Status is derived, never stored: filed once `filed_on` is set, overdue after `due_on`, else due
  (FilingQuerySet.with_status, Filing.status).
- `record_filing`: the filing date (not in the future, not before the event it registers) and the document number
  or receipt are required; the authority may be corrected. Refused with a ValidationError keyed by field; saved
  against the version the user saw (StaleEditError). Who may record: `can_record_filing`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import FilingKind, FilingOccasion, ReserveStatus
from reserves.models import Election, Filing, Reserve
from villages.choices import Post
from villages.models import PostAssignment, Township, User, Village
from villages.roster.versioning import save_versioned
from villages.rules import RuleBook, RuleSet, rules_for

FILED_POSTS: tuple[str, ...] = (Post.PARTY_SECRETARY, Post.DIRECTOR)


def can_record_filing(user: User, township: Township) -> bool:
    """The township's own secretary (who hands in the papers and keeps the receipt), county staff of the county
    (who register them), its city's admin and the province admin."""
    if user.is_township_secretary:
        return user.township_id == township.pk
    return user.oversees_county(township.county_id)


def due_on(*, occasion: str, counted_from: dt.date, rules: RuleSet) -> dt.date:
    """The last day to file: the county's days for the occasion counted from the election, nomination or entry."""
    days: dict[str, int] = {
        FilingOccasion.ELECTION: rules.filing_post_days,
        FilingOccasion.MID_TERM: rules.filing_midterm_days,
        FilingOccasion.RESERVE_LIST: rules.filing_reserve_days,
    }
    return counted_from + dt.timedelta(days=days[occasion])


def open_election_filings(*, election: Election) -> list[Filing]:
    """The filings an election's results call for: one per secretary and director post it filled (idempotent)."""
    village = election.village
    rules = rules_for(county_id=village.township.county_id, on=election.held_on)
    posts = PostAssignment.objects.filter(election_results__election=election, post__in=FILED_POSTS).distinct()
    return [
        Filing.objects.get_or_create(
            election=election,
            post=assignment,
            defaults={
                "kind": FilingKind.POST,
                "occasion": FilingOccasion.ELECTION,
                "village": village,
                "due_on": due_on(occasion=FilingOccasion.ELECTION, counted_from=election.held_on, rules=rules),
            },
        )[0]
        for assignment in posts.order_by("post")
    ]


def open_midterm_filing(*, village: Village, nominated_on: dt.date) -> Filing:
    """A new 任前备案 of a mid-term change whose nominee was named on `nominated_on`."""
    rules = rules_for(county_id=village.township.county_id, on=nominated_on)
    return Filing.objects.create(
        kind=FilingKind.POST,
        occasion=FilingOccasion.MID_TERM,
        village=village,
        due_on=due_on(occasion=FilingOccasion.MID_TERM, counted_from=nominated_on, rules=rules),
    )


def _counted_from(filing: Filing, nominated: dict[int, dt.date]) -> dt.date | None:
    if filing.occasion == FilingOccasion.ELECTION and filing.election is not None:
        return filing.election.held_on
    if filing.occasion == FilingOccasion.RESERVE_LIST and filing.reserve is not None:
        return filing.reserve.added_on
    return nominated.get(filing.pk)


def refresh_due_dates(villages: QuerySet[Village]) -> int:
    """Bring the open filings of the villages in line with the county rules (and open the reserve filings a county
    now asks for); return how many rows changed. A fixed number of queries plus the writes."""
    book = RuleBook.load()
    open_filings = list(
        Filing.objects.open()
        .filter(village__in=villages.values("pk"))
        .select_related("election", "reserve", "village__township", "mid_term_change")
    )
    nominated = {
        f.pk: f.mid_term_change.nominated_on
        for f in open_filings
        if hasattr(f, "mid_term_change") and f.mid_term_change.nominated_on
    }
    changed = []
    for filing in open_filings:
        start = _counted_from(filing, nominated)
        if start is None:
            continue
        rules = book.rules(county_id=filing.village.township.county_id, on=start)
        wanted = due_on(occasion=filing.occasion, counted_from=start, rules=rules)
        if wanted != filing.due_on:
            filing.due_on = wanted
            changed.append(filing)
    Filing.objects.bulk_update(changed, ["due_on"], batch_size=500)
    return len(changed) + len(_open_reserve_filings(villages, book=book))


def _open_reserve_filings(villages: QuerySet[Village], *, book: RuleBook) -> list[Filing]:
    """Active reserves of counties that file their reserve list (filing_reserve_days > 0) get their filing."""
    reserves = (
        Reserve.objects.filter(village__in=villages.values("pk"), status=ReserveStatus.ACTIVE)
        .exclude(filings__occasion=FilingOccasion.RESERVE_LIST)
        .select_related("village__township")
    )
    new = []
    for reserve in reserves:
        rules = book.rules(county_id=reserve.village.township.county_id, on=reserve.added_on)
        if rules.filing_reserve_days > 0:
            new.append(
                Filing(
                    kind=FilingKind.RESERVE,
                    occasion=FilingOccasion.RESERVE_LIST,
                    village=reserve.village,
                    reserve=reserve,
                    due_on=due_on(occasion=FilingOccasion.RESERVE_LIST, counted_from=reserve.added_on, rules=rules),
                )
            )
    return Filing.objects.bulk_create(new, batch_size=500)


def _event_on(filing: Filing) -> tuple[dt.date | None, str]:
    """The day the filed event happened (a filing cannot precede it) and what it is called."""
    if filing.occasion == FilingOccasion.ELECTION and filing.election is not None:
        return filing.election.held_on, "换届日期"
    if filing.occasion == FilingOccasion.RESERVE_LIST and filing.reserve is not None:
        return filing.reserve.added_on, "入库日期"
    change = getattr(filing, "mid_term_change", None)
    return (change.nominated_on, "提名日期") if change is not None else (None, "")


def record_filing(
    *,
    filing: Filing,
    filed_on: dt.date | None,
    document_number: str,
    authority: str | None = None,
    note: str | None = None,
    by: User | None,
    expected_version: int,
    today: dt.date | None = None,
) -> Filing:
    """Record that `filing` was filed (see the module contract). Returns the saved filing."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    event_on, event = _event_on(filing)
    if filed_on is None:
        errors["filed_on"] = "请填写备案日期"
    elif filed_on > today:
        errors["filed_on"] = f"备案日期（{filed_on:%Y-%m-%d}）不能晚于今天"
    elif event_on is not None and filed_on < event_on:
        errors["filed_on"] = f"备案日期不能早于{event}（{event_on:%Y-%m-%d}）"
    if not document_number.strip():
        errors["document_number"] = "请填写备案文号或回执号"
    if authority is not None and not authority.strip():
        errors["authority"] = "请填写备案机关"
    if errors:
        raise ValidationError(errors)
    filing.filed_on, filing.document_number = filed_on, document_number.strip()
    if authority is not None:
        filing.authority = authority.strip()
    if note is not None:
        filing.note = note.strip()
    filing.recorded_by = by
    save_versioned(filing, expected_version=expected_version, by=by)
    return filing


def subject_label(filing: Filing) -> str:
    """What the filing registers, for lists: '书记 张三', '后备干部 李四（书记）', '村委会主任（届中调整）'."""
    if filing.post_id and filing.post is not None:
        return f"{filing.post.get_post_display()} {filing.post.person.name}"
    if filing.reserve_id and filing.reserve is not None:
        return f"后备干部 {filing.reserve.person.name}（{filing.reserve.get_target_post_display()}）"
    change = getattr(filing, "mid_term_change", None)
    if change is not None:
        nominee = f" {change.nominee.name}" if change.nominee_id and change.nominee else ""
        return f"{change.get_post_display()}{nominee}（届中调整拟任）"
    return filing.get_kind_display()


def open_filings_by_village(villages: QuerySet[Village]) -> dict[int, list[Filing]]:
    """Open filings per village id, subjects loaded (one query)."""
    found: dict[int, list[Filing]] = defaultdict(list)
    for filing in (
        Filing.objects.open()
        .filter(village__in=villages.values("pk"))
        .select_related("post__person", "reserve__person", "mid_term_change__nominee")
        .order_by("due_on", "pk")
    ):
        found[filing.village_id].append(filing)
    return found


def filing_summary(filings: Iterable[Filing], *, on: dt.date) -> str:
    """'已备案' / '待备案 2' / '逾期 1' for the 换届进度 column."""
    rows = list(filings)
    if not rows:
        return "—"
    overdue = sum(f.status(on) == "overdue" for f in rows)
    due = sum(f.status(on) == "due" for f in rows)
    if overdue:
        return f"逾期 {overdue}"
    return f"待备案 {due}" if due else "已备案"
