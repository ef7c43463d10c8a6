"""When a report must be rendered again: its cache key, from (scope, as-of, data version, rule version, template
version), and the data version of a village.

- Data version: a counter per village (tasks.models.VillageDataVersion), raised in the writer's transaction by
  every write that can change what the village's report prints (tasks/receivers.py). Reading it is one indexed
  query for any number of villages; a rolled-back write rolls its raise back too.
- Rule version: the rule values in force for the village's county on its reference date, with their 文号 and
  effective dates (a new value or 文号 gives a new key even before anyone recomputes).
- Template version: the report templates, the chart templates, the fonts and FORMAT_VERSION (raise it when code
  changes what a report prints).
- A village report also prints its township's and county's averages (the comparison columns): its key holds
  the values of those figures (computed once per township and data state, then cached), so a write elsewhere in
  the township re-renders this village only when it moves an average it prints.
- as-of and data date: the date the report is computed for (jobs always record one: tasks/reports/jobs.py
  `default_as_of`, usually the coming election date) and the roster date it reads (`roster_date`: today while
  as-of lies ahead), so a report of today's data is never handed out tomorrow.

An equal key means an equal PDF: a finished job with the key is handed out again (same file, same sha256) and
nothing renders (tasks/reports/jobs.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from tasks.models import VillageDataVersion
from tasks.reports.context import area_stats
from tasks.reports.fonts import FONT_FILES
from villages.models import Village
from villages.reference import reference_from, roster_date
from villages.release import source_digest
from villages.rules import RULE_SPECS, RuleBook, RuleSet

FORMAT_VERSION = "2026-11-30.1"


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@functools.cache
def template_version() -> str:
    """Templates, chart markup, font files and FORMAT_VERSION, hashed once per process."""
    base = Path(settings.BASE_DIR) / "templates"
    fonts = [f"{font.filename}:{font.path.stat().st_size if font.path.exists() else 0}" for font in FONT_FILES]
    return _digest(FORMAT_VERSION, source_digest([base / "reports", base / "charts"]), fonts)[:16]


def bump(village_ids: Iterable[int]) -> None:
    """Raise the data version of the villages (creating the counter of a village that has none)."""
    ids = {i for i in village_ids if i}
    if not ids:
        return
    existing = set(Village.objects.filter(pk__in=ids).values_list("pk", flat=True))
    VillageDataVersion.objects.bulk_create([VillageDataVersion(village_id=i) for i in existing], ignore_conflicts=True)
    VillageDataVersion.objects.filter(village_id__in=existing).update(version=F("version") + 1)


def data_versions(villages: QuerySet[Village]) -> dict[int, int]:
    """Data version per village id (0 for a village never written since the counters exist). One query."""
    rows = VillageDataVersion.objects.filter(village__in=villages.values("pk")).values_list("village_id", "version")
    return dict(rows)


def rule_version(rules: RuleSet) -> str:
    """The rule values in force, with their 文号 and effective dates."""
    parts = []
    for key in RULE_SPECS:
        source = rules.sources.get(key)
        parts.append((key, str(getattr(rules, key)), source.document_number if source else "",
                      str(source.effective_on) if source else ""))  # fmt: skip
    return _digest(*parts)[:16]


@dataclass(frozen=True)
class VillageKey:
    """A village report's cache key and the key of its township/county comparison figures."""

    key: str
    area_key: str
    version: int


def _area_sums(villages: list[Village]) -> tuple[dict[int, int], dict[int, int]]:
    """Sum of data versions per township and per county of the given villages' townships and counties (1 query)."""
    counties = {v.township.county_id for v in villages}
    rows = (
        VillageDataVersion.objects.filter(village__township__county_id__in=counties)
        .values_list("village__township_id", "village__township__county_id")
        .annotate(total=Sum("version"))
    )
    townships: dict[int, int] = {}
    county_sums: dict[int, int] = {}
    for township_id, county_id, total in rows:
        townships[township_id] = townships.get(township_id, 0) + total
        county_sums[county_id] = county_sums.get(county_id, 0) + total
    return townships, county_sums


def _area_digest(village: Village, *, as_of: dt.date | None, area_key: str) -> str:
    township, county = area_stats(village=village, as_of=as_of, cache_key=area_key)
    return _digest(township.as_dict(), county.as_dict())[:16]


def village_keys(villages: QuerySet[Village], *, as_of: dt.date | None) -> dict[int, VillageKey]:
    """Cache keys of the village reports of `villages` on `as_of` (None: today's). A fixed number of queries plus
    two aggregates per township whose data changed since its figures were last computed."""
    rows = list(villages.select_related("township__county").order_by("pk"))
    versions = data_versions(Village.objects.filter(pk__in=[v.pk for v in rows]))
    township_sums, county_sums = _area_sums(rows)
    book = RuleBook.load()
    today = timezone.localdate()
    as_of_eff = as_of or today
    keys = {}
    for v in rows:
        county = v.township.county
        reference = reference_from(as_of=as_of, village_planned=v.planned_election_on,
                                   county_planned=county.planned_election_on, today=today)  # fmt: skip
        area_key = "reports:area:" + _digest(
            v.township_id, county.pk, township_sums.get(v.township_id, 0), county_sums.get(county.pk, 0),
            county.planned_election_on, as_of, roster_date(as_of), today, template_version(),
        )[:32]  # fmt: skip
        version = versions.get(v.pk, 0)
        key = _digest(
            "village", v.code, as_of_eff, roster_date(as_of), version, v.planned_election_on,
            county.planned_election_on, v.name, v.township.name, county.name, reference.on,
            rule_version(book.rules(county_id=county.pk, on=reference.on)),
            _area_digest(v, as_of=as_of, area_key=area_key), template_version(),
        )  # fmt: skip
        keys[v.pk] = VillageKey(key, area_key, version)
    return keys


def edition_key(*, kind: str, code: str, name: str, as_of: dt.date | None, parts: Iterable[str]) -> str:
    """A township edition: its villages' keys (in any order) and its own names and template."""
    return _digest(
        kind, code, name, as_of or timezone.localdate(), roster_date(as_of), sorted(parts), template_version()
    )


def county_key(*, county_id: int, as_of: dt.date | None) -> str:
    """The county list: every village's data version, the county's rule values on each reference date used."""
    villages = Village.objects.filter(township__county_id=county_id).select_related("township__county")
    rows = list(villages.order_by("pk"))
    versions = data_versions(villages)
    book = RuleBook.load()
    today = timezone.localdate()
    references = set()
    names = []
    for v in rows:
        county = v.township.county
        references.add(reference_from(as_of=as_of, village_planned=v.planned_election_on,
                                      county_planned=county.planned_election_on, today=today).on)  # fmt: skip
        names.append((v.pk, v.name, v.township.name, v.planned_election_on, versions.get(v.pk, 0)))
    rules = [rule_version(book.rules(county_id=county_id, on=on)) for on in sorted(references)]
    county_row = rows[0].township.county if rows else None
    header = (county_row.name, county_row.planned_election_on) if county_row else ()
    return _digest("county", county_id, as_of or today, roster_date(as_of), header, names, rules, template_version())


def stale_filter() -> Q:
    """Jobs whose stored file may be handed out again: finished, with a key and a file."""
    return Q(status="done", cache_key__gt="") & ~Q(file="")
