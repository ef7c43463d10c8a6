"""`manage.py import_roster FILE.xlsx --township CODE [--dry-run]` (README, Commands).

Exit 0 when imported (or valid, with --dry-run); exit 1 when any row is rejected, after printing one
`row N: column: problem` line per problem; then nothing is written. Runs as the system (history_user empty).
"""

from __future__ import annotations

from pathlib import Path
from zipfile import BadZipFile

from django.core.management.base import BaseCommand, CommandError, CommandParser
from openpyxl.utils.exceptions import InvalidFileException

from villages.models import Township
from villages.workbook.importer import apply_import, plan_import
from villages.workbook.reader import read_roster


class Command(BaseCommand):
    help = "Import a roster workbook (.xlsx) into a township: all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--township", required=True, help="9-digit township code")
        parser.add_argument("--dry-run", action="store_true", help="check and report only; write nothing")

    def handle(self, *args: object, file: Path, township: str, dry_run: bool, **options: object) -> None:
        unit = Township.objects.filter(code=township).first()
        if unit is None:
            raise CommandError(f"unknown township code {township}")
        try:
            sheet = read_roster(file)
        except (BadZipFile, InvalidFileException, FileNotFoundError) as error:
            raise CommandError(f"cannot read {file}: {error}") from error
        plan = plan_import(sheet=sheet, township=unit, user=None)
        counts = plan.counts
        summary = (
            f"{counts['rows']} rows: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged"
        )
        if not plan.is_valid:
            for problem in plan.problems or [f"row {sheet.header_row + 1}: 数据: no data rows"]:
                self.stdout.write(str(problem))
            raise CommandError(f"{counts['invalid']} rows rejected; nothing written", returncode=1)
        if dry_run:
            self.stdout.write(f"dry run, nothing written. {summary}")
            return
        apply_import(plan)
        self.stdout.write(self.style.SUCCESS(f"imported into {unit.code} {unit.name}. {summary}"))
