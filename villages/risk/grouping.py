"""The risk list grouped by village: village-level problems first, each village's person rows folded under it.

A county has hundreds of single-person rows (学历低 alone is about half of a county's list) that would bury the
village-level gaps (no reserve, vacant post, 两低一高 village) in a flat list. Grouping pages villages, ordered by
their village-level problems (most red, then most), villages with person rows only after them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from villages import data_version
from villages.choices import Severity
from villages.models import Risk, Village
from villages.risk.findings import SEVERITY_ORDER, kind_label

RANK: dict[str, int] = {str(severity): rank for severity, rank in SEVERITY_ORDER.items()}


@dataclass
class VillageRisks:
    """One village of the grouped list: its village-level rows, and its person rows (shown folded)."""

    village: Village
    village_rows: list[Risk] = field(default_factory=list)
    person_rows: list[Risk] = field(default_factory=list)

    @property
    def person_summary(self) -> str:
        """'学历低 3、年龄高 1': what the folded person rows are, most frequent first."""
        counts = Counter(kind_label(r.kind) for r in self.person_rows)
        return "、".join(f"{label} {n}" for label, n in counts.most_common())


def villages_by_risk(risks: QuerySet[Risk]) -> QuerySet[Village]:
    """Villages having any of `risks` (already filtered and scoped), village-level problems first: most red
    village-level rows, then most village-level rows, then by code. One query (two subqueries)."""
    village_level = risks.filter(person__isnull=True).values("pk")
    red = risks.filter(person__isnull=True, severity=Severity.RED).values("pk")
    return (
        Village.objects.filter(pk__in=risks.values("village_id"))
        .select_related("township")
        .annotate(
            red_village_rows=Count("risks", filter=Q(risks__in=red)),
            village_rows=Count("risks", filter=Q(risks__in=village_level)),
        )
        .order_by("-red_village_rows", "-village_rows", "code")
    )


def village_order(risks: QuerySet[Risk], *, counties: Iterable[int] | QuerySet | None = None) -> list[int]:
    """The ids of `villages_by_risk(risks)` in their order, kept under the data version and the risks' SQL (the
    order is a function of those rows; the list's total is keyed by the same compiled SQL): the sort counts every
    row of the scope, so a page turn or a second look only slices the kept list. `counties`: the risks are of
    these counties' villages only (kept until a write charged to one of them)."""

    def order() -> list[int]:
        return list(villages_by_risk(risks).values_list("pk", flat=True))

    return data_version.cached("risk-village-order", data_version.query_sql(risks), order, counties=counties)


def villages_in_order(ids: list[int]) -> list[Village]:
    """The villages of one page of `village_order`, in that order. One query."""
    found = Village.objects.select_related("township").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def group_by_village(*, risks: QuerySet[Risk], villages: list[Village]) -> list[VillageRisks]:
    """The rows of `risks` in the given villages (one page of `villages_by_risk`), grouped in that order; inside a
    village red before amber, then by type and name. One query."""
    groups = {v.pk: VillageRisks(v) for v in villages}
    rows = risks.filter(village__in=list(groups)).select_related("person", "owner").order_by()
    for row in sorted(rows, key=lambda r: (-RANK[r.severity], r.kind, r.person.name if r.person else "")):
        row.village = groups[row.village_id].village
        bucket = groups[row.village_id]
        (bucket.person_rows if row.person_id else bucket.village_rows).append(row)
    return list(groups.values())
