"""Everything the village report (换届前村情报告, docs/domain.md §7) prints, gathered in a fixed number of queries.

The rules, structure figures and succession seats come from their own modules (villages/risk/,
villages/structure.py, villages/reference.py, reserves/succession.py), so the report can never disagree with the
web pages. Each section holds what it is about and nothing else (`structure.roster_section`):
- 两委: exactly the people holding a 两委 post (other posts they hold are listed as 兼任), judged by the 两委 rules;
- 监委会 and 第一书记: their own tables, no 两委 rule applies to them;
- 社长: one row per 社 of the village (vacant ones too), judged by the 社长 rules, whatever else the 社长 holds.
Every person flag is printed with its reason (post, age on the reference date, threshold), the rule value and its
文号; the reference date is printed with its source; the red/yellow counts are `villages.risk.severity_counts`.
`slate` is an optional section another module may fill (a saved slate printed with the report).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet, TextChoices

from reserves.choices import ReserveStatus
from reserves.models import Enrollment, Reserve
from reserves.succession import VillageSuccession, village_succession
from tasks.reports.typography import Terms, term_pattern
from villages.charts import Bar, bar_chart
from villages.choices import ACTING_HOWS, Gender, Grade, Health, How, PoliticalStatus, Post
from villages.education import person_education
from villages.models import Assessment, Group, Person, PostAssignment, Village
from villages.reference import ReferenceDate, reference_of, roster_date
from villages.risk import (
    FIXED_RULE_TEXT,
    RULE_KEYS_OF_KIND,
    SEVERITY_COUNT_CAPTION,
    Evaluation,
    Finding,
    RuleResult,
    SeatFacts,
    SeverityCounts,
    evaluations_for_villages,
    person_findings,
)
from villages.rules import RULE_SPECS, RuleSet, display_value, rules_for
from villages.structure import RosterSection, Stats, aggregate_stats, roster_section, structure_profile

POST_ORDER = {post: index for index, post in enumerate(Post.values)}
CHART_WIDTH = 300
BUILT_IN_BASIS = "规则内置，无可调取值"
SCOPE_LABELS = {"county": "区县规则值", "city": "市级默认值", "code": "系统默认值"}
# The rule values the report's flags and checks read (the reserve-eligibility and confirmation values are not).
REPORT_RULE_KEYS = [key for key in RULE_SPECS if any(key in keys for keys in RULE_KEYS_OF_KIND.values())]


@dataclass(frozen=True)
class RuleBasis:
    """One rule value a report relies on: what it says, its value, and the document (文号) behind it."""

    key: str
    label: str
    value: str
    document_number: str
    effective_on: dt.date | None
    scope: str

    @property
    def text(self) -> str:
        return f"{self.label}：{self.value}"

    @property
    def source(self) -> str:
        since = f" · {self.effective_on:%Y-%m-%d}起" if self.effective_on else ""
        return f"{self.document_number} · {SCOPE_LABELS.get(self.scope, self.scope)}{since}"


@dataclass(frozen=True)
class FlagRow:
    """A person flag as printed: who, on which post, why (age on the reference date, threshold), rule, 文号."""

    name: str
    label: str
    severity: str
    reason: str
    rules: tuple[str, ...]  # "rule label：value（文号）"


@dataclass
class RosterRow:
    """One person in one section of the village's current posts (一肩挑 shows as one row with both posts)."""

    person_id: int
    name: str
    gender: str
    id_masked: str
    age: int
    education: str
    political_status: str
    posts: list[str] = field(default_factory=list)  # the posts of this section
    also: list[str] = field(default_factory=list)  # posts held in other sections (兼任)
    hows: list[str] = field(default_factory=list)
    latest_grade: str = ""
    health: str = ""
    able_to_serve: bool = True
    flags: list[Finding] = field(default_factory=list)
    sort_key: int = 10**9
    group_ids: list[int] = field(default_factory=list)  # the 社 this person leads


