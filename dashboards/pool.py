"""The dashboards' 后备队伍 card: pool structure, secretary-reserve coverage, pool → 两委 per cycle, the talent pool and
the committee's projected 大专及以上 share, each number with the list behind it (`Drill`).

The numbers come from reserves/pool.py and reserves/education.py (the same definitions as the pool page); this
module only picks what the card shows and where each number drills down to. About a dozen queries, whatever the
scope's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.drills import Drill
from dashboards.figures import DashboardScope
from reserves.education import EducationProjection, combined_projection, education_projection
from reserves.pool import CycleConversion, PoolFigures, pool_figures

# The province's card breaks down by county too (the pool figures know no city level).
CHILD = {"province": "county", "city": "county", "county": "township", "township": "village"}


@dataclass(frozen=True)
class PoolCard:
    figures: PoolFigures
    projection: EducationProjection
    drills: dict[str, Drill]

    @property
    def not_counting(self) -> int:
        return self.figures.structure.reserves - self.figures.structure.counting

    @property
    def latest_conversion(self) -> CycleConversion | None:
        return self.figures.conversions[-1] if self.figures.conversions else None


def _drills(scope: DashboardScope) -> dict[str, Drill]:
    if scope.level == "province":
        # The pool pages' top level is the user's whole scope: the province for a province admin.
        page, reserves, students = (Drill(f"reserves:{n}_city") for n in ("pool", "pool_reserves", "pool_students"))
    else:
        args = (scope.level, scope.params[scope.level])  # a city's, county's or township's pages
        page, reserves, students = (
            Drill(f"reserves:{n}", args=args) for n in ("pool", "pool_reserves", "pool_students")
        )
    return {
        "page": page,
        "reserves": reserves,
        "young": reserves.with_params(young="on"),
        "associate": reserves.with_params(associate="on"),
        "women": reserves.with_params(women="on"),
        "not_counting": reserves.with_params(not_counting="on"),
        "students": students,
        "talents": Drill("reserves:talents").with_params(**scope.params, status="in_pool"),
    }


def pool_card(*, scope: DashboardScope) -> PoolCard:
    """The card's numbers for a dashboard scope (province, city, county or township)."""
    child = CHILD[scope.level]
    projection = education_projection(villages=scope.villages, level=child)
    return PoolCard(
        figures=pool_figures(villages=scope.villages, child=child),
        projection=combined_projection(projection, name=scope.label),
        drills=_drills(scope),
    )
