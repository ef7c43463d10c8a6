"""Compliance checks on a village's committees (村民委员会组织法 Art. 32–33; docs/domain.md §10): one function per rule.

Like villages/risk/checks.py, each rule takes facts (never the database) and answers (Finding | None, RuleResult):
- `supervision_conflict`: a 监委会 member who sits on the 村委会, or is a near relative of one of its members
  (which relations count is the county rule `near_relatives`); read from both people's relative records, and by
  name where a relative is recorded by name only (the reason says so);
- `secretary_chairs_supervision`: the party secretary is also the 监委会主任;
- `supervision_size`: the 监委会 has fewer or more people than the county's rules allow (default 3–5);
- `incompetent_twice`: a current 两委 or 监委会 member was rated 不称职 in two consecutive years while in office
  (an assessment year counts from the year the current post began), which ends the office (Art. 33).
Facts: the village's current seats (SeatFacts, supervision posts included) and `ComplianceFacts` (relatives and
不称职 years of the seats' people), loaded in bulk by villages/risk/evaluation.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from villages.choices import COMMITTEE_POSTS, Post, Relation, Severity, VillageFlag
from villages.risk.findings import POST_LABELS, VILLAGE_COMMITTEE_POSTS, Finding, RuleResult, SeatFacts
from villages.rules import RuleSet, display_value

SUPERVISION_POSTS: frozenset[str] = frozenset({Post.SUPERVISION_DIRECTOR, Post.SUPERVISION_MEMBER})
# Whose two consecutive 不称职 end office: the 两委 and the 监委会 (not 社长 or the 第一书记).
ASSESSED_POSTS: frozenset[str] = COMMITTEE_POSTS | SUPERVISION_POSTS
RELATION_LABELS: dict[str, str] = dict(Relation.choices)


@dataclass(frozen=True)
class Kinship:
    """One relative record: `relative_name` is the relative's name (the record's person, or the name typed)."""

    person_id: int
    relation: str
    relative_id: int | None
    relative_name: str


@dataclass
class ComplianceFacts:
    """What the compliance rules read besides the seats: relative records touching the seats' people, and each
    seat holder's years rated 不称职."""

    kinships: list[Kinship] = field(default_factory=list)
    incompetent_years: dict[int, list[int]] = field(default_factory=dict)


def _holders(seats: Sequence[SeatFacts], posts: frozenset[str]) -> dict[int, list[SeatFacts]]:
    found: dict[int, list[SeatFacts]] = defaultdict(list)
    for seat in seats:
        if seat.post in posts:
            found[seat.person_id].append(seat)
    return found


def _result(kind: str, finding: Finding | None, passed_reason: str) -> tuple[Finding | None, RuleResult]:
    if finding:
        return finding, RuleResult(kind, False, finding.severity, finding.detail)
    return None, RuleResult(kind, True, "", passed_reason)


def _posts_of(seats: list[SeatFacts]) -> str:
    return "、".join(POST_LABELS[s.post] for s in seats)


def _relative_of(kinship: Kinship, *groups: dict[int, list[SeatFacts]]) -> tuple[int | None, str]:
    """The seat holder a relative record names: by person when on record, else by name (said in the reason)."""
    if kinship.relative_id is not None:
        return kinship.relative_id, ""
    for group in groups:
        for pid, held in group.items():
            if held[0].name == kinship.relative_name:
                return pid, "（按姓名匹配）"
    return None, ""


