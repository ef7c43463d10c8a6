"""两低一高 person flags, village succession gaps, and the Risk work queue they feed (DOMAIN.md §5).

One rule engine, two entry points:
- bulk (`findings_for_villages`, `person_flags_for`, `recompute_risks`): a fixed handful of queries whatever the
  number of villages. SQL does the per-row arithmetic (周岁 at each village's reference date, highest education
  rank, latest assessment grade, reserve counts, last vacancy dates); the thresholds are then applied to those rows
  by the functions below.
- hypothetical (`evaluate_committee`): a proposed committee (slate simulation) goes through the very same rule
  functions, so a slate and the real roster can never be judged differently.

Reference date: an explicit `as_of`, else the village's planned election date, else its county's, else today.
Rule values are those in force for the village's county on its reference date (villages/rules.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from villages.choices import (
    ACTING_HOWS,
    COMMITTEE_POSTS,
    EDUCATION_RANK,
    KEY_POSTS,
    LEADER_POSTS,
    ORGAN_OF_POST,
    Education,
    Gender,
    Grade,
    Health,
    Organ,
    PersonFlag,
    Post,
    QualityRating,
    ReviewStatus,
    Severity,
    VillageFlag,
)
from villages.models import Assessment, Person, PostAssignment, Risk, Village, age_on
from villages.rules import EDUCATION_OF_RANK, RuleBook, RuleSet, display_value, rules_for
from villages.structure import Stats, annotated_seats, percent, roster_date

AUTO_CLOSE_NOTE = "数据已不支持该风险（自动关闭）"
REOPEN_NOTE = "数据再次支持该风险，已自动重新打开"
FLAGGED_POSTS: frozenset[str] = COMMITTEE_POSTS | {Post.GROUP_LEADER}
# 村委会 proper (the clerk sits with the committee for the ratios but is not an elected member).
VILLAGE_COMMITTEE_POSTS: frozenset[str] = frozenset(
    p for p, organ in ORGAN_OF_POST.items() if organ == Organ.COMMITTEE and p != Post.CLERK
)
LOW_GRADES: frozenset[str] = frozenset({Grade.BASICALLY_COMPETENT, Grade.INCOMPETENT})
SEVERITY_ORDER = {Severity.AMBER: 1, Severity.RED: 2}
# Plain dicts: enum construction per row (Post(value).label) is measurably slow over a whole city.
POST_LABELS: dict[str, str] = dict(Post.choices)
EDUCATION_LABELS: dict[str, str] = dict(Education.choices)
GRADE_LABELS: dict[str, str] = dict(Grade.choices)
HEALTH_LABELS: dict[str, str] = dict(Health.choices)


def _unable_cause(health: str) -> str:
    return HEALTH_LABELS[health] if health in (Health.DISABLED, Health.CHRONIC) else "健康等原因"


# ---- public data types ----


@dataclass(frozen=True)
class Finding:
    """One flag or gap that fires. kind is a PersonFlag or VillageFlag value."""

    kind: str
    severity: str
    detail: str
    person_id: int | None = None
    post: str = ""

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class Seat:
    """A person in a post (real or proposed) as evaluate_committee takes it."""

    person: Person
    post: str
    how: str = "elected"
    start_on: dt.date | None = None
    group_number: int | None = None


@dataclass(frozen=True)
class RuleResult:
    key: str
    passed: bool
    severity: str
    reason: str

    @property
    def label(self) -> str:
        return kind_label(self.key)


@dataclass
class Evaluation:
    findings: list[Finding]
    person_flags: dict[int, list[Finding]]
    stats: Stats
    rule_results: list[RuleResult]


@dataclass(frozen=True)
class RecomputeSummary:
    created: int = 0
    updated: int = 0
    closed: int = 0
    reopened: int = 0


def kind_label(kind: str) -> str:
    for enum in (PersonFlag, VillageFlag):
        if kind in enum.values:
            return enum(kind).label
    return kind


# ---- facts the rules read (built from SQL rows in bulk, or from objects for a hypothetical committee) ----


@dataclass(frozen=True)
class SeatFacts:
    person_id: int
    name: str
    post: str
    how: str
    start_on: dt.date | None
    group_number: int | None
    birth_date: dt.date
    age: int
    edu_rank: int
    gender: str
    health: str
    able_to_serve: bool
    quality_rating: str
    latest_grade: str | None
    latest_grade_year: int | None

    @property
    def who(self) -> str:
        label = f"{self.group_number}社社长" if self.post == Post.GROUP_LEADER and self.group_number else None
        return f"{self.name}（{label or POST_LABELS[self.post]}）"


@dataclass
class VillageFacts:
    village_id: int
    county_id: int | None
    reference_on: dt.date
    status_on: dt.date
    election_on: dt.date | None
    last_party_admission_on: dt.date | None
    active_reserves: int
    secretary_reserve: bool
    last_vacated: dict[str, dt.date] = field(default_factory=dict)


def _edu_label(rank: int) -> str:
    return EDUCATION_LABELS[EDUCATION_OF_RANK[rank]] if rank >= 0 else "未填写"


def _worst(findings: Sequence[Finding]) -> Finding:
    return max(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def _names(seats: Sequence[SeatFacts]) -> str:
    return "、".join(s.name for s in seats)


# ---- person rules ----


def _high_age(seat: SeatFacts, rules: RuleSet) -> Finding | None:
    if seat.post in LEADER_POSTS:
        if seat.age >= rules.high_age_leader_red:
            return Finding(
                PersonFlag.HIGH_AGE,
                Severity.RED,
                f"{seat.who}{seat.age}岁，年满{rules.high_age_leader_red}岁",
                seat.person_id,
                seat.post,
            )
        if seat.age >= rules.high_age_leader_amber:
            return Finding(
                PersonFlag.HIGH_AGE,
                Severity.AMBER,
                f"{seat.who}{seat.age}岁，年满{rules.high_age_leader_amber}岁",
                seat.person_id,
                seat.post,
            )
        return None
    limit = rules.high_age_group_leader if seat.post == Post.GROUP_LEADER else rules.high_age_member
    if seat.age >= limit:
        return Finding(
            PersonFlag.HIGH_AGE, Severity.AMBER, f"{seat.who}{seat.age}岁，年满{limit}岁", seat.person_id, seat.post
        )
    return None


def _low_education(seat: SeatFacts, rules: RuleSet) -> Finding | None:
    if seat.edu_rank > EDUCATION_RANK[rules.low_education_max]:
        return None
    limit = EDUCATION_LABELS[rules.low_education_max]
    detail = f"{seat.who}最高学历{_edu_label(seat.edu_rank)}（{limit}及以下）"
    return Finding(PersonFlag.LOW_EDUCATION, Severity.AMBER, detail, seat.person_id, seat.post)


def _low_quality(seat: SeatFacts) -> Finding | None:
    reasons, red = [], False
    if seat.latest_grade in LOW_GRADES:
        reasons.append(f"{seat.latest_grade_year}年度考核{GRADE_LABELS[seat.latest_grade]}")
        red = red or seat.latest_grade == Grade.INCOMPETENT
    if seat.quality_rating == QualityRating.POOR:
        reasons.append("乡镇综合素养评价为差")
    if not seat.able_to_serve:
        cause = _unable_cause(seat.health)
        reasons.append(f"因{cause}不能正常履职")
        red = True
    if not reasons:
        return None
    severity = Severity.RED if red else Severity.AMBER
    return Finding(PersonFlag.LOW_QUALITY, severity, f"{seat.who}" + "、".join(reasons), seat.person_id, seat.post)


def _person_findings(seats: Sequence[SeatFacts], rules: RuleSet) -> list[Finding]:
    """Flags of one person over their seats in one village (the most severe seat wins per flag)."""
    flagged = [s for s in seats if s.post in FLAGGED_POSTS]
    if not flagged:
        return []
    found: list[Finding] = []
    for hits in (
        [f for s in flagged if (f := _high_age(s, rules))],
        [f for s in flagged if (f := _low_education(s, rules))],
        [f for s in flagged if (f := _low_quality(s))],
    ):
        if hits:
            found.append(hits[0] if len(hits) == 1 else _worst(hits))
    if len(found) == 3:
        first = flagged[0]
        parts = "；".join(f.detail.removeprefix(first.who) for f in found)
        detail = f"{first.who}两低一高：{parts}"
        found.append(Finding(PersonFlag.TWO_LOWS_ONE_HIGH, Severity.RED, detail, first.person_id, first.post))
    return found


# ---- village rules: each returns (Finding | None, RuleResult) ----


def _members(seats: Sequence[SeatFacts]) -> list[SeatFacts]:
    """两委 members, one per person."""
    seen: dict[int, SeatFacts] = {}
    for s in seats:
        if s.post in COMMITTEE_POSTS:
            seen.setdefault(s.person_id, s)
    return list(seen.values())


def _rule(kind: str, finding: Finding | None, passed_reason: str) -> tuple[Finding | None, RuleResult]:
    if finding:
        return finding, RuleResult(kind, False, finding.severity, finding.detail)
    return None, RuleResult(kind, True, "", passed_reason)


def _village_two_lows(seats, person_flags, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE
    members = _members(seats)
    if not members:
        return _rule(kind, None, "无两委成员，无法判断")
    flagged = [
        m
        for m in members
        if {f.kind for f in person_flags.get(m.person_id, [])} & {PersonFlag.HIGH_AGE, PersonFlag.LOW_EDUCATION}
    ]
    share = percent(len(flagged), len(members))
    threshold = display_value("village_flagged_share", rules.village_flagged_share)
    summary = f"两委成员{len(members)}名中{len(flagged)}名年龄高或学历低（{share}%）"
    reasons = []
    if len(flagged) / len(members) >= rules.village_flagged_share:
        reasons.append(f"{summary}，达到{threshold}：{_names(flagged)}")
    for sec in (m for m in members if m.post == Post.PARTY_SECRETARY):
        kinds = {f.kind for f in person_flags.get(sec.person_id, [])}
        if {PersonFlag.HIGH_AGE, PersonFlag.LOW_EDUCATION} <= kinds:
            reasons.append(f"书记{sec.name}{sec.age}岁且学历{_edu_label(sec.edu_rank)}，年龄高且学历低")
    finding = Finding(kind, Severity.RED, "；".join(reasons)) if reasons else None
    return _rule(kind, finding, f"{summary}，低于{threshold}")


def _no_young_member(seats, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.NO_YOUNG_MEMBER
    members = _members(seats)
    young = [m for m in members if m.age <= rules.young_age_max]
    if young:
        return _rule(kind, None, f"{rules.young_age_max}岁及以下成员{len(young)}名：{_names(young)}")
    youngest = min(members, key=lambda m: m.age, default=None)
    tail = f"（最年轻者{youngest.name}{youngest.age}岁）" if youngest else ""
    detail = f"两委成员{len(members)}名中无{rules.young_age_max}岁及以下成员{tail}"
    return _rule(kind, Finding(kind, Severity.AMBER, detail), "")


def _secretary_over_age(seats, facts: VillageFacts, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.SECRETARY_OVER_AGE_AT_ELECTION
    if facts.election_on is None:
        return _rule(kind, None, "未设定计划换届日期")
    over = []
    for sec in (s for s in seats if s.post == Post.PARTY_SECRETARY):
        age = age_on(sec.birth_date, facts.election_on)
        if age >= rules.high_age_leader_red:
            over.append(
                f"书记{sec.name}换届时（{facts.election_on:%Y-%m-%d}）{age}岁，年满{rules.high_age_leader_red}岁"
            )
    finding = Finding(kind, Severity.RED, "；".join(over), post=Post.PARTY_SECRETARY) if over else None
    return _rule(kind, finding, f"书记换届时（{facts.election_on:%Y-%m-%d}）未满{rules.high_age_leader_red}岁")


def _no_secretary_reserve(facts: VillageFacts) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.NO_SECRETARY_RESERVE
    if facts.secretary_reserve:
        return _rule(kind, None, "已有以书记为目标岗位的在库后备干部")
    detail = "无以书记为目标岗位的在库后备干部（一职一备）"
    return _rule(kind, Finding(kind, Severity.AMBER, detail, post=Post.PARTY_SECRETARY), "")


def _reserve_shortfall(facts: VillageFacts, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.RESERVE_SHORTFALL
    count, minimum = facts.active_reserves, rules.reserve_min_count
    if count >= minimum:
        return _rule(kind, None, f"在库后备干部{count}名，不少于{minimum}名")
    severity = Severity.RED if count == 0 else Severity.AMBER
    return _rule(kind, Finding(kind, severity, f"在库后备干部{count}名，少于{minimum}名"), "")


def _vacant_or_acting(seats, facts: VillageFacts, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.VACANT_OR_ACTING_POST
    problems: list[tuple[str, str, str]] = []  # (severity, post, text)
    limit = rules.acting_red_days
    for post in sorted(KEY_POSTS, key=lambda p: p != Post.PARTY_SECRETARY):
        label = POST_LABELS[post]
        holders = [s for s in seats if s.post == post]
        if not holders:
            since = facts.last_vacated.get(post)
            if since is None:
                problems.append((Severity.AMBER, post, f"{label}空缺"))
            else:
                days = (facts.status_on - since).days
                severity = Severity.RED if days > limit else Severity.AMBER
                problems.append((severity, post, f"{label}自{since:%Y-%m-%d}起空缺{days}天"))
            continue
        if all(h.how in ACTING_HOWS for h in holders):
            h = holders[0]
            how = "代理" if h.how == "acting" else "乡镇干部兼任"
            if h.start_on is None:
                problems.append((Severity.AMBER, post, f"{label}由{h.name}{how}（起始日期未知）"))
                continue
            days = (facts.status_on - h.start_on).days
            severity = Severity.RED if days > limit else Severity.AMBER
            problems.append((severity, post, f"{label}由{h.name}{how}{days}天（自{h.start_on:%Y-%m-%d}起）"))
    if not problems:
        return _rule(kind, None, "书记、村委会主任均正常在岗")
    severity = max((p[0] for p in problems), key=SEVERITY_ORDER.__getitem__)
    detail = "；".join(p[2] for p in problems) + f"（超过{limit}天为红色）"
    return _rule(kind, Finding(kind, severity, detail, post=problems[0][1]), "")


def _no_new_party_member(facts: VillageFacts, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.NO_NEW_PARTY_MEMBER
    last = facts.last_party_admission_on
    if last is None:
        return _rule(kind, None, "未登记最近发展党员日期，无法判断")
    years = age_on(last, facts.status_on)
    text = f"最近一次发展党员为{last:%Y-%m-%d}，已{years}年未发展新党员"
    if years >= rules.no_party_member_red_years:
        return _rule(kind, Finding(kind, Severity.RED, f"{text}（≥{rules.no_party_member_red_years}年）"), "")
    if years >= rules.no_party_member_amber_years:
        return _rule(kind, Finding(kind, Severity.AMBER, f"{text}（≥{rules.no_party_member_amber_years}年）"), "")
    return _rule(kind, None, f"最近一次发展党员为{last:%Y-%m-%d}")


def _group_leaders_unable(seats, rules) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.GROUP_LEADERS_UNABLE
    leaders: dict[int, SeatFacts] = {}
    for s in seats:
        if s.post == Post.GROUP_LEADER:
            leaders.setdefault(s.person_id, s)
    total = len(leaders)
    old = [s for s in leaders.values() if s.age >= rules.high_age_group_leader]
    unable = [s for s in leaders.values() if s.age < rules.high_age_group_leader and not s.able_to_serve]
    able = total - len(old) - len(unable)
    if not old and not unable:
        return _rule(kind, None, f"{total}名社长均能正常履职")
    parts = []
    if old:
        ages = "、".join(f"{s.name}{s.age}岁" for s in old)
        parts.append(f"{len(old)}名年满{rules.high_age_group_leader}岁（{ages}）")
    by_cause: dict[str, list[SeatFacts]] = defaultdict(list)
    for s in unable:
        by_cause[_unable_cause(s.health)].append(s)
    for cause, people in by_cause.items():
        parts.append(f"{len(people)}名因{cause}不能正常履职（{_names(people)}）")
    detail = f"{total}名社长中" + "、".join(parts) + f"，能正常履职{able}名"
    severity = Severity.RED if (total - able) / total >= rules.village_flagged_share else Severity.AMBER
    return _rule(kind, Finding(kind, severity, detail, post=Post.GROUP_LEADER), "")


def _no_woman(seats) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.NO_WOMAN_ON_COMMITTEE
    members = {s.person_id: s for s in seats if s.post in VILLAGE_COMMITTEE_POSTS}
    women = [s for s in members.values() if s.gender == Gender.FEMALE]
    if not members:
        return _rule(kind, None, "村委会无成员，无法判断")
    if women:
        return _rule(kind, None, f"村委会{len(members)}名成员中女性{len(women)}名")
    return _rule(kind, Finding(kind, Severity.AMBER, f"村委会{len(members)}名成员中无女性"), "")


def _evaluate(*, facts: VillageFacts, seats: Sequence[SeatFacts], rules: RuleSet) -> Evaluation:
    """Apply every rule to one village's seats. Pure: no queries."""
    by_person: dict[int, list[SeatFacts]] = defaultdict(list)
    for s in seats:
        by_person[s.person_id].append(s)
    person_flags = {pid: f for pid, ss in by_person.items() if (f := _person_findings(ss, rules))}
    checks = [
        _village_two_lows(seats, person_flags, rules),
        _no_young_member(seats, rules),
        _secretary_over_age(seats, facts, rules),
        _no_secretary_reserve(facts),
        _reserve_shortfall(facts, rules),
        _vacant_or_acting(seats, facts, rules),
        _no_new_party_member(facts, rules),
        _group_leaders_unable(seats, rules),
        _no_woman(seats),
    ]
    findings = [f for flags in person_flags.values() for f in flags] + [f for f, _ in checks if f]
    stats = Stats.from_members((m.age, m.edu_rank, m.gender) for m in _members(seats))
    return Evaluation(findings, person_flags, stats, [r for _, r in checks])


