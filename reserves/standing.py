"""Eligibility that stays true: every active reserve is re-checked against the county's rules, and the result is kept
on the reserve (`eligible`, `eligibility_note`, `eligibility_changed_on`).

Contract:
- `reevaluate_reserves(villages=...)` re-checks the active reserves of the villages with `check_eligibility` (the same
  check the reserve form makes: the county's rules on the village's reference date, its planned election date else
  today) and writes only what changed. Three queries plus one UPDATE per distinct result, whatever the number of
  reserves.
- It runs before every risk recompute (registered with `villages.risk.register_refresher` by ReservesConfig.ready),
  and a recompute follows every change that matters: the person (roster form, API, workbook import), their training
  (an enrolment or a 学历提升 programme: reserves/bench_signals.py), the reserve itself, and the county's rules (a
  rule value recomputes the whole county, a city default the whole city). A daily recompute catches the calendar
  (a reserve turning 36 or 46).
- An active reserve counts (一职一备, the reserve count, coverage: `villages.choices.counting_reserve`) while eligible
  or kept with a recorded reason (`eligibility_override_reason`). The note says why one is not eligible, including a
  programme they dropped out of, and the risk list shows each such reserve (`standing_findings`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import PROGRAMME_LEVELS, ProgrammeStatus, ReserveStatus
from reserves.eligibility import check_eligibility
from reserves.models import EducationProgramme, Reserve
from villages.choices import BenchRiskKind, Post, Severity
from villages.models import Village
from villages.risk import Finding, reference_date
from villages.rules import RuleBook

POST_LABELS: dict[str, str] = dict(Post.choices)


@dataclass(frozen=True)
class StandingSummary:
    checked: int
    changed: int
    now_ineligible: int


def _dropped_notes(person_ids: set[int]) -> dict[int, str]:
    """Per person, their latest dropped 学历提升 programme as a clause of the note. One query."""
    notes: dict[int, str] = {}
    # Dropped programmes are few: read them all rather than sending every reserve's id in an IN list.
    dropped = (
        EducationProgramme.objects.filter(status=ProgrammeStatus.DROPPED)
        .order_by("person_id", "ended_on")
        .values_list("person_id", "ended_on", "institution", "major", "level")
    )
    labels = dict(PROGRAMME_LEVELS)
    for person_id, ended_on, institution, major, level in dropped:
        if person_id in person_ids:
            notes[person_id] = (
                f"已于{ended_on:%Y-%m-%d}从{institution}{major}（{labels.get(level, level)}）退学，在读学历不再计入"
            )
    return notes


def _note(reasons: list[str], dropped: str) -> str:
    return "；".join([*reasons, dropped] if dropped else reasons)[:300]


def reevaluate_reserves(*, villages: QuerySet[Village] | None = None, on: dt.date | None = None) -> StandingSummary:
    """Re-check the active reserves of the villages (default: all); store what changed (see the module contract)."""
    today = on or timezone.localdate()
    reserves = Reserve.objects.filter(status=ReserveStatus.ACTIVE).select_related("person", "village__township__county")
    if villages is not None:
        reserves = reserves.filter(village__in=villages.values("pk"))
    rows = list(reserves)
    book = RuleBook.load()
    person_ids = {r.person_id for r in rows}
    dropped = _dropped_notes(person_ids) if person_ids else {}
    changed: dict[tuple[bool, str], list[int]] = defaultdict(list)
    now_ineligible = 0
    for reserve in rows:
        village = reserve.village
        on_date = reference_date(village)
        rules = book.rules(county_id=village.township.county_id, on=on_date)
        result = check_eligibility(person=reserve.person, village=village, on=on_date, rules=rules)
        note = _note(result.reasons, "" if result.eligible else dropped.get(reserve.person_id, ""))
        if (reserve.eligible, reserve.eligibility_note) == (result.eligible, note):
            continue
        now_ineligible += reserve.eligible and not result.eligible
        changed[(result.eligible, note)].append(reserve.pk)
    _write(changed, on=today)
    return StandingSummary(
        checked=len(rows), changed=sum(len(pks) for pks in changed.values()), now_ineligible=now_ineligible
    )


def _write(changed: dict[tuple[bool, str], list[int]], *, on: dt.date) -> None:
    """One UPDATE per distinct result (a rule change gives the same note to many reserves), in chunks under SQLite's
    bound-parameter limit. Derived fields: no history rows, no signals, no version bump."""
    for (eligible, note), pks in changed.items():
        for start in range(0, len(pks), 900):
            Reserve.objects.filter(pk__in=pks[start : start + 900]).update(
                eligible=eligible, eligibility_note=note, eligibility_changed_on=on
            )


def refresh_standing(villages: QuerySet[Village]) -> StandingSummary:
    """The risk recompute's refresher (villages.risk.register_refresher): re-check before the engine counts."""
    return reevaluate_reserves(villages=villages)


def standing_findings(villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """`reserve_ineligible`, one per person and village: an active reserve who does not meet the rules and has no
    recorded reason to be kept, so they no longer count. Amber; red when the reserve is for the secretary post. One
    query."""
    rows = (
        Reserve.objects.filter(
            village__in=villages.values("pk"),
            status=ReserveStatus.ACTIVE,
            eligible=False,
            eligibility_override_reason="",
            person__deleted_at__isnull=True,
        )
        .order_by("village_id", "person_id", "target_post")
        .values_list("village_id", "person_id", "person__name", "target_post", "eligibility_note")
    )
    by_subject: dict[tuple[int, int], list[tuple[str, str, str]]] = defaultdict(list)
    for village_id, person_id, name, post, note in rows:
        by_subject[(village_id, person_id)].append((name, post, note))
    found: dict[int, list[Finding]] = defaultdict(list)
    for (village_id, person_id), entries in by_subject.items():
        name, _, note = entries[0]
        posts = [post for _, post, _ in entries]
        targets = "、".join(POST_LABELS[p] for p in posts)
        detail = f"{name}（{targets}后备）不符合条件：{note}；不计入一职一备和后备干部人数，如仍保留须记录理由"
        severity = Severity.RED if Post.PARTY_SECRETARY in posts else Severity.AMBER
        found[village_id].append(Finding(BenchRiskKind.RESERVE_INELIGIBLE, severity, detail, person_id, posts[0]))
    return found
