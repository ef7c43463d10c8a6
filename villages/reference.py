"""The age reference date: on which date a village's ages (周岁) are counted, and why (docs/domain.md §5).

One rule, stated once (`REFERENCE_ORDER`) and used in Python (`reference_of`, `reference_date`) and in SQL
(`reference_date_expression`): an explicitly chosen date (`as_of`: a report's or snapshot's date), else the
village's own planned election date, else its county's, else today. Every page, API answer, dashboard, snapshot
and report that prints an age figure takes its date from here and prints it with its source
(`ReferenceDate.caption`), so two surfaces can never count the same village's ages on different days.

`roster_date` is the other date of a figure: which post assignments count as current (today's roster, or an
earlier one when looking back). It never lies in the future, while a reference date usually does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import DateField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


class ReferenceSource(models.TextChoices):
    """Where a reference date comes from, in the order the rule tries them."""

    AS_OF = "as_of", "指定日期"
    VILLAGE = "village", "本村计划换届日期"
    COUNTY = "county", "区县计划换届日期"
    TODAY = "today", "当日（未设计划换届日期）"


REFERENCE_ORDER: tuple[ReferenceSource, ...] = (
    ReferenceSource.AS_OF,
    ReferenceSource.VILLAGE,
    ReferenceSource.COUNTY,
    ReferenceSource.TODAY,
)


@dataclass(frozen=True)
class ReferenceDate:
    """A village's age reference date and the reason it applies."""

    on: dt.date
    source: ReferenceSource

    @property
    def source_label(self) -> str:
        return ReferenceSource(self.source).label

    @property
    def caption(self) -> str:
        """'2026-12-31（本村计划换届日期）': what every age figure prints beside it."""
        return f"{self.on:%Y-%m-%d}（{self.source_label}）"


def reference_from(
    *,
    as_of: dt.date | None,
    village_planned: dt.date | None,
    county_planned: dt.date | None,
    today: dt.date | None = None,
) -> ReferenceDate:
    """The rule itself, on plain values (bulk code reads the two planned dates in its own query).

    An `as_of` that is the village's (else the county's) planned election date, or today where neither is
    planned, is reported with that source: the date is the same and the reason more precise (report jobs record
    the coming election date as their as_of, tasks/reports/jobs.py `default_as_of`, and the page, API and report
    then print the same caption)."""
    if as_of is not None and as_of == village_planned:
        return ReferenceDate(as_of, ReferenceSource.VILLAGE)
    if as_of is not None and as_of == county_planned:
        return ReferenceDate(as_of, ReferenceSource.COUNTY)
    today = today or timezone.localdate()
    if as_of == today and village_planned is None and county_planned is None:
        return ReferenceDate(today, ReferenceSource.TODAY)
    candidates = {
        ReferenceSource.AS_OF: as_of,
        ReferenceSource.VILLAGE: village_planned,
        ReferenceSource.COUNTY: county_planned,
        ReferenceSource.TODAY: today,
    }
    source = next(s for s in REFERENCE_ORDER if candidates[s] is not None)
    on = candidates[source]
    assert on is not None
    return ReferenceDate(on, source)


def reference_of(village: models.Model, *, as_of: dt.date | None = None) -> ReferenceDate:
    """The reference date of one village (reads `village.township.county`: select_related it in lists)."""
    return reference_from(
        as_of=as_of,
        village_planned=village.planned_election_on,  # type: ignore[attr-defined]
        county_planned=village.township.county.planned_election_on,  # type: ignore[attr-defined]
    )


def reference_date(village: models.Model, *, as_of: dt.date | None = None) -> dt.date:
    """as_of, else the village's planned election date, else its county's, else today."""
    return reference_of(village, as_of=as_of).on


def election_date(*, village_planned: dt.date | None, county_planned: dt.date | None) -> dt.date | None:
    """The planned election date that applies to a village: its own, else its county's (None: not planned)."""
    return village_planned or county_planned


def reference_date_expression(
    *, as_of: dt.date | None, village_path: str = "village", today: dt.date | None = None
) -> Coalesce | Value:
    """SQL for a village's reference date, in REFERENCE_ORDER (`village_path`: the path from the queried model;
    `today` as in `reference_from`)."""
    if as_of is not None:
        return Value(as_of, output_field=DateField())
    prefix = f"{village_path}__" if village_path else ""
    fields = {
        ReferenceSource.VILLAGE: F(f"{prefix}planned_election_on"),
        ReferenceSource.COUNTY: F(f"{prefix}township__county__planned_election_on"),
        ReferenceSource.TODAY: Value(today or timezone.localdate(), output_field=DateField()),
    }
    return Coalesce(*(fields[s] for s in REFERENCE_ORDER if s in fields), output_field=DateField())


def roster_date(as_of: dt.date | None) -> dt.date:
    """Which post assignments count as current: today's roster, or an earlier one when looking back."""
    today = timezone.localdate()
    return min(as_of, today) if as_of else today


def common_caption(references: Iterable[ReferenceDate]) -> str:
    """The caption of pooled figures (a township, a county): one date when all villages share it, else a note."""
    found = set(references)
    if not found:
        return ""
    if len(found) == 1:
        return next(iter(found)).caption
    dates = sorted({r.on for r in found})
    return f"各村按本村年龄基准日（{dates[0]:%Y-%m-%d} 至 {dates[-1]:%Y-%m-%d}）"