# ---- reference dates ----


def reference_date(village: Village, *, as_of: dt.date | None = None) -> dt.date:
    """as_of, else the village's planned election date, else its county's, else today."""
    return as_of or village.planned_election_on or village.township.county.planned_election_on or timezone.localdate()


def _election_on(village_on: dt.date | None, county_on: dt.date | None) -> dt.date | None:
    return village_on or county_on


# ---- bulk loading (constant number of queries) ----

SEAT_FIELDS = (
    "village_id",
    "person_id",
    "person__name",
    "post",
    "how",
    "start_on",
    "group__number",
    "person__birth_date",
    "age",
    "edu_rank",
    "person__gender",
    "person__health",
    "person__able_to_serve",
    "person__quality_rating",
    "latest_grade",
    "latest_grade_year",
)


def _seat_rows(*, villages: QuerySet[Village], as_of: dt.date | None, person_filter: Q | None = None):
    latest = Assessment.objects.filter(person=OuterRef("person")).order_by("-year")
    seats = annotated_seats(villages=villages, as_of=as_of, posts=FLAGGED_POSTS)
    if person_filter is not None:
        seats = seats.filter(person_filter)
    seats = seats.annotate(
        latest_grade=Subquery(latest.values("grade")[:1]), latest_grade_year=Subquery(latest.values("year")[:1])
    )
    return seats.order_by("village_id", "pk").values_list(*SEAT_FIELDS)


