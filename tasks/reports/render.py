"""The one PDF renderer: a Django template → (html, pdf bytes) with WeasyPrint, fonts and assets local only.

A FontConfiguration is kept per thread: @font-face fonts are then registered once per worker thread instead of
being copied and re-indexed for every report (the CJK faces are ~16 MB each).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from tasks.reports.context import VillageReport, village_report
from tasks.reports.fetcher import LocalOnlyFetcher
from tasks.reports.fonts import MissingGlyph, faces_for, font_dir, missing_glyphs
from villages.models import Village

NOTDEF_PREFIX = ".notdef glyph rendered"
_local = threading.local()


@dataclass(frozen=True)
class RenderedReport:
    html: str
    pdf: bytes
    missing_glyphs: list[MissingGlyph]
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


class _NotdefHandler(logging.Handler):
    """Collects WeasyPrint's warnings about characters drawn as .notdef (a box)."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if record.getMessage().startswith(NOTDEF_PREFIX) and isinstance(args, tuple) and args:
            self.sink(str(args[0]))


@contextlib.contextmanager
def _notdef_warnings(sink: Callable[[str], None] | None) -> Iterator[None]:
    if sink is None:
        yield
        return
    logger = logging.getLogger("weasyprint")
    handler = _NotdefHandler(sink)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _font_config() -> FontConfiguration:
    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
    return _local.font_config


def font_faces(printed: Iterable[str] = ()) -> list[dict[str, object]]:
    return [{"family": f.family, "weight": f.weight, "url": f.path.as_uri()} for f in faces_for(printed)]


def render_pdf(
    *,
    template_name: str,
    context: dict,
    printed: Iterable[str] = (),
    on_notdef: Callable[[str], None] | None = None,
) -> tuple[str, bytes]:
    """Render a report template to (html, pdf). Only local fonts/static files load; any other URL is refused.

    `printed`: the variable text (names) the document shows, to decide whether the Extension B face is needed.
    on_notdef receives each character WeasyPrint had to draw as .notdef (no font has it).
    """
    html = render_to_string(template_name, {**context, "fonts": font_faces(printed)})
    return html, html_to_pdf(html, on_notdef=on_notdef)


def html_to_pdf(html: str, *, on_notdef: Callable[[str], None] | None = None) -> bytes:
    """WeasyPrint with the local-only fetcher and this thread's font configuration."""
    document = HTML(string=html, base_url=font_dir().as_uri() + "/", url_fetcher=LocalOnlyFetcher())
    with _notdef_warnings(on_notdef):
        return document.write_pdf(font_config=_font_config())


def render_village_report(*, village: Village, as_of: dt.date | None = None) -> RenderedReport:
    """The 换届前村情报告 of one village. Characters no font covers are listed in the PDF and in the result."""
    report: VillageReport = village_report(village=village, as_of=as_of)
    printed = report.printed_texts()
    missing = missing_glyphs(printed)
    drawn_as_box: list[str] = []
    html, pdf = render_pdf(
        template_name="reports/village.html",
        context={"r": report, "data_as_of": report.data_as_of, "missing_glyphs": missing},
        printed=[text for _, text in printed],
        on_notdef=drawn_as_box.append,
    )
    known = {m.char for m in missing}
    missing += [MissingGlyph("报告文本", char) for char in dict.fromkeys(drawn_as_box) if char not in known]
    filename = f"{village.code}-{village.name}-换届前村情报告.pdf"
    return RenderedReport(html=html, pdf=pdf, missing_glyphs=missing, filename=filename)