def supervision_conflict(
    seats: Sequence[SeatFacts], facts: ComplianceFacts, rules: RuleSet
) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.SUPERVISION_CONFLICT
    supervisors = _holders(seats, SUPERVISION_POSTS)
    committee = _holders(seats, VILLAGE_COMMITTEE_POSTS)
    if not supervisors:
        return _result(kind, None, "未登记监委会成员，无法判断")
    reasons = [
        f"{held[0].name}（{_posts_of(held)}）同时任{_posts_of(committee[pid])}"
        for pid, held in supervisors.items()
        if pid in committee
    ]
    for k in facts.kinships:
        if k.relation not in rules.near_relatives:
            continue
        relation = RELATION_LABELS[k.relation]
        other, matched = _relative_of(k, supervisors, committee)
        if other is None or other == k.person_id:
            continue
        if k.person_id in supervisors and other in committee:
            s, c = supervisors[k.person_id][0], committee[other][0]
            reasons.append(f"{s.who}的{relation}{c.name}任{_posts_of(committee[other])}{matched}")
        elif k.person_id in committee and other in supervisors:
            s, c = supervisors[other][0], committee[k.person_id][0]
            reasons.append(f"{s.who}是{c.who}的{relation}{matched}")
    if not reasons:
        shown = display_value("near_relatives", rules.near_relatives)
        return _result(kind, None, f"监委会{len(supervisors)}名成员均非村委会成员，未发现近亲属关系（{shown}）")
    law = "监委会成员不得由村委会成员及其近亲属担任（村民委员会组织法第三十二条）："
    detail = law + "；".join(dict.fromkeys(reasons))
    return _result(kind, Finding(kind, Severity.RED, detail, post=Post.SUPERVISION_DIRECTOR), "")


def secretary_chairs_supervision(seats: Sequence[SeatFacts]) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.SECRETARY_CHAIRS_SUPERVISION
    secretaries = _holders(seats, frozenset({Post.PARTY_SECRETARY}))
    chairs = _holders(seats, frozenset({Post.SUPERVISION_DIRECTOR}))
    both = [chairs[pid][0] for pid in secretaries if pid in chairs]
    if not both:
        return _result(kind, None, "书记未兼任监委会主任")
    detail = "、".join(f"书记{s.name}兼任监委会主任" for s in both) + "，监委会应由他人主持"
    return _result(kind, Finding(kind, Severity.AMBER, detail, post=Post.SUPERVISION_DIRECTOR), "")


def supervision_size(seats: Sequence[SeatFacts], rules: RuleSet) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.SUPERVISION_SIZE
    members = _holders(seats, SUPERVISION_POSTS)
    low, high = rules.supervision_min_members, rules.supervision_max_members
    count = len(members)
    if low <= count <= high:
        return _result(kind, None, f"监委会{count}人，在{low}–{high}人之间")
    if count == 0:
        detail = f"未登记村务监督委员会成员（应为{low}–{high}人）"
    else:
        side = "少于" if count < low else "多于"
        detail = f"监委会{count}人（{'、'.join(m[0].name for m in members.values())}），{side}规定的{low}–{high}人"
    return _result(kind, Finding(kind, Severity.AMBER, detail, post=Post.SUPERVISION_MEMBER), "")


def _in_office_since(seats: list[SeatFacts]) -> int | None:
    starts = [s.start_on for s in seats]
    return None if any(s is None for s in starts) else min(s.year for s in starts if isinstance(s, dt.date))


def incompetent_twice(seats: Sequence[SeatFacts], facts: ComplianceFacts) -> tuple[Finding | None, RuleResult]:
    kind = VillageFlag.INCOMPETENT_TWICE
    reasons: list[str] = []
    for pid, held in _holders(seats, ASSESSED_POSTS).items():
        since = _in_office_since(held)
        years = sorted(y for y in facts.incompetent_years.get(pid, []) if since is None or y >= since)
        pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
        if pairs:
            first, second = pairs[-1]
            reasons.append(f"{held[0].name}（{_posts_of(held)}）{first}、{second}年度连续两年不称职")
    if not reasons:
        return _result(kind, None, "在任成员无连续两年不称职")
    detail = "；".join(reasons) + "，其职务依法终止（村民委员会组织法第三十三条），应启动届中调整"
    return _result(kind, Finding(kind, Severity.RED, detail), "")


def compliance_checks(
    seats: Sequence[SeatFacts], facts: ComplianceFacts, rules: RuleSet
) -> list[tuple[Finding | None, RuleResult]]:
    """Every compliance rule over one village's current seats, in the order the pages list them."""
    return [
        supervision_conflict(seats, facts, rules),
        secretary_chairs_supervision(seats),
        supervision_size(seats, rules),
        incompetent_twice(seats, facts),
    ]
