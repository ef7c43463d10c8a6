"""`manage.py render_report village CODE --out FILE.pdf [--as-of YYYY-MM-DD]`: render synchronously (README)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.reports.render import render_village_report
from villages.models import Village


class Command(BaseCommand):
    help = "Render a village report (换届前村情报告) to a PDF file, synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["village"])
        parser.add_argument("code", help="12-digit village code")
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, kind: str, code: str, out: Path, as_of: dt.date | None, **options) -> None:
        village = Village.objects.filter(code=code).first()
        if village is None:
            raise CommandError(f"没有代码为 {code} 的村")
        report = render_village_report(village=village, as_of=as_of)
        out.write_bytes(report.pdf)
        for missing in report.missing_glyphs:
            self.stderr.write(str(missing))
        self.stdout.write(f"{out}  {len(report.pdf)} bytes  sha256 {report.sha256}")
