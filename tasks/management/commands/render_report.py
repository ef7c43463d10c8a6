"""`manage.py render_report village CODE --out FILE.pdf [--as-of YYYY-MM-DD]`: render synchronously.

Exits 1 with the readable reason (no traceback) when the report cannot be rendered: an unknown village, missing
report fonts or libraries (tasks/reports/fonts.py), an output file that cannot be written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.reports.render import ReportsUnavailable, ensure_renderable, render_village_report
from villages.models import Village


class Command(BaseCommand):
    help = "Render a village report (换届前村情报告) to a PDF file, synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["village"])
        parser.add_argument("code", help="12-digit village code")
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, kind: str, code: str, out: Path, as_of: dt.date | None, **options) -> None:
        try:
            ensure_renderable()
        except ReportsUnavailable as exc:
            raise CommandError(str(exc)) from exc
        village = Village.objects.filter(code=code).first()
        if village is None:
            raise CommandError(f"没有代码为 {code} 的村")
        report = render_village_report(village=village, as_of=as_of)
        try:
            out.write_bytes(report.pdf)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror or exc}") from exc
        for missing in report.missing_glyphs:
            self.stderr.write(str(missing))
        identity = report.identity
        code_line = f"  报告编号 {identity.number}  验证码 {identity.code}" if identity else ""
        self.stdout.write(f"{out}  {len(report.pdf)} bytes  sha256 {report.sha256}{code_line}")
