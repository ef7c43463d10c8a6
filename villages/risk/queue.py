"""The Risk work queue: recompute findings into Risk rows (auto-close, reopen), the review loop, previews.

The loop (every transition goes through `review_risk` or `answer_risk`; the pages and the API call them):
county staff assign a risk to an owner (their county's staff, an admin of the county's city, or a secretary of
the village's township) with a due date → the township records the action taken and marks it 已整改待核
(`answer_risk`) → the county confirms it (已解决) or sends it back (处理中) with `review_risk`. 已认可 needs a
reason in the note; a due date before today is refused; every save checks the row version the user saw (StaleEditError).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from villages import data_version, permissions
from villages.choices import AWAITING_ACTION, ReviewStatus, Role
from villages.models import Risk, Township, User, Village
from villages.models.risks import validate_attachment
from villages.risk.evaluation import findings_for_villages
from villages.risk.findings import (
    AUTO_CLOSE_NOTE,
    GAP_KINDS,
    REOPEN_NOTE,
    SEVERITY_ORDER,
    Finding,
    RecomputeSummary,
    SeverityCounts,
    counted_severities,
)
from villages.roster.versioning import save_versioned
from villages.rules import one_rule_book

_signal_state = threading.local()

# Finders of apps above this one (the reserves app's mentoring and eligibility findings): findings of kinds the rule
# engine does not know, kept in the same work queue by the same recompute. A finder takes (villages, as_of) and
# returns findings per village id.
Finder = Callable[[QuerySet[Village], dt.date | None], dict[int, list[Finding]]]
FINDERS: dict[str, Finder] = {}
# Refreshers of apps above this one bring the facts they store for the engine up to date before it reads them
# (reserves/standing.py re-evaluates each reserve's eligibility, which decides whether the reserve counts). A
# refresher writes only rows of the villages it is given: its writes are charged to them (`recompute_risks`).
Refresher = Callable[[QuerySet[Village]], object]
REFRESHERS: dict[str, Refresher] = {}


def register_finder(key: str, finder: Finder) -> None:
    """Apps above this one add their finders here from their AppConfig.ready() (never imported from here)."""
    FINDERS[key] = finder


def register_refresher(key: str, refresher: Refresher) -> None:
    """Apps above this one add here what must run before the engine reads the villages (AppConfig.ready())."""
    REFRESHERS[key] = refresher


def _all_findings(villages: QuerySet[Village], as_of: dt.date | None) -> dict[int, list[Finding]]:
    with one_rule_book():  # the engine and every refresher and finder read the rule values once
        for refresh in REFRESHERS.values():
            refresh(villages)
        findings = findings_for_villages(villages=villages, as_of=as_of)
        for finder in FINDERS.values():
            for village_id, found in finder(villages, as_of).items():
                findings.setdefault(village_id, []).extend(found)
    return findings


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


def stored_severity_counts(*, villages: QuerySet[Village], by: str = "pk") -> dict[Any, SeverityCounts]:
    """Red/yellow counts per village id from the stored findings (active Risk rows, whatever their review
    status), counted by the one definition (`severity_counts`). One grouped query; for pages over many villages
    (county page, dashboards) where evaluating every village live would cost ~1 ms per village. The rows are the
    same findings, written by `recompute_risks` after every change (villages/signals.py). Villages without rows are
    absent: use SeverityCounts().

    `by`: a path from the village to group by instead of the village (e.g. "township__county__code": counts per
    county code); the count is a sum over findings, so a unit's is its villages' added up."""
    key = "village_id" if by == "pk" else f"village__{by}"
    rows = (
        Risk.objects.filter(village__in=villages.values("pk"), is_active=True, kind__in=GAP_KINDS)
        .order_by()
        .values_list(key, "kind", "severity")
        .annotate(n=Count("pk"))
    )
    grouped: dict[Any, list[tuple[str, str, int]]] = {}
    for unit, kind, severity, n in rows:
        grouped.setdefault(unit, []).append((kind, severity, n))
    return {unit: counted_severities(counted) for unit, counted in grouped.items()}


@transaction.atomic
def recompute_risks(*, villages: QuerySet[Village] | None = None, as_of: dt.date | None = None) -> RecomputeSummary:
    """Bring the Risk rows of the villages (default: all) in line with the data; idempotent.

    New findings create rows; changed severity/detail/post update them (review fields kept); rows the data no
    longer supports are closed (is_active False, closed_at, AUTO_CLOSE_NOTE); closed rows whose finding returns
    are reopened with review_status back to open and a note. Registered refreshers run first and the findings of
    registered finders join the rule engine's (FINDERS, REFRESHERS). A fixed number of queries plus batched writes;
    stored rows are compared as tuples (no model instances: a city has tens of thousands). Concurrent calls for
    the same villages take turns (`_lock_for_evaluation`), so two tasks for one village never create its risks
    twice.
    """
    _lock_for_evaluation(villages)
    if villages is None:
        return _recompute(Village.objects.all(), as_of)
    # Risk rows, and what refreshers re-check, belong to the evaluated villages: the writes reach only their
    # counties' and their own cached figures (villages/data_version.py).
    places = list(villages.order_by().values_list("township__county_id", "pk"))
    with data_version.charged_to({county for county, _ in places}, villages=[pk for _, pk in places]):
        return _recompute(villages, as_of)


def _recompute(villages: QuerySet[Village], as_of: dt.date | None) -> RecomputeSummary:
    findings = _all_findings(villages, as_of)
    wanted = {(vid, f.person_id, f.kind): f for vid, fs in findings.items() for f in fs}
    existing = Risk.objects.filter(village__in=villages.values("pk")).values_list(
        "pk", "village_id", "person_id", "kind", "severity", "detail", "post", "is_active", "owner_id", "due_on"
    )
    close, reopen, changed, assigned = [], [], [], []
    for pk, village_id, person_id, kind, severity, detail, post, is_active, owner_id, due_on in existing.iterator(
        chunk_size=5000
    ):
        finding = wanted.pop((village_id, person_id, kind), None)
        if finding is None:
            if is_active:
                close.append(pk)
            continue
        if not is_active:
            reopen.append(pk)
        if (severity, detail, post) != (finding.severity, finding.detail, finding.post):
            changed.append(Risk(pk=pk, severity=finding.severity, detail=finding.detail, post=finding.post))
        # A finder's due date is derived (it follows the data); its owner only fills an empty one.
        target = (owner_id or finding.owner_id, finding.due_on or due_on)
        if target != (owner_id, due_on):
            assigned.append(Risk(pk=pk, owner_id=target[0], due_on=target[1]))
    _write_changes(close=close, reopen=reopen, changed=changed)
    if assigned:
        Risk.objects.bulk_update(assigned, ["owner", "due_on"], batch_size=300)
    new = [
        Risk(
            village_id=vid,
            person_id=pid,
            kind=kind,
            severity=f.severity,
            detail=f.detail,
            post=f.post,
            owner_id=f.owner_id,
            due_on=f.due_on,
        )
        for (vid, pid, kind), f in wanted.items()
    ]
    Risk.objects.bulk_create(new, batch_size=1000)
    reopened = set(reopen)
    return RecomputeSummary(
        created=len(new),
        updated=len({r.pk for r in changed + assigned} - reopened),
        closed=len(close),
        reopened=len(reopen),
    )


# PostgreSQL advisory lock keys (bigint): the class in the high 32 bits, a village id (0: the whole city) below.
_EVALUATION_LOCK_CLASS = 18_001


def _lock_for_evaluation(villages: QuerySet[Village] | None) -> None:
    """Make evaluations of the same villages take turns until the transaction ends: otherwise two at once (two
    workers, a task and the daily pass) would each find a risk missing and both create it.

    PostgreSQL: transaction-scoped advisory locks, which never block a roster write. The whole-city pass takes the
    city key exclusively; a partial evaluation shares the city key and locks each of its villages, in id order (no
    deadlock between two partial ones); two queries whatever the number of villages. SQLite needs nothing: its
    transactions begin IMMEDIATE (backend/settings.py), so evaluations already take turns."""
    if connection.vendor != "postgresql":
        return
    base = _EVALUATION_LOCK_CLASS << 32
    with connection.cursor() as cursor:
        if villages is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [base])
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [base])
        sql, params = villages.order_by("pk").values_list("pk").query.sql_with_params()
        cursor.execute(f"SELECT count(pg_advisory_xact_lock(%s + ids.pk)) FROM ({sql}) AS ids (pk)", [base, *params])


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


def owner_candidates(*, township_ids: Iterable[int]) -> dict[int, list[User]]:
    """Who may own a risk of a village in each township: the township's secretaries, then its county's staff, then
    the admins of its city (active accounts, by name). One query whatever the number of townships."""
    townships = {
        pk: (county_id, city_id)
        for pk, county_id, city_id in Township.objects.filter(pk__in=set(township_ids)).values_list(
            "pk", "county_id", "county__city_id"
        )
    }
    users = list(
        User.objects.filter(
            Q(role=Role.TOWNSHIP_SECRETARY, township_id__in=townships)
            | Q(role=Role.COUNTY_STAFF, county_id__in={county for county, _ in townships.values()})
            | Q(role=Role.CITY_ADMIN, city_id__in={city for _, city in townships.values()}),
            is_active=True,
        )
        .select_related("township")
        .order_by("display_name", "username")
    )
    order: dict[str, int] = {Role.TOWNSHIP_SECRETARY: 0, Role.COUNTY_STAFF: 1, Role.CITY_ADMIN: 2}
    users.sort(key=lambda u: order[u.role])
    return {
        tid: [u for u in users if u.township_id == tid or u.county_id == county_id or u.city_id == city_id]
        for tid, (county_id, city_id) in townships.items()
    }


def review_risk(
    *,
    risk: Risk,
    by: User,
    expected_version: int,
    review_status: str,
    owner_id: int | None,
    due_on: dt.date | None,
    note: str,
    today: dt.date | None = None,
) -> None:
    """County staff (the village's county) or an admin above them assign, confirm, reopen or accept a risk.

    Refused with a ValidationError keyed by field (nothing saved): 已整改待核 chosen by the county (only the
    township's answer sets it), 已认可 without a reason in the note, a due date changed to a day before today, an
    owner outside `owner_candidates`. PermissionDenied for anyone else; StaleEditError when the row changed
    since `expected_version`.
    """
    if not permissions.can_review_risk(by, risk):
        raise PermissionDenied("只有本区县组织部工作人员或上级组织部可以处理风险")
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if review_status not in ReviewStatus.values:
        errors["review_status"] = "未知的处理状态"
    elif review_status == ReviewStatus.RECTIFIED and risk.review_status != ReviewStatus.RECTIFIED:
        errors["review_status"] = "“已整改待核”由乡镇答复整改时标记；县级请选择“已解决”确认或“处理中”退回"
    if review_status == ReviewStatus.ACCEPTED and not note.strip():
        errors["note"] = "选择“已认可”须在备注中写明认可理由"
    if due_on is not None and due_on != risk.due_on and due_on < today:
        errors["due_on"] = f"期限不能早于今天（{today:%Y-%m-%d}）"
    if owner_id is not None and owner_id not in {u.pk for u in _candidates(risk)}:
        errors["owner"] = "责任人须为本乡镇党委书记、本区县组织部工作人员或本市委组织部账号"
    if errors:
        raise ValidationError(errors)
    risk.review_status, risk.owner_id, risk.due_on, risk.note = review_status, owner_id, due_on, note.strip()
    save_versioned(risk, expected_version=expected_version)


def answer_risk(
    *, risk: Risk, by: User, expected_version: int, action_taken: str, attachment: File | None = None
) -> None:
    """The township's secretary records the action taken (and optionally a file) and marks the risk 已整改待核.

    Allowed while the risk waits for action (待处理/处理中) or is already answered and not yet confirmed (the
    answer may be corrected). A new attachment replaces the shown one (the old file stays in storage for the
    history). ValidationError keyed by field; PermissionDenied for anyone but the township's secretary.
    """
    if not permissions.can_answer_risk(by, risk):
        raise PermissionDenied("只有本乡镇党委书记可以答复整改情况")
    errors: dict[str, str] = {}
    if not risk.is_active:
        errors["action_taken"] = "该风险已随数据变化自动关闭，无需答复"
    elif risk.review_status not in AWAITING_ACTION | {ReviewStatus.RECTIFIED}:
        errors["action_taken"] = f"该风险已{risk.get_review_status_display()}，无需再答复"
    elif not action_taken.strip():
        errors["action_taken"] = "请写明采取了哪些整改措施"
    if attachment is not None:
        try:
            validate_attachment(attachment)
        except ValidationError as error:
            errors["attachment"] = " ".join(error.messages)
    if errors:
        raise ValidationError(errors)
    risk.action_taken = action_taken.strip()
    if attachment is not None:
        risk.attachment = attachment
    risk.review_status, risk.rectified_at = ReviewStatus.RECTIFIED, timezone.now()
    save_versioned(risk, expected_version=expected_version)


def _candidates(risk: Risk) -> list[User]:
    return owner_candidates(township_ids=[risk.village.township_id]).get(risk.village.township_id, [])


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
