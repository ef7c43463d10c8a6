"""The rule functions: one per 两低一高 person flag and village succession gap (DOMAIN §5).

Each takes facts (never the database) so the real roster and a hypothetical slate are judged alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from villages.choices import (
    ACTING_HOWS,
    COMMITTEE_POSTS,
    EDUCATION_RANK,
    KEY_POSTS,
    LEADER_POSTS,
    Gender,
    Grade,
    PersonFlag,
    Post,
    QualityRating,
    Severity,
    VillageFlag,
)
from villages.models import age_on
from villages.risk.compliance import ComplianceFacts, compliance_checks
from villages.risk.findings import (
    EDUCATION_LABELS,
    FLAGGED_POSTS,
    GRADE_LABELS,
    LOW_GRADES,
    POST_LABELS,
    SEVERITY_ORDER,
    VILLAGE_COMMITTEE_POSTS,
    Evaluation,
    Finding,
    RuleResult,
    SeatFacts,
    VillageFacts,
    unable_cause,
)
from villages.rules import EDUCATION_OF_RANK, RuleSet, display_value
from villages.structure import Stats, percent


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
                ("high_age_leader_red",),
            )
        if seat.age >= rules.high_age_leader_amber:
            return Finding(
                PersonFlag.HIGH_AGE,
                Severity.AMBER,
                f"{seat.who}{seat.age}岁，年满{rules.high_age_leader_amber}岁",
                seat.person_id,
                seat.post,
                ("high_age_leader_amber",),
            )
        return None
    key = "high_age_group_leader" if seat.post == Post.GROUP_LEADER else "high_age_member"
    limit = getattr(rules, key)
    if seat.age >= limit:
        detail = f"{seat.who}{seat.age}岁，年满{limit}岁"
        return Finding(PersonFlag.HIGH_AGE, Severity.AMBER, detail, seat.person_id, seat.post, (key,))
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
        cause = unable_cause(seat.health)
        reasons.append(f"因{cause}不能正常履职")
        red = True
    if not reasons:
        return None
    severity = Severity.RED if red else Severity.AMBER
    return Finding(PersonFlag.LOW_QUALITY, severity, f"{seat.who}" + "、".join(reasons), seat.person_id, seat.post)


def person_findings(seats: Sequence[SeatFacts], rules: RuleSet) -> list[Finding]:
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
        keys = tuple(dict.fromkeys(k for f in found for k in f.keys))
        found.append(Finding(PersonFlag.TWO_LOWS_ONE_HIGH, Severity.RED, detail, first.person_id, first.post, keys))
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
    if facts.uncounted_secretary_reserve:
        detail = f"无符合条件的书记后备干部（一职一备）：{facts.uncounted_secretary_reserve}"
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
    worst = max((p[0] for p in problems), key=SEVERITY_ORDER.__getitem__)
    detail = "；".join(p[2] for p in problems) + f"（超过{limit}天为红色）"
    return _rule(kind, Finding(kind, worst, detail, post=problems[0][1]), "")


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
        by_cause[unable_cause(s.health)].append(s)
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


def evaluate(
    *, facts: VillageFacts, seats: Sequence[SeatFacts], rules: RuleSet, compliance: ComplianceFacts | None = None
) -> Evaluation:
    """Apply every rule to one village's seats. Pure: no queries. The compliance rules (villages/risk/compliance.py)
    run when their facts (relatives, 不称职 years) are given."""
    by_person: dict[int, list[SeatFacts]] = defaultdict(list)
    for s in seats:
        by_person[s.person_id].append(s)
    person_flags = {pid: f for pid, ss in by_person.items() if (f := person_findings(ss, rules))}
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
    if compliance is not None:
        checks += compliance_checks(seats, compliance, rules)
    findings = [f for flags in person_flags.values() for f in flags] + [f for f, _ in checks if f]
    stats = Stats.from_members((m.age, m.edu_rank, m.gender) for m in _members(seats))
    return Evaluation(
        findings,
        person_flags,
        stats,
        [r for _, r in checks],
        rules=rules,
        reference=facts.reference,
        active_reserves=facts.active_reserves,
        seats=list(seats),
    )
