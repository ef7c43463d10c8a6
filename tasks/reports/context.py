"""Everything the village report (换届前村情报告, docs/domain.md §7) prints, gathered in a fixed number of queries.

The rules, structure figures and succession seats come from their own modules (villages/risk/,
villages/structure.py, reserves/succession.py), so the report can never disagree with the web pages.
`slate` is an optional section another module may fill (a saved slate printed with the report).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet, TextChoices

from reserves.choices import ReserveStatus
from reserves.models import Enrollment, Reserve
from reserves.succession import VillageSuccession, village_succession
from villages.charts import Bar, bar_chart
from villages.choices import (
    ACTING_HOWS,
    Gender,
    Grade,
    Health,
    How,
    PoliticalStatus,
    Post,
    Severity,
)
from villages.education import person_education
from villages.models import Assessment, Person, PostAssignment, Village
from villages.risk import Evaluation, Finding, RuleResult, evaluations_for_villages, reference_date
from villages.rules import RuleSet, rules_for
from villages.structure import Stats, aggregate_stats, roster_date, structure_profile

POST_ORDER = {post: index for index, post in enumerate(Post.values)}
CHART_WIDTH = 330


@dataclass
class RosterRow:
    """One person in the village's current posts (一肩挑 shows as one row with both posts)."""

    person_id: int
    name: str
    gender: str
    id_masked: str
    age: int
    education: str
    political_status: str
    posts: list[str] = field(default_factory=list)
    hows: list[str] = field(default_factory=list)
    in_committee: bool = False
    latest_grade: str = ""
    health: str = ""
    able_to_serve: bool = True
    flags: list[Finding] = field(default_factory=list)
    group: str = ""
    sort_key: int = 10**9


@dataclass
class ComparisonRow:
    label: str
    village: str
    township: str
    county: str


@dataclass(frozen=True)
class GapRow:
    kind_label: str
    severity: str
    post: str
    detail: str


@dataclass
class ReserveRow:
    reserve: Reserve
    age: int
    education: str
    training: list[Enrollment]


@dataclass
class VillageReport:
    village: Village
    data_as_of: dt.date
    reference_on: dt.date
    committee: list[RosterRow]
    group_leaders: list[RosterRow]
    age_chart: str
    education_chart: str
    rule_results: list[RuleResult]
    gaps: list[GapRow]
    succession: VillageSuccession
    reserves: list[ReserveRow]
    comparison: list[ComparisonRow]
    stats: Stats
    slate: object | None = None  # filled by the slate module when a saved slate is printed with the report

    @property
    def election_on(self) -> dt.date | None:
        return self.village.planned_election_on or self.village.township.county.planned_election_on

    @property
    def red_gaps(self) -> int:
        return sum(1 for g in self.gaps if g.severity == Severity.RED)

    def printed_texts(self) -> list[tuple[str, str]]:
        """(label, text) of every name printed, for the glyph coverage check."""
        texts = [("村名", self.village.name), ("乡镇", self.village.township.name)]
        texts += [(f"姓名“{row.name}”", row.name) for row in self.committee + self.group_leaders]
        for row in self.reserves:
            texts.append((f"后备干部“{row.reserve.person.name}”", row.reserve.person.name))
            if row.reserve.mentor:
                texts.append((f"帮带人“{row.reserve.mentor.name}”", row.reserve.mentor.name))
            texts += [("培养措施", m.description) for m in row.reserve.measures.all()]
            texts += [("培训班", e.training_class.name) for e in row.training]
        texts += [("合并前村", p.name) for p in self.village.predecessors.all()]
        return texts


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _education(person: Person, rules: RuleSet) -> str:
    """The education printed: degrees held, and a course under way as the county's rule counts it (大学专科（在读）,
    or 初中（大学专科在读） when it does not count): villages/education.py, the one place that says so."""
    return person_education(person, rules=rules).label


def _roster(
    *, village: Village, on: dt.date, evaluation: Evaluation, as_of: dt.date | None, rules: RuleSet
) -> list[RosterRow]:
    latest = Assessment.objects.order_by("-year")
    assignments = (
        PostAssignment.objects.current(roster_date(as_of))
        .filter(village=village, person__deleted_at__isnull=True)
        .select_related("person", "group")
        .prefetch_related(Prefetch("person__assessments", queryset=latest))
    )
    rows: dict[int, RosterRow] = {}
    for a in assignments:
        person = a.person
        row = rows.get(person.pk)
        if row is None:
            grades = list(person.assessments.all())
            row = rows[person.pk] = RosterRow(
                person_id=person.pk,
                name=person.name,
                gender=_label(Gender, person.gender),
                id_masked=person.id_number_masked,
                age=person.age_on(on),
                education=_education(person, rules),
                political_status=_label(PoliticalStatus, person.political_status),
                latest_grade=f"{grades[0].year} {_label(Grade, grades[0].grade)}" if grades else "",
                health=_label(Health, person.health),
                able_to_serve=person.able_to_serve,
                flags=evaluation.person_flags.get(person.pk, []),
            )
        row.posts.append(f"{a.group}社长" if a.post == Post.GROUP_LEADER else _label(Post, a.post))
        if a.how in ACTING_HOWS:
            row.hows.append(_label(How, a.how))
        row.in_committee = row.in_committee or a.post != Post.GROUP_LEADER
        if a.post == Post.GROUP_LEADER:
            row.group = str(a.group)
        row.sort_key = min(row.sort_key, POST_ORDER[a.post] * 1000 + (a.group.number if a.group is not None else 0))
    return sorted(rows.values(), key=lambda r: (r.sort_key, r.name))


