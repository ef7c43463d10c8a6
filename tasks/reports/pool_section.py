"""The county report's 后备队伍 section (a separate include, `reports/_pool_section.html`): per township the pool's
structure and secretary-reserve coverage, the county's pool → 两委 per cycle, the talent funnel and the committee's
大专及以上 share today and projected on the election date. Definitions: reserves/pool.py, reserves/education.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reserves.education import EducationProjection, combined_projection, education_projection
from reserves.outcomes import Rate, coverage_by_township
from reserves.pool import PoolFigures, PoolStructure, pool_figures
from villages.models import County, Village


@dataclass(frozen=True)
class TownshipPoolRow:
    code: str
    name: str
    structure: PoolStructure
    coverage: Rate
    projection: EducationProjection


@dataclass(frozen=True)
class PoolSection:
    figures: PoolFigures
    projection: EducationProjection
    rows: list[TownshipPoolRow]


def pool_section_context(*, county: County, as_of: dt.date | None = None) -> dict[str, PoolSection]:
    """`{"pool_section": ...}` for the county edition's context (about a dozen queries, whatever the county's size)."""
    villages = Village.objects.filter(township__county=county)
    figures = pool_figures(villages=villages, child="township", on=as_of)
    structures = {code: structure for code, _, structure in figures.by_child}
    coverage = {t.code: rate for t, rate in coverage_by_township(villages=villages)}
    projection = education_projection(villages=villages, level="township")
    rows = [
        TownshipPoolRow(p.code, p.name, structures.get(p.code, PoolStructure()), coverage.get(p.code, Rate(0, 0)), p)
        for p in projection
    ]
    total = combined_projection(projection, code=county.code, name=county.name)
    return {"pool_section": PoolSection(figures=figures, projection=total, rows=rows)}
