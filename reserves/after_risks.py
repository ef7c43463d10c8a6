"""The work after an election in the risk list: open 备案 and overdue follow-up steps (docs/domain.md §8).

Registered with the risk work queue (villages.risk.register_finder / register_refresher, in ReservesConfig.ready),
so `recompute_risks` keeps these rows like the engine's own: on every change (reserves/after_signals.py schedules
the village's recompute on commit) and in the daily recompute (tasks/risk_tasks.py), which is what turns a due
filing or step into an overdue one as the calendar moves.
- `filing_pending` (one row per village): every filing not yet filed, with its deadline; red once any is overdue,
  amber while all are only due.
- `aftercare_overdue` (one row per village): every follow-up step past its deadline and not done (amber).
The refresher also opens the filings and steps of this cycle's elections recorded before they were tracked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from reserves.aftercare import STEP_LABELS, open_aftercare, overdue_by_village
from reserves.aftercare import refresh_due_dates as refresh_step_dates
from reserves.election_progress import default_since
from reserves.filings import open_election_filings, open_filings_by_village, subject_label
from reserves.filings import refresh_due_dates as refresh_filing_dates
from reserves.models import Election, Filing
from villages.choices import AfterElectionRiskKind, Severity
from villages.models import Village
from villages.risk import Finding


def _filing_text(filing: Filing, *, on: dt.date) -> str:
    if filing.due_on < on:
        return f"{subject_label(filing)}应于{filing.due_on:%Y-%m-%d}前备案，已逾期{(on - filing.due_on).days}天"
    return f"{subject_label(filing)}应于{filing.due_on:%Y-%m-%d}前备案（尚余{(filing.due_on - on).days}天）"


def after_election_findings(villages: QuerySet[Village], as_of: dt.date | None) -> dict[int, list[Finding]]:
    """Findings per village id (two queries): open filings and overdue follow-up steps as of `as_of` (today)."""
    on = as_of or timezone.localdate()
    found: dict[int, list[Finding]] = defaultdict(list)
    for village_id, filings in open_filings_by_village(villages).items():
        late = any(f.due_on < on for f in filings)
        detail = "；".join(_filing_text(f, on=on) for f in filings)
        severity = Severity.RED if late else Severity.AMBER
        found[village_id].append(Finding(AfterElectionRiskKind.FILING_PENDING, severity, detail))
    for village_id, tasks in overdue_by_village(villages, on=on).items():
        detail = "；".join(
            f"{STEP_LABELS[t.step]}应于{t.due_on:%Y-%m-%d}前完成，已逾期{(on - t.due_on).days}天"
            for t in tasks
            if t.due_on is not None
        )
        found[village_id].append(Finding(AfterElectionRiskKind.AFTERCARE_OVERDUE, Severity.AMBER, detail))
    return found


def refresh_after_election(villages: QuerySet[Village]) -> int:
    """Before the engine reads the villages: elections of this cycle recorded before this work was tracked get
    their filings and steps; open filings and steps follow the county's current rules; the reserve filings a county
    asks for are opened. Returns how many rows were opened or changed."""
    return open_missing(villages) + refresh_filing_dates(villages) + refresh_step_dates(villages)


def open_missing(villages: QuerySet[Village], *, today: dt.date | None = None) -> int:
    """Open the filings and follow-up steps of this cycle's elections that have results but none of them (results
    recorded before this work was tracked, or outside `record_results`). One query when there are none."""
    since = default_since(today=today or timezone.localdate())
    missing = (
        Election.objects.filter(village__in=villages.values("pk"), held_on__gte=since, results__isnull=False)
        .exclude(aftercare_tasks__isnull=False)
        .select_related("village__township")
        .distinct()
    )
    opened = 0
    for election in missing:
        opened += len(open_election_filings(election=election)) + len(open_aftercare(election=election))
    return opened