def _reserves(*, village: Village, on: dt.date, rules: RuleSet) -> list[ReserveRow]:
    reserves = list(
        Reserve.objects.filter(village=village, status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True)
        .select_related("person", "mentor")
        .prefetch_related("measures")
        .order_by("target_post", "rank", "pk")
    )
    training: dict[int, list[Enrollment]] = defaultdict(list)
    enrollments = Enrollment.objects.filter(person__in=[r.person_id for r in reserves]).select_related("training_class")
    for enrollment in enrollments.order_by("training_class__starts_on"):
        training[enrollment.person_id].append(enrollment)
    return [
        ReserveRow(
            reserve=r,
            age=r.person.age_on(on),
            education=_education(r.person, rules),
            training=training[r.person_id],
        )
        for r in sorted(reserves, key=lambda r: (POST_ORDER.get(r.target_post, 99), r.rank, r.pk))
    ]


def _fmt(value: object, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def _share(count: int, share: object) -> str:
    return f"{count}（{_fmt(share, '%')}）"


def _area_stats(*, village: Village, as_of: dt.date | None) -> tuple[Stats, Stats]:
    """Township and county averages, cached for REPORT_COMPARISON_CACHE_SECONDS.

    They are the costliest part of a report (every member of the county) and identical for all villages of a
    township batch; a minute-old average is fine for a comparison column. The village's own figures are live.
    """
    key = f"reports:area-stats:{village.township_id}:{as_of}:{roster_date(as_of)}"
    cached = cache.get(key)
    if cached is None:
        township = aggregate_stats(villages=Village.objects.filter(township_id=village.township_id), as_of=as_of)
        county_villages = Village.objects.filter(township__county_id=village.township.county_id)
        cached = (township, aggregate_stats(villages=county_villages, as_of=as_of))
        cache.set(key, cached, settings.REPORT_COMPARISON_CACHE_SECONDS)
    return cached


def _comparison(*, village: Village, own: Stats, as_of: dt.date | None) -> list[ComparisonRow]:
    columns = (own, *_area_stats(village=village, as_of=as_of))
    lines = [
        ("两委成员人数", lambda s: str(s.members)),
        ("平均年龄（岁）", lambda s: _fmt(s.average_age)),
        ("60岁及以上", lambda s: _share(s.aged_60_plus, s.share_aged_60_plus)),
        ("35岁及以下", lambda s: _share(s.aged_35_or_under, s.share_aged_35_or_under)),
        ("初中及以下学历", lambda s: _share(s.junior_high_or_below, s.share_junior_high_or_below)),
        ("大专及以上学历", lambda s: _share(s.associate_or_above, s.share_associate_or_above)),
        ("女性", lambda s: _share(s.women, s.share_women)),
    ]
    return [ComparisonRow(label, *(fn(s) for s in columns)) for label, fn in lines]


def _gaps(evaluation: Evaluation) -> list[GapRow]:
    """Village-level findings (succession gaps), red first."""
    gaps = sorted(
        (f for f in evaluation.findings if f.person_id is None), key=lambda f: (f.severity != Severity.RED, f.kind)
    )
    return [GapRow(f.kind_label, f.severity, _label(Post, f.post) if f.post else "", f.detail) for f in gaps]


def _chart(title: str, bands: list[tuple[str, int]]) -> str:
    return bar_chart(title=title, bars=[Bar(label, value) for label, value in bands], width=CHART_WIDTH, bold=False)


def village_report(*, village: Village, as_of: dt.date | None = None) -> VillageReport:
    """All data of one village's report. `as_of` None: today's roster, ages at the planned election date."""
    village = Village.objects.with_units().prefetch_related("predecessors", "groups").get(pk=village.pk)
    one: QuerySet[Village] = Village.objects.filter(pk=village.pk)
    on = reference_date(village, as_of=as_of)
    evaluation = evaluations_for_villages(villages=one, as_of=as_of)[village.pk]
    rules = rules_for(county_id=village.township.county_id, on=on)
    roster = _roster(village=village, on=on, evaluation=evaluation, as_of=as_of, rules=rules)
    stats, ages, educations = structure_profile(villages=one, as_of=as_of)  # one query for the three
    return VillageReport(
        village=village,
        data_as_of=roster_date(as_of),
        reference_on=on,
        committee=[r for r in roster if r.in_committee],
        group_leaders=[r for r in roster if not r.in_committee],
        age_chart=_chart("两委成员年龄结构", ages),
        education_chart=_chart("两委成员学历结构", educations),
        rule_results=evaluation.rule_results,
        gaps=_gaps(evaluation),
        succession=village_succession(village=village, on=on),
        reserves=_reserves(village=village, on=on, rules=rules),
        comparison=_comparison(village=village, own=stats, as_of=as_of),
        stats=stats,
    )
