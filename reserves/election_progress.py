"""换届进度: per village, whether this cycle's election is registered, how many winners are recorded, and its 备案;
per township, the same counted over its villages.

Contract:
- An election belongs to the cycle being watched when it is held on or after `since` (default: 1 January of last
  year, which covers a 换届 running from one autumn into the next spring). A village's latest such election is
  the one shown: registered = it exists (its date); results entered = it has results (winners = their count).
- `village_progress(villages=..., since=...)`: two queries whatever the number of villages (the villages, their
  filings).
- `township_progress(villages=..., since=...)`: the same queries, counted per township in Python (the townships
  come with the villages).
- 备案 (filing, reserves/filings.py): per village the filings of the shown election, summed up as `filing`
  (已备案, 待备案 n, 逾期 n, or "—" when the election opened none) and `filing_state` (`filed`/`due`/`overdue`/"");
  a township counts its villages whose election's filings are all filed (`filed`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from reserves.filings import filing_summary
from reserves.models import Election, ElectionResult, Filing
from villages.models import Township, Village


def default_since(*, today: dt.date) -> dt.date:
    return dt.date(today.year - 1, 1, 1)


def _annotated(villages: QuerySet[Village], *, since: dt.date) -> QuerySet[Village]:
    latest = Election.objects.filter(village=OuterRef("pk"), held_on__gte=since).order_by("-held_on")
    winners = (
        ElectionResult.objects.filter(election__village=OuterRef("pk"), election__held_on=OuterRef("election_on"))
        .order_by()
        .values("election_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return villages.annotate(
        election_on=Subquery(latest.values("held_on")[:1]),
        election_term=Subquery(latest.values("term")[:1]),
        winners=Coalesce(Subquery(winners, output_field=IntegerField()), 0),
    )


def village_progress(*, villages: QuerySet[Village], since: dt.date, on: dt.date | None = None) -> list[Any]:
    """Villages (code order) with `election_on`, `election_term`, `winners`, and the shown election's 备案 as
    `filing` (text) and `filing_state`. Two queries."""
    on = on or timezone.localdate()
    # Villages with annotated attributes (election_on, winners, filing): typed loosely, read by templates.
    rows: list[Any] = list(
        _annotated(villages, since=since).select_related("township").order_by("township__code", "code")
    )
    filings: dict[tuple[int, dt.date], list[Filing]] = defaultdict(list)
    shown = Filing.objects.filter(village__in=[v.pk for v in rows], election__held_on__gte=since)
    for filing in shown.select_related("election"):
        if filing.election is not None:
            filings[(filing.village_id, filing.election.held_on)].append(filing)
    for village in rows:
        found = filings.get((village.pk, village.election_on), [])
        village.filing = filing_summary(found, on=on)
        states = {f.status(on) for f in found}
        village.filing_state = next((s for s in ("overdue", "due", "filed") if s in states), "")
    return rows


@dataclass
class TownshipProgress:
    township: Township
    villages: int = 0
    registered: int = 0
    entered: int = 0
    winners: int = 0
    filed: int = 0  # villages whose election's filings are all filed

    @property
    def pending(self) -> int:
        return self.villages - self.entered


def township_progress(*, villages: QuerySet[Village], since: dt.date) -> list[TownshipProgress]:
    """One row per township that has villages in `villages` (code order), counting those villages."""
    rows: dict[int, TownshipProgress] = {}
    for village in village_progress(villages=villages, since=since):
        row = rows.setdefault(village.township_id, TownshipProgress(township=village.township))
        row.villages += 1
        row.registered += village.election_on is not None
        row.entered += village.winners > 0
        row.winners += village.winners
        row.filed += village.filing_state == "filed"
    return list(rows.values())
