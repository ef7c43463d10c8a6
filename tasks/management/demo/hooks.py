"""AFTER_SEED_HOOKS (tasks.management.demo.villages): what the demo needs after its rosters are committed."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from tasks.management.demo.tables import DEMO_TOWNSHIP
from villages.models import RosterConfirmation, User, Village
from villages.risk import recompute_risks
from villages.snapshots import default_taken_on, take_snapshot


def analyze(**kwargs: object) -> None:
    """AFTER_SEED_HOOKS entry: refresh PostgreSQL's planner statistics after the bulk inserts (docs/operations.md).

    Until autovacuum gets to it the planner takes the fresh tables for empty, and the risk engine's set queries
    choose nested loops over them: at `province` scale one evaluation pass took 52 s before ANALYZE, 12 s after.
    A few seconds; nothing to do on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def risks(**kwargs: object) -> None:
    """AFTER_SEED_HOOKS entry: give the seeded villages their risks."""
    recompute_risks()


def cycle_snapshots(**kwargs: object) -> None:
    """AFTER_SEED_HOOKS entry: the 2021 cycle (as elected) and the coming 2026 cycle (today)."""
    today = timezone.localdate()
    for cycle in (2021, 2026):
        take_snapshot(cycle=cycle, villages=Village.objects.all(), taken_on=default_taken_on(cycle=cycle, today=today))


def roster_confirmations(**kwargs: object) -> None:
    """AFTER_SEED_HOOKS entry: the demo township's secretary has confirmed most of its
    villages, some recently and some too long ago (overdue); idempotent (skips villages already confirmed)."""
    secretary = User.objects.filter(township__code=DEMO_TOWNSHIP, role="township_secretary").first()
    if secretary is None:
        return
    now = timezone.now()
    villages = Village.objects.filter(township__code=DEMO_TOWNSHIP, confirmations__isnull=True).order_by("code")
    for index, village in enumerate(villages):
        if index % 4 == 3:
            continue  # never confirmed
        confirmation = RosterConfirmation.objects.create(
            village=village, confirmed_by=secretary, unchanged=index % 3 != 0
        )
        days_ago = (index * 23) % 150
        RosterConfirmation.objects.filter(pk=confirmation.pk).update(confirmed_at=now - dt.timedelta(days=days_ago))
