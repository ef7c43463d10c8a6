"""Report editions: the village report, the township edition (one compiled document: cover, totals, 目录, every
village report, continuous page numbers, one font subset per face, bookmarks; plus a zip of the village reports)
and the county edition (summary by township and flag, coverage, ranking, sign-off).

The township edition is built from the village reports' stored PDFs and content records: nothing is rendered
again for a village whose data did not change (tasks/reports/versions.py), and every number on the cover is
read from the village reports it compiles, so the cover cannot disagree with the pages behind it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import versions
from tasks.reports.compile import Part, compile_pdf
from tasks.reports.context import village_report
from tasks.reports.dates import figures_as_of
from tasks.reports.facts import plain, village_facts
from tasks.reports.fonts import missing_glyphs
from tasks.reports.identity import Identity, report_number, verification_code
from tasks.reports.pool_section import pool_section_context
from tasks.reports.rankings import county_summary
from tasks.reports.render import RenderedReport, ensure_renderable, render_document, render_village_report
from villages.models import County, Township, Village
from villages.reference import roster_date
from villages.risk import SEVERITY_COUNT_CAPTION

__all__ = [
    "RenderedReport", "content_disposition", "cover_totals", "download_name", "edition_facts", "render_job",
    "rows_today", "township_key_of", "township_zip", "village_keys_of",
]  # fmt: skip


def village_keys_of(villages: list[Village], *, as_of: dt.date | None) -> dict[int, versions.VillageKey]:
    return versions.village_keys(Village.objects.filter(pk__in=[v.pk for v in villages]), as_of=as_of)


def township_key_of(*, scope: str, as_of: dt.date | None, keys: Iterable[versions.VillageKey]) -> str:
    township = Township.objects.select_related("county").get(code=scope)
    name = f"{township.county.name}{township.name}"
    return versions.edition_key(kind="township", code=scope, name=name, as_of=as_of, parts=[k.key for k in keys])


@dataclass
class EditionRow:
    """One village of a township edition, as its own report printed it."""

    village: Village
    job: ReportJob | None
    facts: dict[str, Any] = field(default_factory=dict)
    first_page: int | None = None  # the page number printed on its first page

    @property
    def done(self) -> bool:
        return bool(self.facts)

    @property
    def summary(self) -> dict[str, Any]:
        return self.facts.get("要情", {})

    @property
    def red(self) -> int:
        return int(self.summary.get("红色", 0))

    @property
    def amber(self) -> int:
        return int(self.summary.get("黄色", 0))

    @property
    def failed_rules(self) -> dict[str, str]:
        return {label: r["结果"] for label, r in self.facts.get("规则检查", {}).items() if r["结果"] != "通过"}

    @property
    def sort_key(self) -> tuple:
        return (not self.done, -self.red, -self.amber, self.village.code)


@dataclass
class FlagTotal:
    label: str
    red: int = 0
    amber: int = 0


def cover_totals(rows: list[EditionRow]) -> dict[str, Any]:
    """Totals of the cover, all read from the villages' own reports (their 要情 and rule results)."""
    done = [r for r in rows if r.done]
    flags: dict[str, FlagTotal] = {}
    for row in done:
        for label, result in row.facts.get("规则检查", {}).items():
            total = flags.setdefault(label, FlagTotal(label))
            total.red += result["结果"] == "red"
            total.amber += result["结果"] == "amber"
    covered = sum(1 for r in done if r.facts["规则检查"].get("书记无后备", {}).get("结果") == "通过")
    comparison = done[0].facts["班子结构比较"] if done else {}
    return {
        "villages": len(rows),
        "done": len(done),
        "failed": [r for r in rows if not r.done],
        "red": sum(r.red for r in done),
        "amber": sum(r.amber for r in done),
        "red_villages": sum(1 for r in done if r.red),
        "members": sum(int(r.summary.get("两委成员", 0)) for r in done),
        "reserves": sum(int(r.summary.get("在库后备干部", 0)) for r in done),
        "average_age": comparison.get("平均年龄（岁）", ["", "—"])[1],
        "flags": list(flags.values()),
        "covered": covered,
        "coverage": f"{covered}/{len(done)}（{(covered * 100 / len(done)):.1f}%）" if done else "—",
    }


