"""The Risk work queue: recompute findings into Risk rows (auto-close, reopen), reviews, previews."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from villages.choices import (
    ReviewStatus,
)
from villages.models import Risk, Village
from villages.risk.evaluation import findings_for_villages
from villages.risk.findings import (
    AUTO_CLOSE_NOTE,
    GAP_KINDS,
    REOPEN_NOTE,
    SEVERITY_ORDER,
    Finding,
    RecomputeSummary,
    SeverityCounts,
    severity_counts,
)
from villages.roster.versioning import save_versioned

_signal_state = threading.local()


@contextlib.contextmanager
def signals_paused() -> Iterator[None]:
    """Suppress per-row risk recomputation (bulk seeding/imports); call recompute_risks once afterwards."""
    previous = getattr(_signal_state, "paused", False)
    _signal_state.paused = True
    try:
        yield
    finally:
        _signal_state.paused = previous


def signals_are_paused() -> bool:
    return getattr(_signal_state, "paused", False)


def stored_severity_counts(*, villages: QuerySet[Village]) -> dict[int, SeverityCounts]:
    """Red/yellow counts per village id from the stored findings (active Risk rows, whatever their review
    status), counted by the one definition (`severity_counts`). One query; for pages over many villages (county
    page, dashboards) where evaluating every village live would cost ~1 ms per village. The rows are the same
    findings, written by `recompute_risks` after every change (villages/signals.py). Villages without rows are
    absent: use SeverityCounts()."""
    rows = (
        Risk.objects.filter(village__in=villages.values("pk"), is_active=True, kind__in=GAP_KINDS)
        .order_by()
        .values_list("village_id", "kind", "severity")
    )
    by_village: dict[int, list[Finding]] = {}
    for village_id, kind, severity in rows:
        by_village.setdefault(village_id, []).append(Finding(kind, severity, ""))
    return {village_id: severity_counts(found) for village_id, found in by_village.items()}


@transaction.atomic
def recompute_risks(*, villages: QuerySet[Village] | None = None, as_of: dt.date | None = None) -> RecomputeSummary:
    """Bring the Risk rows of the villages (default: all) in line with the data; idempotent.

    New findings create rows; changed severity/detail/post update them (review fields kept); rows the data no
    longer supports are closed (is_active False, closed_at, AUTO_CLOSE_NOTE); closed rows whose finding returns
    are reopened with review_status back to open and a note. A fixed number of queries plus batched writes;
    stored rows are compared as tuples (no model instances: a city has tens of thousands).
    """
    villages = villages if villages is not None else Village.objects.all()
    findings = findings_for_villages(villages=villages, as_of=as_of)
    wanted = {(vid, f.person_id, f.kind): f for vid, fs in findings.items() for f in fs}
    existing = Risk.objects.filter(village__in=villages.values("pk")).values_list(
        "pk", "village_id", "person_id", "kind", "severity", "detail", "post", "is_active"
    )
    close, reopen, changed = [], [], []
    for pk, village_id, person_id, kind, severity, detail, post, is_active in existing.iterator(chunk_size=5000):
        finding = wanted.pop((village_id, person_id, kind), None)
        if finding is None:
            if is_active:
                close.append(pk)
            continue
        if not is_active:
            reopen.append(pk)
        if (severity, detail, post) != (finding.severity, finding.detail, finding.post):
            changed.append(Risk(pk=pk, severity=finding.severity, detail=finding.detail, post=finding.post))
    _write_changes(close=close, reopen=reopen, changed=changed)
    new = [
        Risk(village_id=vid, person_id=pid, kind=kind, severity=f.severity, detail=f.detail, post=f.post)
        for (vid, pid, kind), f in wanted.items()
    ]
    Risk.objects.bulk_create(new, batch_size=1000)
    reopened = set(reopen)
    return RecomputeSummary(
        created=len(new),
        updated=sum(1 for r in changed if r.pk not in reopened),
        closed=len(close),
        reopened=len(reopen),
    )


def _write_changes(*, close: list[int], reopen: list[int], changed: list[Risk]) -> None:
    now = timezone.now()
    note = f"{REOPEN_NOTE}（{timezone.localdate():%Y-%m-%d}）"
    for start in range(0, len(close), 900):  # stay under SQLite's bound-parameter limit
        Risk.objects.filter(pk__in=close[start : start + 900]).update(
            is_active=False, closed_at=now, close_note=AUTO_CLOSE_NOTE
        )
    for start in range(0, len(reopen), 900):
        Risk.objects.filter(pk__in=reopen[start : start + 900]).update(
            is_active=True, closed_at=None, close_note=note, review_status=ReviewStatus.OPEN, version=F("version") + 1
        )
    if changed:
        Risk.objects.bulk_update(changed, ["severity", "detail", "post"], batch_size=300)


def review_risk(
    *, risk: Risk, expected_version: int, review_status: str, owner_id: int | None, due_on: dt.date | None, note: str
) -> None:
    """Save a risk's review fields if nobody changed the row since `expected_version` (else StaleEditError)."""
    risk.review_status, risk.owner_id, risk.due_on, risk.note = review_status, owner_id, due_on, note
    save_versioned(risk, expected_version=expected_version)


# ---- views of computed findings on another date ----


@dataclass(frozen=True)
class PreviewRow:
    """A finding computed for a date (not a stored Risk): what the list shows with ?as_of=."""

    village: Village
    finding: Finding


def preview_rows(*, villages: QuerySet[Village], as_of: dt.date) -> list[PreviewRow]:
    """Every finding of the villages as of a date, red first. Constant queries."""
    by_pk = {v.pk: v for v in villages.select_related("township")}
    rows = [
        PreviewRow(by_pk[pk], f)
        for pk, findings in findings_for_villages(villages=villages, as_of=as_of).items()
        for f in findings
    ]
    rows.sort(key=lambda r: (-SEVERITY_ORDER[r.finding.severity], r.village.code, r.finding.kind))
    return rows
