"""The one PDF renderer: a Django template → (html, pdf bytes) with WeasyPrint, fonts and assets local only.

A FontConfiguration is kept per thread: @font-face fonts are then registered once per worker thread instead of
being copied and re-indexed for every report (the CJK faces are ~16 MB each).

Before anything is rendered, `ensure_renderable` checks the fonts and libraries (tasks/reports/fonts.py): a
missing font fails at once with the readable message, never a PDF in fallback fonts or a job left waiting.
Every report carries its identity (tasks/reports/identity.py): number, generated-at, data date, rule basis and
verification code, printed on the first page and in the footers, and set as PDF metadata (Title, Author =
the office the report speaks for, Subject, Keywords).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.template.loader import get_template, render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from tasks.reports import fonts
from tasks.reports.context import VillageReport, village_report
from tasks.reports.facts import basis_summary, village_facts
from tasks.reports.fetcher import LocalOnlyFetcher
from tasks.reports.fonts import MissingGlyph, faces_for, font_dir, missing_glyphs
from tasks.reports.identity import Identity, report_number, verification_code
from tasks.reports.versions import village_keys
from villages.models import Village

NOTDEF_PREFIX = ".notdef glyph rendered"
_local = threading.local()


class ReportsUnavailable(RuntimeError):
    """Fonts or libraries the reports need are missing: the message says which and how to fix it."""


def ensure_renderable() -> None:
    """Raise ReportsUnavailable (readable, in Chinese) when reports cannot render correctly on this machine."""
    found = fonts.problems()
    if found:
        raise ReportsUnavailable("无法生成报告：" + "；".join(found))


@dataclass(frozen=True)
class RenderedReport:
    html: str
    pdf: bytes
    missing_glyphs: list[MissingGlyph]
    filename: str
    identity: Identity | None = None
    facts: dict[str, Any] | None = None
    pages: int = 0
    cache_key: str = ""
    report: VillageReport | None = None  # what a village report printed (its sections), for callers and tests

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
    html, pdf, _ = render_document(template_name=template_name, context=context, printed=printed, on_notdef=on_notdef)
    return html, pdf


def render_document(
    *,
    template_name: str,
    context: dict,
    printed: Iterable[str] = (),
    on_notdef: Callable[[str], None] | None = None,
) -> tuple[str, bytes, int]:
    """render_pdf, with the number of pages of the PDF."""
    html = render_to_string(template_name, {**context, "fonts": font_faces(printed)})
    pdf, pages = html_to_pdf_pages(html, on_notdef=on_notdef)
    return html, pdf, pages


def html_to_pdf(html: str, *, on_notdef: Callable[[str], None] | None = None) -> bytes:
    """WeasyPrint with the local-only fetcher and this thread's font configuration."""
    return html_to_pdf_pages(html, on_notdef=on_notdef)[0]


def html_to_pdf_pages(html: str, *, on_notdef: Callable[[str], None] | None = None) -> tuple[bytes, int]:
    document = HTML(string=html, base_url=font_dir().as_uri() + "/", url_fetcher=LocalOnlyFetcher())
    with _notdef_warnings(on_notdef):
        rendered = document.render(font_config=_font_config())
        return rendered.write_pdf(), len(rendered.pages)


def office_of(village: Village) -> str:
    """The office a village's (or its township's) report speaks for: the township's party committee."""
    return f"中共{village.township.county.name}{village.township.name}委员会"


def village_identity(
    report: VillageReport, facts: dict[str, Any], *, job_id: int | None, at: dt.datetime | None = None
) -> Identity:
    at = at or timezone.now()
    village = report.village
    return Identity(
        kind="village",
        number=report_number(kind="village", job_id=job_id, at=at),
        code=verification_code(facts),
        generated_at=at,
        data_as_of=report.data_as_of,
        reference=report.reference.caption,
        rule_basis=basis_summary(report.basis, county=village.township.county.name),
        author=office_of(village),
        scope_name=f"{village.township.name}{village.name}",
    )


def warm_up() -> None:
    """Load what every report needs once per worker process, before its first job: the report faces (into this
    thread's font configuration; the Extension B face stays lazy), the glyph check's character maps and the
    report templates. A first report otherwise pays ~1 s more."""
    styles = render_to_string("reports/_report.css", {"fonts": font_faces([])})
    paragraphs = "".join(f'<p style="font-family: {font.family}">报告 1</p>' for font in faces_for([]))
    html_to_pdf(f"<style>{styles}</style>{paragraphs}")
    fonts.covered_codepoints()
    for name in ("reports/village.html", "reports/township.html", "reports/county.html"):
        get_template(name)


def render_village_report(
    *, village: Village, as_of: dt.date | None = None, job_id: int | None = None, area_key: str = ""
) -> RenderedReport:
    """The 换届前村情报告 of one village. Characters no font covers are listed in the PDF and in the result.

    `job_id` numbers the report (tasks/reports/identity.py); `area_key` lets the township and county columns be
    shared by the reports of one township (tasks/reports/versions.py)."""
    ensure_renderable()
    if not area_key:
        area_key = village_keys(Village.objects.filter(pk=village.pk), as_of=as_of)[village.pk].area_key
    report: VillageReport = village_report(village=village, as_of=as_of, area_key=area_key)
    facts = village_facts(report)
    identity = village_identity(report, facts, job_id=job_id)
    printed = report.printed_texts()
    missing = missing_glyphs(printed)
    drawn_as_box: list[str] = []
    html, pdf, pages = render_document(
        template_name="reports/village.html",
        context={"r": report, "identity": identity, "missing_glyphs": missing},
        printed=[text for _, text in printed],
        on_notdef=drawn_as_box.append,
    )
    known = {m.char for m in missing}
    missing += [MissingGlyph("报告文本", char) for char in dict.fromkeys(drawn_as_box) if char not in known]
    filename = f"{village.code}-{village.name}-换届前村情报告.pdf"
    return RenderedReport(
        html=html,
        pdf=pdf,
        missing_glyphs=missing,
        filename=filename,
        identity=identity,
        facts=facts,
        pages=pages,
        report=report,
    )