def edition_facts(township: Township, rows: list[EditionRow], totals: dict[str, Any]) -> dict[str, Any]:
    """The content record of a township edition: its totals and each village report's content record."""
    return plain({
        "乡镇": f"{township.county.name}{township.name}",
        "汇总": {k: v for k, v in totals.items() if k not in ("flags", "failed")}
        | {"各规则": {f.label: [f.red, f.amber] for f in totals["flags"]}},
        "各村": {r.village.name: (r.facts or "未生成") for r in rows},
    })  # fmt: skip


def rows_today(township: Township, *, as_of: dt.date | None) -> list[EditionRow]:
    """Every village of the township with the content record its report would print today (verification)."""
    rows = [
        EditionRow(village, None, village_facts(village_report(village=village, as_of=as_of)))
        for village in Village.objects.filter(township=township).order_by("code")
    ]
    return sorted(rows, key=lambda r: r.sort_key)


def _edition_rows(job: ReportJob, township: Township) -> list[EditionRow]:
    parts = {
        p.scope: p
        for p in ReportJob.objects.filter(batch_id=job.batch_id, kind=ReportKind.VILLAGE).select_related("reused_from")
    }
    rows = []
    for village in Village.objects.filter(township=township).order_by("code"):
        part = parts.get(village.code)
        facts: dict[str, Any] = {}
        if part is not None and part.status == JobStatus.DONE:
            facts = (part.reused_from or part).facts or {}
        rows.append(EditionRow(village, part, facts))
    return sorted(rows, key=lambda r: r.sort_key)


def _read(job: ReportJob) -> bytes:
    with job.file.open("rb") as stored:
        return stored.read()


def office_of_township(township: Township) -> str:
    return f"中共{township.county.name}{township.name}委员会"


def township_edition(*, job: ReportJob) -> RenderedReport:
    """Cover with totals, 汇总, 目录, then every village report (risk order), compiled into one PDF."""
    ensure_renderable()
    township = Township.objects.select_related("county").get(code=job.scope)
    rows = _edition_rows(job, township)
    totals = cover_totals(rows)
    at = timezone.now()
    facts = edition_facts(township, rows, totals)
    identity = Identity(
        kind="township",
        number=report_number(kind="township", job_id=job.pk, at=at),
        code=verification_code(facts),
        generated_at=at,
        data_as_of=roster_date(figures_as_of(job)),
        reference="各村按本村年龄基准日计（见各村报告）",
        rule_basis=f"{township.county.name}规则取值（见各村报告“规则依据”）",
        author=office_of_township(township),
        scope_name=f"{township.county.name}{township.name}",
    )
    bodies = [(r, _read(r.job)) for r in rows if r.done and r.job is not None]
    pages = {row.village.code: (row.job.reused_from or row.job).pages for row, _ in bodies if row.job is not None}
    context = {"township": township, "rows": rows, "totals": totals, "identity": identity,
               "count_caption": SEVERITY_COUNT_CAPTION}  # fmt: skip
    front, _, html = _front_matter(context, rows, pages, front_pages=2)
    names = [r.village.name for r in rows]
    parts = [Part(front, "封面、汇总与目录", unnumbered_first=1)]
    parts += [Part(pdf, f"{row.village.name}（红{row.red} 黄{row.amber}）") for row, pdf in bodies]
    compiled = compile_pdf(parts=parts, metadata=_metadata(identity))
    return RenderedReport(
        html=html,
        pdf=compiled.pdf,
        missing_glyphs=missing_glyphs([("村名", n) for n in names]),
        filename=f"{township.code}-{township.name}-换届前村情报告汇编.pdf",
        identity=identity,
        facts=facts,
        pages=len(compiled.folios),
    )


def _front_matter(context: dict[str, Any], rows: list[EditionRow], pages: dict[str, int], *, front_pages: int):
    """Render cover + 汇总 + 目录 until the page numbers in the 目录 match its own length (usually one pass)."""
    for _ in range(3):
        number = front_pages  # the cover prints no number: the 汇总 page is — 1 —
        for row in rows:
            row.first_page = number if row.village.code in pages else None
            number += pages.get(row.village.code, 0)
        html, pdf, count = render_document(
            template_name="reports/township.html", context=context, printed=[r.village.name for r in rows]
        )
        if count == front_pages:
            return pdf, count, html
        front_pages = count
    return pdf, count, html


def _metadata(identity: Identity) -> dict[str, str]:
    return {
        "/Title": identity.title,
        "/Author": identity.author,
        "/Subject": identity.subject,
        "/Keywords": f"报告编号 {identity.number}, 验证码 {identity.code}",
        "/Creator": "村级后备干部 pipeline tracker",
    }