def _seat_from_row(row: tuple) -> SeatFacts:
    (_, pid, name, post, how, start_on, group_no, birth, age, edu_rank, gender, health, able, quality, grade, year) = (
        row
    )
    return SeatFacts(
        pid, name, post, how, start_on, group_no, birth, age, edu_rank, gender, health, able, quality, grade, year
    )


def _village_facts(*, villages: QuerySet[Village], as_of: dt.date | None) -> dict[int, VillageFacts]:
    from reserves.choices import ReserveStatus
    from reserves.models import Reserve

    active = Reserve.objects.filter(
        village=OuterRef("pk"), status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True
    )
    count = active.order_by().values("village").annotate(n=Count("pk")).values("n")
    rows = (
        villages.order_by()
        .values_list(
            "pk",
            "township__county_id",
            "planned_election_on",
            "township__county__planned_election_on",
            "last_party_admission_on",
        )
        .annotate(
            n_reserves=Coalesce(Subquery(count), 0),
            has_sec_reserve=Exists(active.filter(target_post=Post.PARTY_SECRETARY)),
        )
    )
    status_on = as_of or timezone.localdate()
    facts = {}
    for pk, county_id, planned, county_planned, last_adm, n_reserves, has_sec in rows:
        election_on = _election_on(planned, county_planned)
        reference_on = as_of or election_on or timezone.localdate()
        facts[pk] = VillageFacts(pk, county_id, reference_on, status_on, election_on, last_adm, n_reserves, has_sec)
    vacated = (
        PostAssignment.objects.filter(
            village__in=villages.values("pk"), post__in=list(KEY_POSTS), end_on__isnull=False, end_on__lte=status_on
        )
        .order_by()
        .values_list("village_id", "post")
        .annotate(last=Max("end_on"))
    )
    for village_id, post, last in vacated:
        facts[village_id].last_vacated[post] = last
    return facts


