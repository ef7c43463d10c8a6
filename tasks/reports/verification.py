"""The verification page's answer: does a printed copy match what the data gives today, and what changed since.

A reader types the code printed on the copy. A mistyped or altered code fails its check character; a code that no
report the reader may see carries is "not found" (the same answer for a report outside the reader's scope, so
the page reveals nothing about other units). Otherwise the report's content record is computed afresh from
today's data, with the copy's scope and as-of date, and compared: equal codes mean the copy still says what the
data says; otherwise the differences are listed in words (tasks/reports/facts.py `differences`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports.context import village_report
from tasks.reports.dates import figures_as_of
from tasks.reports.editions import cover_totals, edition_facts, rows_today
from tasks.reports.facts import differences, village_facts
from tasks.reports.identity import InvalidCode, parse_code, verification_code
from tasks.reports.rankings import county_summary
from villages.models import County, Township, User, Village


@dataclass
class Verification:
    code: str
    error: str = ""
    job: ReportJob | None = None
    matches: bool = False
    code_today: str = ""
    changes: list[str] = field(default_factory=list)


def facts_today(job: ReportJob) -> dict[str, Any]:
    """The content record the job's report would have if it were generated now (same scope and as-of)."""
    if job.kind == ReportKind.VILLAGE:
        return village_facts(village_report(village=Village.objects.get(code=job.scope), as_of=figures_as_of(job)))
    if job.kind == ReportKind.TOWNSHIP:
        township = Township.objects.select_related("county").get(code=job.scope)
        rows = rows_today(township, as_of=figures_as_of(job))
        return edition_facts(township, rows, cover_totals(rows))
    return county_summary(county=County.objects.get(code=job.scope), as_of=figures_as_of(job)).facts()


def verify(*, user: User, typed: str) -> Verification:
    """Check a typed verification code against the reports `user` may see and against today's data."""
    try:
        code = parse_code(typed)
    except InvalidCode as exc:
        return Verification(code=typed.strip(), error=str(exc))
    job = (
        ReportJob.objects.for_user(user)
        .filter(verification=code, status=JobStatus.DONE)
        .select_related("reused_from", "created_by")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if job is None:
        return Verification(code=code, error="未找到使用该验证码的报告：请核对验证码，或确认该报告属于您可查看的范围")
    printed = job.reused_from or job
    today = facts_today(printed)
    code_today = verification_code(today)
    changes = [] if code_today == code else differences(printed.facts or {}, today)
    return Verification(code=code, job=printed, matches=code_today == code, code_today=code_today, changes=changes)