def township_zip(*, job: ReportJob) -> tuple[bytes, str]:
    """The village reports of a township edition as `乡镇-村-日期.pdf` files. Returns (zip bytes, sha256)."""
    township = Township.objects.select_related("county").get(code=job.scope)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for row in _edition_rows(job, township):
            if not row.done or row.job is None:
                continue
            source = row.job.reused_from or row.job
            day = source.data_as_of or roster_date(figures_as_of(job))
            name = f"{township.name}-{row.village.name}-{day:%Y%m%d}.pdf"
            archive.writestr(zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0)), _read(row.job))
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def county_edition(*, job: ReportJob) -> RenderedReport:
    """The county list: summary by township and flag, coverage, ranking, each township's villages, sign-off."""
    ensure_renderable()
    county = County.objects.get(code=job.scope)
    summary = county_summary(county=county, as_of=figures_as_of(job))
    at = timezone.now()
    facts = summary.facts()
    identity = Identity(
        kind="county",
        number=report_number(kind="county", job_id=job.pk, at=at),
        code=verification_code(facts),
        generated_at=at,
        data_as_of=roster_date(figures_as_of(job)),
        reference=summary.reference_caption,
        rule_basis=summary.rule_basis,
        author=f"中共{county.name}委组织部",
        scope_name=county.name,
    )
    context = {"county": county, "s": summary, "identity": identity, "count_caption": SEVERITY_COUNT_CAPTION}
    # 后备队伍 (tasks/reports/pool_section.py), on the same date as the figures (today's, unless a date was asked for).
    context |= pool_section_context(county=county, as_of=figures_as_of(job))
    names = [row.village.name for row in summary.ranked]
    html, pdf, pages = render_document(template_name="reports/county.html", context=context, printed=names)
    return RenderedReport(
        html=html,
        pdf=pdf,
        missing_glyphs=missing_glyphs([("村名", n) for n in names]),
        filename=f"{county.code}-{county.name}-村级风险清单.pdf",
        identity=identity,
        facts=facts,
        pages=pages,
    )


def download_name(*, job: ReportJob) -> str:
    """The file name a finished report is downloaded under, readable by people: where, what, which date
    (e.g. 凌云乡-青龙村-换届前村情报告-2026-12-11.pdf). Unknown scopes fall back to the code."""
    on = f"{job.as_of:%Y-%m-%d}" if job.as_of else f"{job.created_at:%Y-%m-%d}"
    if job.kind == ReportKind.VILLAGE:
        village = Village.objects.select_related("township").filter(code=job.scope).first()
        where = f"{village.township.name}-{village.name}" if village else job.scope
        return f"{where}-换届前村情报告-{on}.pdf"
    if job.kind == ReportKind.TOWNSHIP:
        township = Township.objects.select_related("county").filter(code=job.scope).first()
        where = f"{township.county.name}-{township.name}" if township else job.scope
        return f"{where}-换届前村情报告汇编-{on}.pdf"
    county = County.objects.filter(code=job.scope).first()
    return f"{county.name if county else job.scope}-村级风险清单-{on}.pdf"


def content_disposition(*, job: ReportJob) -> str:
    """`attachment` with the readable UTF-8 name (RFC 6266 `filename*`, read by browsers and HTTP libraries) and
    an ASCII fallback (`filename`, for tools that do not read `filename*`, such as curl -J)."""
    on = f"{job.as_of:%Y-%m-%d}" if job.as_of else f"{job.created_at:%Y-%m-%d}"
    fallback = f"{job.kind}-{job.scope}-{on}.pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(download_name(job=job))}"


def render_job(job: ReportJob) -> RenderedReport:
    """The PDF a job stands for, with its cache key taken before the data was read (a write during the render
    can only make the stored key older than the data, so it is rendered again next time, never handed out stale)."""
    if job.kind == ReportKind.VILLAGE:
        village = Village.objects.get(code=job.scope)
        as_of = figures_as_of(job)
        village_key = village_keys_of([village], as_of=as_of)[village.pk]
        rendered = render_village_report(village=village, as_of=as_of, job_id=job.pk, area_key=village_key.area_key)
        return dataclasses.replace(rendered, cache_key=village_key.key)
    if job.kind == ReportKind.TOWNSHIP:
        return township_edition(job=job)
    county = County.objects.get(code=job.scope)
    key = versions.county_key(county_id=county.pk, as_of=figures_as_of(job))
    return dataclasses.replace(county_edition(job=job), cache_key=key)