def evaluations_for_villages(*, villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, Evaluation]:
    """Evaluation per village id (findings, person flags, rule results, Python stats). Four queries in all."""
    facts = _village_facts(villages=villages, as_of=as_of)
    book = RuleBook.load()
    seats: dict[int, list[SeatFacts]] = defaultdict(list)
    for row in _seat_rows(villages=villages, as_of=as_of):
        seats[row[0]].append(_seat_from_row(row))
    return {
        pk: _evaluate(facts=f, seats=seats.get(pk, []), rules=book.rules(county_id=f.county_id, on=f.reference_on))
        for pk, f in facts.items()
    }


def findings_for_villages(*, villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """Every finding (person flags and village gaps) per village id; every village of the queryset is a key."""
    return {pk: e.findings for pk, e in evaluations_for_villages(villages=villages, as_of=as_of).items()}


def person_flags_for(*, people: QuerySet[Person], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """Person flags per person id, over the posts each holds (in any village). People without flags are absent.

    Three queries whatever the number of people.
    """
    villages = Village.objects.filter(
        pk__in=PostAssignment.objects.current(roster_date(as_of)).filter(person__in=people).values("village_id")
    )
    facts = {
        pk: (county_id, as_of or _election_on(planned, county_planned) or timezone.localdate())
        for pk, county_id, planned, county_planned in villages.values_list(
            "pk", "township__county_id", "planned_election_on", "township__county__planned_election_on"
        )
    }
    book = RuleBook.load()
    by_village_person: dict[tuple[int, int], list[SeatFacts]] = defaultdict(list)
    for row in _seat_rows(villages=villages, as_of=as_of, person_filter=Q(person__in=people)):
        by_village_person[(row[0], row[1])].append(_seat_from_row(row))
    merged: dict[int, dict[str, Finding]] = defaultdict(dict)
    for (village_id, person_id), seats in by_village_person.items():
        county_id, on = facts[village_id]
        for finding in _person_findings(seats, book.rules(county_id=county_id, on=on)):
            current = merged[person_id].get(finding.kind)
            if current is None or SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[current.severity]:
                merged[person_id][finding.kind] = finding
    return {pid: list(flags.values()) for pid, flags in merged.items()}


# ---- hypothetical committees ----


def evaluate_committee(
    *,
    village: Village,
    seats: Sequence[Seat],
    as_of: dt.date,
    reserves_count: int | None = None,
    secretary_reserve: bool | None = None,
) -> Evaluation:
    """Judge a (proposed or current) committee of `village` on `as_of` with the same rules as the real roster.

    Village facts not given (reserve count, secretary reserve) are read from the database; the people's
    latest assessments are read in one query. Ages are 周岁 on as_of.
    """
    facts = _village_facts(villages=Village.objects.filter(pk=village.pk), as_of=as_of)[village.pk]
    if reserves_count is not None:
        facts.active_reserves = reserves_count
    if secretary_reserve is not None:
        facts.secretary_reserve = secretary_reserve
    latest: dict[int, tuple[str, int]] = {}
    for pid, grade, year in (
        Assessment.objects.filter(person__in=[s.person.pk for s in seats if s.person.pk])
        .order_by("person", "year")
        .values_list("person_id", "grade", "year")
    ):
        latest[pid] = (grade, year)
    seat_facts = [_seat_from_person(s, as_of=as_of, latest=latest) for s in seats]
    rules = rules_for(county_id=facts.county_id, on=as_of)
    return _evaluate(facts=facts, seats=seat_facts, rules=rules)


def _seat_from_person(seat: Seat, *, as_of: dt.date, latest: dict[int, tuple[str, int]]) -> SeatFacts:
    p = seat.person
    ranks = [EDUCATION_RANK[e] for e in (p.education, p.education_in_service) if e]
    grade, year = latest.get(p.pk, (None, None))
    return SeatFacts(
        p.pk or 0, p.name, seat.post, seat.how, seat.start_on, seat.group_number, p.birth_date,
        age_on(p.birth_date, as_of), max(ranks, default=-1), p.gender, p.health, p.able_to_serve,
        p.quality_rating, grade, year,
    )  # fmt: skip


# ---- the Risk work queue ----

_signal_state = threading.local()


@contextlib.contextmanager
def signals_paused() -> Iterator[None]:
    """Suppress per-row risk recomputation (bulk seeding/imports); call recompute_risks once afterwards."""
    previous = getattr(_signal_state, "paused", False)
    _signal_state.paused = True
    try:
        yield
    finally:
        _signal_state.paused = previous


def signals_are_paused() -> bool:
    return getattr(_signal_state, "paused", False)


@transaction.atomic
def recompute_risks(*, villages: QuerySet[Village] | None = None, as_of: dt.date | None = None) -> RecomputeSummary:
    """Bring the Risk rows of the villages (default: all) in line with the data; idempotent.

    New findings create rows; changed severity/detail/post update them (review fields kept); rows the data no
    longer supports are closed (is_active False, closed_at, AUTO_CLOSE_NOTE); closed rows whose finding returns
    are reopened with review_status back to open and a note. A fixed number of queries plus batched writes;
    stored rows are compared as tuples (no model instances: a city has tens of thousands).
    """
    villages = villages if villages is not None else Village.objects.all()
    findings = findings_for_villages(villages=villages, as_of=as_of)
    wanted = {(vid, f.person_id, f.kind): f for vid, fs in findings.items() for f in fs}
    existing = Risk.objects.filter(village__in=villages.values("pk")).values_list(
        "pk", "village_id", "person_id", "kind", "severity", "detail", "post", "is_active"
    )
    close, reopen, changed = [], [], []
    for pk, village_id, person_id, kind, severity, detail, post, is_active in existing.iterator(chunk_size=5000):
        finding = wanted.pop((village_id, person_id, kind), None)
        if finding is None:
            if is_active:
                close.append(pk)
            continue
        if not is_active:
            reopen.append(pk)
        if (severity, detail, post) != (finding.severity, finding.detail, finding.post):
            changed.append(Risk(pk=pk, severity=finding.severity, detail=finding.detail, post=finding.post))
    _write_changes(close=close, reopen=reopen, changed=changed)
    new = [
        Risk(village_id=vid, person_id=pid, kind=kind, severity=f.severity, detail=f.detail, post=f.post)
        for (vid, pid, kind), f in wanted.items()
    ]
    Risk.objects.bulk_create(new, batch_size=1000)
    reopened = set(reopen)
    return RecomputeSummary(
        created=len(new),
        updated=sum(1 for r in changed if r.pk not in reopened),
        closed=len(close),
        reopened=len(reopen),
    )


def _write_changes(*, close: list[int], reopen: list[int], changed: list[Risk]) -> None:
    now = timezone.now()
    note = f"{REOPEN_NOTE}（{timezone.localdate():%Y-%m-%d}）"
    for start in range(0, len(close), 900):  # stay under SQLite's bound-parameter limit
        Risk.objects.filter(pk__in=close[start : start + 900]).update(
            is_active=False, closed_at=now, close_note=AUTO_CLOSE_NOTE
        )
    for start in range(0, len(reopen), 900):
        Risk.objects.filter(pk__in=reopen[start : start + 900]).update(
            is_active=True, closed_at=None, close_note=note, review_status=ReviewStatus.OPEN, version=F("version") + 1
        )
    if changed:
        Risk.objects.bulk_update(changed, ["severity", "detail", "post"], batch_size=300)


def seed_hook(**kwargs: object) -> None:
    """AFTER_SEED_HOOKS entry (villages/demo.py): give the seeded villages their risks."""
    recompute_risks()


def review_risk(
    *, risk: Risk, expected_version: int, review_status: str, owner_id: int | None, due_on: dt.date | None, note: str
) -> None:
    """Save a risk's review fields if nobody changed the row since `expected_version` (else StaleEditError)."""
    from villages.roster import save_versioned

    risk.review_status, risk.owner_id, risk.due_on, risk.note = review_status, owner_id, due_on, note
    save_versioned(risk, expected_version=expected_version)


# ---- views of computed findings on another date ----


@dataclass(frozen=True)
class PreviewRow:
    """A finding computed for a date (not a stored Risk): what the list shows with ?as_of=."""

    village: Village
    finding: Finding


def preview_rows(*, villages: QuerySet[Village], as_of: dt.date) -> list[PreviewRow]:
    """Every finding of the villages as of a date, red first. Constant queries."""
    by_pk = {v.pk: v for v in villages.select_related("township")}
    rows = [
        PreviewRow(by_pk[pk], f)
        for pk, findings in findings_for_villages(villages=villages, as_of=as_of).items()
        for f in findings
    ]
    rows.sort(key=lambda r: (-SEVERITY_ORDER[r.finding.severity], r.village.code, r.finding.kind))
    return rows


@dataclass
class AgeOutPerson:
    village: Village
    person_id: int
    name: str
    birth_date: dt.date
    age_today: int
    age_then: int
    finding: Finding
    new: bool


@dataclass
class AgeOutVillage:
    village: Village
    findings: list[Finding]
    new_kinds: set[str]


@dataclass
class AgeOutTownship:
    name: str
    code: str
    people: list[AgeOutPerson] = field(default_factory=list)
    villages: list[AgeOutVillage] = field(default_factory=list)


AGE_KINDS = frozenset(
    {
        VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE,
        VillageFlag.NO_YOUNG_MEMBER,
        VillageFlag.SECRETARY_OVER_AGE_AT_ELECTION,
        VillageFlag.GROUP_LEADERS_UNABLE,
    }
)


def age_out_calendar(*, villages: QuerySet[Village], election_on: dt.date) -> list[AgeOutTownship]:
    """Per township: who is past an age limit on election_on (new = not flagged today, or more severe), and the
    villages that then fail an age-dependent rule (new_kinds: failing then but not today). Constant queries."""
    today = timezone.localdate()
    now_eval = evaluations_for_villages(villages=villages, as_of=today)
    then_eval = evaluations_for_villages(villages=villages, as_of=election_on)
    by_pk = {v.pk: v for v in villages.select_related("township")}
    townships: dict[int, AgeOutTownship] = {}
    people: list[tuple[int, int, Finding, bool]] = []
    for pk in sorted(then_eval, key=lambda p: by_pk[p].code):
        village = by_pk[pk]
        bucket = townships.setdefault(village.township_id, AgeOutTownship(village.township.name, village.township.code))
        before = now_eval[pk]
        for pid, flags in then_eval[pk].person_flags.items():
            for f in flags:
                if f.kind != PersonFlag.HIGH_AGE:
                    continue
                old = next((o for o in before.person_flags.get(pid, []) if o.kind == f.kind), None)
                people.append((pk, pid, f, old is None or SEVERITY_ORDER[old.severity] < SEVERITY_ORDER[f.severity]))
        failing = [f for f in then_eval[pk].findings if f.kind in AGE_KINDS]
        if failing:
            new_kinds = {f.kind for f in failing} - {f.kind for f in before.findings}
            bucket.villages.append(AgeOutVillage(village, failing, new_kinds))
    facts = {
        pk: (name, birth)
        for pk, name, birth in Person.objects.filter(pk__in={p[1] for p in people}).values_list(
            "pk", "name", "birth_date"
        )
    }
    for pk, pid, f, new in people:
        name, birth = facts[pid]
        row = AgeOutPerson(by_pk[pk], pid, name, birth, age_on(birth, today), age_on(birth, election_on), f, new)
        townships[by_pk[pk].township_id].people.append(row)
    for t in townships.values():
        t.people.sort(key=lambda p: (not p.new, p.birth_date))
    return sorted(townships.values(), key=lambda t: t.code)