@dataclass
class GroupRow:
    """One 社 and its 社长 (None: vacant)."""

    label: str
    leader: RosterRow | None


@dataclass
class ComparisonRow:
    label: str
    village: str
    township: str
    county: str


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
    reference: ReferenceDate
    committee: list[RosterRow]
    supervision: list[RosterRow]
    first_secretaries: list[RosterRow]
    groups: list[GroupRow]
    committee_flags: list[FlagRow]
    group_leader_flags: list[FlagRow]
    age_chart: str
    education_chart: str
    rule_results: list[RuleResult]
    rule_rows: list[tuple[RuleResult, str]]
    basis: list[RuleBasis]
    counts: SeverityCounts
    succession: VillageSuccession
    reserves: list[ReserveRow]
    comparison: list[ComparisonRow]
    stats: Stats
    count_caption: str = SEVERITY_COUNT_CAPTION
    slate: object | None = None  # filled by the slate module when a saved slate is printed with the report

    @property
    def reference_on(self) -> dt.date:
        return self.reference.on

    @property
    def election_on(self) -> dt.date | None:
        return self.village.planned_election_on or self.village.township.county.planned_election_on

    @property
    def group_leaders(self) -> list[RosterRow]:
        return [g.leader for g in self.groups if g.leader is not None]

    @functools.cached_property
    def term_pattern(self) -> Terms:
        people = [r.name for r in self.committee + self.supervision + self.first_secretaries + self.group_leaders]
        return term_pattern([*people, self.village.name, self.village.township.name])

    def printed_texts(self) -> list[tuple[str, str]]:
        """(label, text) of every name printed, for the glyph coverage check."""
        texts = [("村名", self.village.name), ("乡镇", self.village.township.name)]
        people = self.committee + self.supervision + self.first_secretaries + self.group_leaders
        texts += [(f"姓名“{row.name}”", row.name) for row in people]
        for row in self.reserves:
            texts.append((f"后备干部“{row.reserve.person.name}”", row.reserve.person.name))
            if row.reserve.mentor:
                texts.append((f"帮带人“{row.reserve.mentor.name}”", row.reserve.mentor.name))
            texts += [("培养措施", m.description) for m in row.reserve.measures.all()]
            texts += [("培训班", e.training_class.name) for e in row.training]
        texts += [("合并前村", p.name) for p in self.village.predecessors.all()]
        texts += [("文号", b.document_number) for b in self.basis]
        return texts


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _education(person: Person, rules: RuleSet, *, committee: bool = False) -> str:
    """The education printed (villages/education.py, the one place that says so): for reserves, a course under way
    as the county's rule counts it (大学专科（在读）, or 初中（大学专科在读） when it does not count); in the roster's
    sections the degrees held with the course beside them (初中（大学专科在读）), because the committee's figures and
    its 学历低 flag count degrees held."""
    counted = person_education(person, rules=rules)
    return counted.held_label if committee else counted.label


def rule_basis(rules: RuleSet, keys: tuple[str, ...] | list[str] | None = None) -> list[RuleBasis]:
    """The rule values (with 文号, effective date and scope) of `keys` (all rules when None)."""
    rows = []
    for key in keys if keys is not None else RULE_SPECS:
        source = rules.sources.get(key)
        value = display_value(key, getattr(rules, key))
        document = source.document_number if source else "默认值（未经文件核实）"
        rows.append(
            RuleBasis(
                key,
                rules.label(key),
                value,
                document,
                source.effective_on if source else None,
                source.scope if source else "code",
            )
        )
    return rows


def flag_row(name: str, finding: Finding, rules: RuleSet) -> FlagRow:
    basis = rule_basis(rules, list(finding.keys))
    texts = tuple(f"{b.text}（{b.document_number}）" for b in basis)
    if not texts:
        texts = (f"{FIXED_RULE_TEXT.get(finding.kind, finding.kind_label)}（{BUILT_IN_BASIS}）",)
    return FlagRow(name, finding.kind_label, finding.severity, finding.detail, texts)


