"""The county edition's figures: each village's red/yellow counts and failed rules (the risk engine's, counted
by `villages.risk.severity_counts`), summed by township and by rule, secretary-reserve coverage, the ranking.

One evaluation of every village of the county (a fixed number of queries); the same numbers as the village
reports, the township and county pages and the dashboards.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tasks.reports.context import rule_basis
from tasks.reports.facts import basis_summary, plain
from villages.choices import VillageFlag
from villages.models import County, Township, Village
from villages.reference import common_caption
from villages.risk import Evaluation, SeverityCounts, evaluations_for_villages
from villages.structure import percent

SHORT_LABELS: dict[str, str] = {
    VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE: "两低一高",
    VillageFlag.NO_YOUNG_MEMBER: "无年轻成员",
    VillageFlag.SECRETARY_OVER_AGE_AT_ELECTION: "书记超龄",
    VillageFlag.NO_SECRETARY_RESERVE: "书记无后备",
    VillageFlag.RESERVE_SHORTFALL: "后备不足",
    VillageFlag.VACANT_OR_ACTING_POST: "空缺代理",
    VillageFlag.NO_NEW_PARTY_MEMBER: "未发展党员",
    VillageFlag.GROUP_LEADERS_UNABLE: "社长难履职",
    VillageFlag.NO_WOMAN_ON_COMMITTEE: "无女性",
}
HEAD_LINES: dict[str, tuple[str, str]] = {
    "两低一高": ("两低", "一高"),
    "无年轻成员": ("无年轻", "成员"),
    "书记超龄": ("书记", "超龄"),
    "书记无后备": ("书记", "无后备"),
    "后备不足": ("后备", "不足"),
    "空缺代理": ("空缺", "代理"),
    "未发展党员": ("未发展", "党员"),
    "社长难履职": ("社长", "难履职"),
    "无女性": ("无", "女性"),
}
TOP = 20


@dataclass
class VillageRank:
    village: Village
    counts: SeverityCounts
    failed: dict[str, str]  # rule key → severity
    covered: bool  # has an active reserve targeted at the secretary post
    members: int
    average_age: Decimal | None
    reserves: int
    rank: int = 0

    @property
    def failed_labels(self) -> list[str]:
        return [SHORT_LABELS[k] for k in SHORT_LABELS if k in self.failed]

    @property
    def sort_key(self) -> tuple:
        return (-self.counts.red, -self.counts.amber, self.village.code)


@dataclass
class TownshipSummary:
    township: Township
    villages: list[VillageRank] = field(default_factory=list)

    @property
    def counts(self) -> SeverityCounts:
        return sum((v.counts for v in self.villages), SeverityCounts())

    @property
    def red_villages(self) -> int:
        return sum(1 for v in self.villages if v.counts.red)

    @property
    def covered(self) -> int:
        return sum(v.covered for v in self.villages)

    @property
    def coverage(self) -> str:
        return f"{self.covered}/{len(self.villages)}（{percent(self.covered, len(self.villages)) or 0}%）"

    def by_flag(self) -> list[tuple[int, int]]:
        """(red, amber) villages per rule, in SHORT_LABELS order."""
        cells = []
        for key in SHORT_LABELS:
            severities = Counter(v.failed[key] for v in self.villages if key in v.failed)
            cells.append((severities["red"], severities["amber"]))
        return cells


@dataclass
class CountySummary:
    county: County
    townships: list[TownshipSummary]
    ranked: list[VillageRank]
    reference_caption: str
    rule_basis: str

    @property
    def flag_labels(self) -> list[tuple[str, str]]:
        """Column heads in two short lines (a term is split only where the wording allows)."""
        return [HEAD_LINES[label] for label in SHORT_LABELS.values()]

    @property
    def villages(self) -> int:
        return len(self.ranked)

    @property
    def counts(self) -> SeverityCounts:
        return sum((t.counts for t in self.townships), SeverityCounts())

    @property
    def red_villages(self) -> int:
        return sum(t.red_villages for t in self.townships)

    @property
    def covered(self) -> int:
        return sum(t.covered for t in self.townships)

    @property
    def coverage(self) -> str:
        return f"{self.covered}/{self.villages}（{percent(self.covered, self.villages) or 0}%）"

    @property
    def top(self) -> list[VillageRank]:
        return [v for v in self.ranked[:TOP] if v.counts.total]

    def by_flag(self) -> list[tuple[int, int]]:
        cells = [(0, 0)] * len(SHORT_LABELS)
        for township in self.townships:
            cells = [(r + tr, a + ta) for (r, a), (tr, ta) in zip(cells, township.by_flag(), strict=True)]
        return cells

    def facts(self) -> dict[str, Any]:
        """The content record (tasks/reports/facts.py) of the county edition."""
        return plain({
            "区县": self.county.name,
            "年龄基准日": self.reference_caption,
            "合计": {"村数": self.villages, "红色": self.counts.red, "黄色": self.counts.amber,
                   "书记后备覆盖": self.coverage},
            "各村": {v.village.code: [v.counts.red, v.counts.amber, sorted(v.failed.items()), v.covered, v.members,
                                     str(v.average_age), v.reserves] for v in self.ranked},
            "规则依据": self.rule_basis,
        })  # fmt: skip


def _rank(village: Village, evaluation: Evaluation) -> VillageRank:
    failed = {f.kind: f.severity for f in evaluation.gaps}
    covered = not any(r.key == VillageFlag.NO_SECRETARY_RESERVE and not r.passed for r in evaluation.rule_results)
    stats = evaluation.stats
    return VillageRank(village, evaluation.counts, failed, covered, stats.members, stats.average_age,
                       evaluation.active_reserves)  # fmt: skip


def county_summary(*, county: County, as_of: dt.date | None) -> CountySummary:
    villages = Village.objects.filter(township__county=county).select_related("township")
    evaluations = evaluations_for_villages(villages=villages, as_of=as_of)
    townships: dict[int, TownshipSummary] = {}
    ranks = []
    for village in villages.order_by("township__code", "code"):
        rank = _rank(village, evaluations[village.pk])
        townships.setdefault(village.township_id, TownshipSummary(village.township)).villages.append(rank)
        ranks.append(rank)
    ranks.sort(key=lambda r: r.sort_key)
    for number, rank in enumerate(ranks, start=1):
        rank.rank = number
    for township in townships.values():
        township.villages.sort(key=lambda r: r.sort_key)
    references = [e.reference for e in evaluations.values() if e.reference is not None]
    rules = next((e.rules for e in evaluations.values() if e.rules is not None), None)
    basis = basis_summary(rule_basis(rules), county=county.name) if rules is not None else "—"
    return CountySummary(county, list(townships.values()), ranks, common_caption(references), basis)
