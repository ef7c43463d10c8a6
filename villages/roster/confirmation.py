"""Roster confirmation: a township secretary confirms each village's roster periodically (无变化确认) or after
changes; county staff see per township when each village was last confirmed and which are overdue.

A village is overdue when its last confirmation is older than the confirmation period of its county (the rule
value `roster_confirmation_days`, falling back to settings.ROSTER_CONFIRMATION_PERIOD_DAYS), or when it was
never confirmed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from villages import rules
from villages.models import RosterConfirmation, Township, User, Village
from villages.permissions import can_edit_roster

if TYPE_CHECKING:  # django-stubs-ext is a dev dependency: annotations only
    from django_stubs_ext import WithAnnotations

PERIOD_RULE_KEY = "roster_confirmation_days"


def confirm_roster(*, village: Village, by: User, unchanged: bool = True, note: str = "") -> RosterConfirmation:
    """Record that `by` confirmed the village roster now. Only the township's own secretary may confirm.

    `unchanged` says whether nothing changed since the last confirmation (无变化确认); otherwise the note should
    say what changed. Raises PermissionDenied for anyone else.
    """
    if not can_edit_roster(by, village):
        raise PermissionDenied("只有本乡镇党委书记可以确认花名册")
    return RosterConfirmation.objects.create(village=village, confirmed_by=by, unchanged=unchanged, note=note.strip())


def period_days_by_county(*, county_ids: Iterable[int], on: dt.date) -> dict[int, int]:
    """The confirmation period in days for each county on a date (one query for all counties).

    A county's own rule value wins over the city's; with neither, settings.ROSTER_CONFIRMATION_PERIOD_DAYS.
    """
    book = rules.RuleBook.load()
    periods = {}
    for county_id in county_ids:
        ruleset = book.rules(county_id=county_id, on=on)
        if ruleset.sources[PERIOD_RULE_KEY].scope == "code":
            periods[county_id] = settings.ROSTER_CONFIRMATION_PERIOD_DAYS
        else:
            periods[county_id] = ruleset.roster_confirmation_days
    return periods


@dataclass(frozen=True)
class VillageConfirmation:
    """One village's confirmation state on a date."""

    village: Village
    last_confirmed_at: dt.datetime | None
    last_confirmed_by: str
    last_unchanged: bool | None
    period_days: int
    due_on: dt.date | None  # None: never confirmed, due now
    overdue: bool


class _LatestConfirmation(TypedDict):
    last_confirmed_at: dt.datetime | None
    last_unchanged: bool | None
    last_by_display: str | None
    last_by_username: str | None


def _annotated(villages: models.QuerySet[Village]) -> models.QuerySet[WithAnnotations[Village, _LatestConfirmation]]:
    latest = RosterConfirmation.objects.filter(village=OuterRef("pk")).order_by("-confirmed_at", "-pk")
    return villages.select_related("township__county").annotate(
        last_confirmed_at=Subquery(latest.values("confirmed_at")[:1]),
        last_unchanged=Subquery(latest.values("unchanged")[:1]),
        last_by_display=Subquery(latest.values("confirmed_by__display_name")[:1]),
        last_by_username=Subquery(latest.values("confirmed_by__username")[:1]),
    )


def village_confirmations(*, villages: models.QuerySet[Village], on: dt.date) -> list[VillageConfirmation]:
    """Confirmation state of every village in the queryset on `on`, ordered as the queryset.

    Two queries whatever the number of villages: the villages with their latest confirmation, and the period
    rule values of their counties.
    """
    rows = list(_annotated(villages))
    periods = period_days_by_county(county_ids={v.township.county_id for v in rows}, on=on)
    result = []
    for village in rows:
        period = periods[village.township.county_id]
        last = village.last_confirmed_at
        due_on = _due_on(last, period)
        result.append(
            VillageConfirmation(
                village=village,
                last_confirmed_at=last,
                last_confirmed_by=village.last_by_display or village.last_by_username or "",
                last_unchanged=village.last_unchanged,
                period_days=period,
                due_on=due_on,
                overdue=due_on is None or due_on < on,
            )
        )
    return result


def _due_on(last: dt.datetime | None, period: int) -> dt.date | None:
    return timezone.localdate(last) + dt.timedelta(days=period) if last else None


def overdue_counts(*, villages: models.QuerySet[Village], on: dt.date, by: str) -> tuple[Counter, int]:
    """(overdue villages per value of `by`, e.g. "township__code"; overdue villages in all). Two queries and
    no model instances: dashboards count thousands of villages."""
    latest = RosterConfirmation.objects.filter(village=OuterRef("pk")).order_by("-confirmed_at", "-pk")
    rows = list(
        villages.order_by()
        .annotate(last_confirmed_at=Subquery(latest.values("confirmed_at")[:1]))
        .values_list(by, "township__county_id", "last_confirmed_at")
    )
    periods = period_days_by_county(county_ids={county_id for _, county_id, _ in rows}, on=on)
    counts: Counter = Counter()
    for key, county_id, last in rows:
        due_on = _due_on(last, periods[county_id])
        if due_on is None or due_on < on:
            counts[key] += 1
    return counts, sum(counts.values())


@dataclass(frozen=True)
class TownshipConfirmationSummary:
    township: Township
    villages: int
    overdue: int
    never_confirmed: int
    oldest_confirmed_on: dt.date | None  # the least recent confirmation among villages that have one

    @property
    def up_to_date(self) -> int:
        return self.villages - self.overdue


def township_summaries(*, confirmations: Iterable[VillageConfirmation]) -> list[TownshipConfirmationSummary]:
    """Per township: villages, overdue, never confirmed, oldest confirmation; townships in code order."""
    by_township: dict[int, list[VillageConfirmation]] = {}
    townships: dict[int, Township] = {}
    for item in confirmations:
        by_township.setdefault(item.village.township_id, []).append(item)
        townships[item.village.township_id] = item.village.township
    summaries = []
    for township_id, items in by_township.items():
        confirmed = [timezone.localdate(i.last_confirmed_at) for i in items if i.last_confirmed_at]
        summaries.append(
            TownshipConfirmationSummary(
                township=townships[township_id],
                villages=len(items),
                overdue=sum(i.overdue for i in items),
                never_confirmed=sum(i.last_confirmed_at is None for i in items),
                oldest_confirmed_on=min(confirmed, default=None),
            )
        )
    return sorted(summaries, key=lambda s: s.township.code)
