"""`manage.py install_report_fonts`: extract/copy the report fonts into REPORT_FONT_DIR (run by `make fonts`)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.reports import fonts


class Command(BaseCommand):
    help = "Install the report fonts (Simplified Chinese face of Noto Sans CJK, HanaMinB for Extension B)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="re-extract even when the files exist")

    def handle(self, *args, force: bool, **options) -> None:
        try:
            written = fonts.install_fonts(force=force)
        except (FileNotFoundError, LookupError) as exc:
            raise CommandError(str(exc)) from exc
        for path in written:
            self.stdout.write(f"installed {path}")
        for problem in fonts.problems():
            self.stderr.write(problem)
        if not written:
            self.stdout.write(f"report fonts up to date in {fonts.font_dir()}")
