"""manage.py snapshot_cycle 2021 [--on YYYY-MM-DD] [--county CODE]: freeze every village's indicators for a cycle."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from villages.models import County, Village
from villages.snapshots import default_taken_on, take_snapshot


class Command(BaseCommand):
    help = "Store (or replace) the election-cycle snapshot of every village (换届指标快照)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cycle", type=int, help="换届年份, e.g. 2021")
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="roster and age date (default: cycle year end or today)"
        )
        parser.add_argument("--county", help="only this county (6-digit code)")

    def handle(self, *args: object, cycle: int, on: dt.date | None, county: str | None, **options: object) -> None:
        if not 2000 <= cycle <= 2100:
            raise CommandError(f"换届年份不合理：{cycle}")
        villages = Village.objects.all()
        if county:
            if not County.objects.filter(code=county).exists():
                raise CommandError(f"未知的区县代码：{county}")
            villages = villages.filter(township__county__code=county)
        taken_on = on or default_taken_on(cycle=cycle, today=timezone.localdate())
        written = take_snapshot(cycle=cycle, villages=villages, taken_on=taken_on)
        self.stdout.write(f"snapshot {cycle} on {taken_on:%Y-%m-%d}: {written} villages")
