"""Report editions: the village report, the township edition (villages ranked by risk, then every village
report, as one merged PDF; the zip of per-village PDFs is built from the stored files on download) and the
county edition (the risk list by township)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import QuerySet
from pypdf import PdfWriter

from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports.fonts import missing_glyphs
from tasks.reports.pool_section import pool_section_context
from tasks.reports.render import RenderedReport, render_pdf, render_village_report
from villages.choices import Severity
from villages.models import County, Township, Village
from villages.risk import findings_for_villages
from villages.structure import roster_date


@dataclass
class VillageRisk:
    village: Village
    red: int = 0
    amber: int = 0
    kinds: list[str] = field(default_factory=list)
    job: ReportJob | None = None

    @property
    def sort_key(self) -> tuple:
        return (-self.red, -self.amber, self.village.code)


def ranked_by_risk(*, villages: QuerySet[Village], as_of: dt.date | None) -> list[VillageRisk]:
    """Villages, most at risk first: red findings, then amber, then code. A fixed number of queries."""
    villages = villages.select_related("township__county")
    findings = findings_for_villages(villages=villages, as_of=as_of)
    ranked = []
    for village in villages:
        found = findings.get(village.pk, [])
        severities = Counter(f.severity for f in found)
        kinds = list(dict.fromkeys(f.kind_label for f in found if f.person_id is None))
        ranked.append(VillageRisk(village, severities[Severity.RED], severities[Severity.AMBER], kinds))
    return sorted(ranked, key=lambda r: r.sort_key)


def _rendered(html: str, pdf: bytes, *, filename: str, texts: list[tuple[str, str]]) -> RenderedReport:
    return RenderedReport(html=html, pdf=pdf, missing_glyphs=missing_glyphs(texts), filename=filename)


def township_edition(*, job: ReportJob) -> RenderedReport:
    """Cover (villages ranked by risk, with each village report's status) + the village PDFs, merged."""
    township = Township.objects.select_related("county").get(code=job.scope)
    ranked = ranked_by_risk(villages=Village.objects.filter(township=township), as_of=job.as_of)
    parts = {p.scope: p for p in ReportJob.objects.filter(batch_id=job.batch_id, kind=ReportKind.VILLAGE)}
    for row in ranked:
        row.job = parts.get(row.village.code)
    context = {"township": township, "ranked": ranked, "data_as_of": roster_date(job.as_of), "as_of": job.as_of}
    names = [r.village.name for r in ranked]
    html, cover = render_pdf(template_name="reports/township.html", context=context, printed=names)
    writer = PdfWriter()
    writer.append(io.BytesIO(cover))
    for row in ranked:
        if row.job and row.job.status == JobStatus.DONE:
            with row.job.file.open("rb") as stored:
                writer.append(io.BytesIO(stored.read()), outline_item=f"{row.village.name}")
    out = io.BytesIO()
    writer.write(out)
    texts = [("村名", r.village.name) for r in ranked]
    return _rendered(
        html, out.getvalue(), filename=f"{township.code}-{township.name}-换届前村情报告汇编.pdf", texts=texts
    )


def township_zip(*, job: ReportJob) -> tuple[bytes, str]:
    """The per-village PDFs of a township edition, numbered in risk order. Returns (zip bytes, sha256)."""
    township = Township.objects.get(code=job.scope)
    ranked = ranked_by_risk(villages=Village.objects.filter(township=township), as_of=job.as_of)
    parts = {
        p.scope: p
        for p in ReportJob.objects.filter(batch_id=job.batch_id, kind=ReportKind.VILLAGE, status=JobStatus.DONE)
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, row in enumerate((r for r in ranked if r.village.code in parts), start=1):
            with parts[row.village.code].file.open("rb") as stored:
                name = f"{number:03d}-{row.village.code}-{row.village.name}.pdf"
                archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), stored.read())
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def county_edition(*, job: ReportJob) -> RenderedReport:
    """The risk list of a county: per township, its villages ranked by risk."""
    county = County.objects.get(code=job.scope)
    ranked = ranked_by_risk(villages=Village.objects.filter(township__county=county), as_of=job.as_of)
    by_township: dict[Township, list[VillageRisk]] = {}
    for row in sorted(ranked, key=lambda r: r.village.township.code):
        by_township.setdefault(row.village.township, []).append(row)
    for rows in by_township.values():
        rows.sort(key=lambda r: r.sort_key)
    context = {"county": county, "by_township": by_township, "data_as_of": roster_date(job.as_of), "as_of": job.as_of}
    context |= pool_section_context(county=county, as_of=job.as_of)  # 后备队伍 (tasks/reports/pool_section.py)
    names = [r.village.name for r in ranked]
    html, pdf = render_pdf(template_name="reports/county.html", context=context, printed=names)
    texts = [("村名", r.village.name) for r in ranked]
    return _rendered(html, pdf, filename=f"{county.code}-{county.name}-村级风险清单.pdf", texts=texts)


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
    """The PDF a job stands for."""
    if job.kind == ReportKind.VILLAGE:
        return render_village_report(village=Village.objects.get(code=job.scope), as_of=job.as_of)
    if job.kind == ReportKind.TOWNSHIP:
        return township_edition(job=job)
    return county_edition(job=job)