def _section_flags(seats: list[SeatFacts], section: RosterSection, rules: RuleSet) -> dict[int, list[Finding]]:
    """Person flags judged on the posts of one section only (a 两委 member who is also 社长 is judged as a member
    in the 两委 table and as 社长 in the 社长 table), by the risk engine's own person rule."""
    by_person: dict[int, list[SeatFacts]] = defaultdict(list)
    for seat in seats:
        if roster_section(seat.post) == section:
            by_person[seat.person_id].append(seat)
    return {pid: flags for pid, person_seats in by_person.items() if (flags := person_findings(person_seats, rules))}


def _post_label(assignment: PostAssignment) -> str:
    if assignment.post == Post.GROUP_LEADER:
        return f"{assignment.group}社长"
    return _label(Post, assignment.post)


def _roster(
    *, village: Village, on: dt.date, as_of: dt.date | None, rules: RuleSet
) -> dict[RosterSection, dict[int, RosterRow]]:
    """Current posts of the village, one row per person and section (one query)."""
    latest = Assessment.objects.order_by("-year")
    assignments = (
        PostAssignment.objects.current(roster_date(as_of))
        .filter(village=village, person__deleted_at__isnull=True)
        .select_related("person", "group")
        .prefetch_related(Prefetch("person__assessments", queryset=latest))
    )
    sections: dict[RosterSection, dict[int, RosterRow]] = defaultdict(dict)
    held: dict[int, list[tuple[RosterSection, str]]] = defaultdict(list)
    for a in sorted(assignments, key=lambda a: (POST_ORDER[a.post], a.group_number or 0, a.pk)):
        person, section = a.person, roster_section(a.post)
        held[person.pk].append((section, _post_label(a)))
        row = sections[section].get(person.pk)
        if row is None:
            grades = list(person.assessments.all())
            row = sections[section][person.pk] = RosterRow(
                person_id=person.pk,
                name=person.name,
                gender=_label(Gender, person.gender),
                id_masked=person.id_number_masked,
                age=person.age_on(on),
                education=_education(person, rules, committee=True),
                political_status=_label(PoliticalStatus, person.political_status),
                latest_grade=f"{grades[0].year} {_label(Grade, grades[0].grade)}" if grades else "",
                health=_label(Health, person.health),
                able_to_serve=person.able_to_serve,
                sort_key=POST_ORDER[a.post],
            )
        row.posts.append(_post_label(a))
        if a.post == Post.GROUP_LEADER and a.group_id:
            row.group_ids.append(a.group_id)
        if a.how in ACTING_HOWS:
            row.hows.append(_label(How, a.how))
    for section, rows in sections.items():
        for pid, row in rows.items():
            row.also = [label for other, label in held[pid] if other != section]
    return sections


def _groups(village: Village, leaders: dict[int, RosterRow]) -> list[GroupRow]:
    """Every 社 of the village with its 社长 (a 社长 holding other posts is listed too; vacant 社 say so)."""
    by_group: dict[int, RosterRow] = {gid: row for row in leaders.values() for gid in row.group_ids}
    groups: list[Group] = list(village.groups.all())
    rows = [GroupRow(str(g), by_group.get(g.pk)) for g in groups]
    known = {g.pk for g in groups}
    rows += [GroupRow("（社未登记）", row) for gid, row in by_group.items() if gid not in known]
    return rows


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


def area_stats(*, village: Village, as_of: dt.date | None, cache_key: str = "") -> tuple[Stats, Stats]:
    """Township and county figures of the comparison columns (two aggregate queries).

    With `cache_key` (tasks/reports/versions.py: the data versions of the township's and county's villages, so a
    change anywhere in them gives a new key) they are computed once and shared by every report of the township.
    """
    cached = cache.get(cache_key) if cache_key else None
    if cached is None:
        township = aggregate_stats(villages=Village.objects.filter(township_id=village.township_id), as_of=as_of)
        county_villages = Village.objects.filter(township__county_id=village.township.county_id)
        cached = (township, aggregate_stats(villages=county_villages, as_of=as_of))
        if cache_key:
            cache.set(cache_key, cached, 3600)
    return cached


