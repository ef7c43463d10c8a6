"""Which date a report is computed for, and which date its figures use.

A job always records one date (docs/api.md `reports.as_of`): the one asked for, else `default_as_of`, the scope's
coming election date (a village's own, else its county's; a planned date already past is not a coming election:
today then). A date asked for is used for every figure of every village in the scope. Without one, the figures
follow the one reference rule of the pages (villages/reference.py; `figures_as_of` is None): today's roster and
status, ages on each village's own reference date, so a village prints the same numbers in every report as on
its page, the API and the dashboards. A township edition's village parts then record each village's own coming
election date (`part_as_of`): the village's own report is the same rendering (same cache key).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tasks.models import ReportJob, ReportKind
from villages.models import County, Village


def coming_election(planned: dt.date | None, *, today: dt.date | None = None) -> dt.date:
    """A planned election date still ahead (or today's), else today."""
    today = today or timezone.localdate()
    return planned if planned and planned >= today else today


def default_as_of(*, kind: str, scope: str) -> dt.date:
    """The date a report asked for without one is computed for: the scope's coming election date (a village's
    own, else its county's), else today.

    The roster is the one of min(as_of, today) and ages are 周岁 on as_of (tasks/reports/context.py), so a report
    without a date shows today's roster with ages on the coming election date, as the web page does.
    """
    if kind == ReportKind.VILLAGE:
        village = Village.objects.select_related("township__county").get(code=scope)
        return coming_election(village.planned_election_on or village.township.county.planned_election_on)
    code = scope[:6]  # township codes start with their county's code
    return coming_election(County.objects.filter(code=code).values_list("planned_election_on", flat=True).first())


def part_as_of(village: Village, *, edition_as_of: dt.date, requested: bool) -> dt.date:
    """The date a township edition's village report is computed for (reads `village.township.county`)."""
    if requested:
        return edition_as_of
    return coming_election(village.planned_election_on or village.township.county.planned_election_on)


def figures_as_of(job: ReportJob) -> dt.date | None:
    """The as_of the report's figures are computed with: the date asked for, else None (the pages' rule)."""
    return job.as_of if job.as_of_requested else None
