"""换届进度: per village, whether this cycle's election is registered, how many winners are recorded, and its 备案;
per township, the same counted over its villages.

Contract:
- An election belongs to the cycle being watched when it is held on or after `since` (default: 1 January of last
  year, which covers a 换届 running from one autumn into the next spring). A village's latest such election is
  the one shown: registered = it exists (its date); results entered = it has results (winners = their count).
- `village_progress(villages=..., since=...)`: one query whatever the number of villages.
- `township_progress(villages=..., since=...)`: the same query, counted per township in Python (the townships
  come with the villages), so one query too.
- 备案 (filing) is not tracked yet: every row's `filing` is None and the pages show "—".
  FILING HOOK: when filings exist, annotate the latest filing of the shown election in `_annotated` (e.g.
  `filing_status`), set it on the rows, and count filed villages in `TownshipProgress.filed`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from reserves.models import Election, ElectionResult
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


def village_progress(*, villages: QuerySet[Village], since: dt.date) -> list[Any]:
    """Villages (code order) with `election_on`, `election_term`, `winners` and `filing` (None: not tracked)."""
    # Villages with annotated attributes (election_on, winners) and `filing`: typed loosely, read by templates.
    rows: list[Any] = list(
        _annotated(villages, since=since).select_related("township").order_by("township__code", "code")
    )
    for village in rows:
        village.filing = None
    return rows


@dataclass
class TownshipProgress:
    township: Township
    villages: int = 0
    registered: int = 0
    entered: int = 0
    winners: int = 0
    filed: int | None = None  # 备案: not tracked yet (see the module docstring)

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
    return list(rows.values())