def _comparison(own: Stats, area: tuple[Stats, Stats]) -> list[ComparisonRow]:
    columns = (own, *area)
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


def _chart(title: str, bands: list[tuple[str, int]]) -> str:
    return bar_chart(title=title, bars=[Bar(label, value) for label, value in bands], width=CHART_WIDTH, bold=False)


def _rule_rows(evaluation: Evaluation, rules: RuleSet) -> list[tuple[RuleResult, str]]:
    """Each village rule's result with the rule values it used and their 文号."""
    kinds = {f.kind: f for f in evaluation.findings if f.is_gap}
    rows = []
    for result in evaluation.rule_results:
        finding = kinds.get(result.key) or Finding(result.key, "", "")
        basis = rule_basis(rules, list(finding.keys))
        text = "；".join(f"{b.text}（{b.document_number}）" for b in basis)
        text = text or f"{FIXED_RULE_TEXT.get(result.key, '')}（{BUILT_IN_BASIS}）"
        rows.append((result, text))
    return rows


def village_report(*, village: Village, as_of: dt.date | None = None, area_key: str = "") -> VillageReport:
    """All data of one village's report. `as_of` None: today's roster, ages at the village's reference date."""
    village = Village.objects.with_units().prefetch_related("predecessors", "groups").get(pk=village.pk)
    one: QuerySet[Village] = Village.objects.filter(pk=village.pk)
    reference = reference_of(village, as_of=as_of)
    evaluation = evaluations_for_villages(villages=one, as_of=as_of)[village.pk]
    # The rule values the engine judged by (those in force on the reference date, with their 文号).
    rules = evaluation.rules or rules_for(county_id=village.township.county_id, on=reference.on)
    sections = _roster(village=village, on=reference.on, as_of=as_of, rules=rules)
    committee_flags = _section_flags(evaluation.seats, RosterSection.COMMITTEE, rules)
    leader_flags = _section_flags(evaluation.seats, RosterSection.GROUP_LEADER, rules)
    for pid, row in sections[RosterSection.COMMITTEE].items():
        row.flags = committee_flags.get(pid, [])
    leaders = sections[RosterSection.GROUP_LEADER]
    for pid, row in leaders.items():
        row.flags = leader_flags.get(pid, [])
    groups = _groups(village, leaders)
    _, ages, educations = structure_profile(villages=one, as_of=as_of)  # the bands, in one query
    committee = sorted(sections[RosterSection.COMMITTEE].values(), key=lambda r: (r.sort_key, r.name))
    return VillageReport(
        village=village,
        data_as_of=roster_date(as_of),
        reference=reference,
        committee=committee,
        supervision=sorted(sections[RosterSection.SUPERVISION].values(), key=lambda r: (r.sort_key, r.name)),
        first_secretaries=list(sections[RosterSection.FIRST_SECRETARY].values()),
        groups=groups,
        committee_flags=[flag_row(r.name, f, rules) for r in committee for f in r.flags],
        group_leader_flags=[flag_row(g.leader.name, f, rules) for g in groups if g.leader for f in g.leader.flags],
        age_chart=_chart("两委成员年龄结构", ages),
        education_chart=_chart("两委成员学历结构", educations),
        rule_results=evaluation.rule_results,
        rule_rows=_rule_rows(evaluation, rules),
        basis=rule_basis(rules, REPORT_RULE_KEYS),
        counts=evaluation.counts,
        succession=village_succession(village=village, on=reference.on),
        reserves=_reserves(village=village, on=reference.on, rules=rules),
        comparison=_comparison(evaluation.stats, area_stats(village=village, as_of=as_of, cache_key=area_key)),
        stats=evaluation.stats,
    )
