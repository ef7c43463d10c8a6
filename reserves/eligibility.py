"""Reserve-cadre eligibility against the county's rules (docs/domain.md §6, eligibility).

Defaults (each configurable per county in `villages.rules`): age ≤ 35 周岁, ≤ 45 allowed as 放宽 (relaxed);
education 高中/中专 or above, judged on the highest of full-time and in-service education and a course under way
(在读) as the county's rule `in_progress_counts` says (villages/education.py: by default 大专在读 counts as 大专).
Whether an active reserve still meets these rules is kept on the reserve by reserves/standing.py. An ineligible
person can still be added as a reserve, but only with a recorded reason (Reserve.eligibility_override_reason).

Entering or keeping a reserve (web forms and API alike call these): `reserve_candidates` (who may be chosen for a
village), `reserve_eligibility` (the check on the village's reference date), `override_refusal` (an ineligible
person without a reason) and `duplicate_refusal` (already an active reserve for that post).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from reserves.models import Reserve
from villages.choices import EDUCATION_RANK, Education
from villages.education import CountedEducation, person_education
from villages.models import Person, Village
from villages.risk import reference_date
from villages.rules import RuleSet, rules_for


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    relaxed: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.eligible:
            return "不符合条件：" + "；".join(self.reasons)
        if self.relaxed:
            return "放宽条件：" + "；".join(self.reasons)
        return "符合条件"


def _floor_label(code: str) -> str:
    """高中 and 中专 share a rank: name every education at the floor's rank."""
    same_rank = [e for e in Education if EDUCATION_RANK[e] == EDUCATION_RANK[code]]
    return "或".join(e.label for e in same_rank)


def effective_education(person: Person, *, rules: RuleSet) -> CountedEducation:
    """Highest of full-time and in-service education; a course under way (在读) as the county's rule
    `in_progress_counts` says (villages/education.py; by default 大专在读 counts as 大专)."""
    return person_education(person, rules=rules)


def check_eligibility(*, person: Person, village: Village, on: dt.date, rules: RuleSet | None = None) -> Eligibility:
    """Whether the person may be a reserve of the village on a date, with the reasons in Chinese.

    `rules` may be passed by callers that check many people of one county (lists) to avoid reloading them.
    """
    if rules is None:
        rules = rules_for(county_id=village.township.county_id, on=on)
    reasons: list[str] = []
    eligible, relaxed = True, False
    age = person.age_on(on)
    if age > rules.reserve_age_relaxed_max:
        eligible = False
        reasons.append(f"{age}岁，超过放宽年龄上限{rules.reserve_age_relaxed_max}岁")
    elif age > rules.reserve_age_max:
        relaxed = True
        reasons.append(f"{age}岁，超过{rules.reserve_age_max}岁，属放宽（≤{rules.reserve_age_relaxed_max}岁）")
    education = effective_education(person, rules=rules)
    if education.rank < EDUCATION_RANK[rules.reserve_education_min]:
        eligible = False
        reasons.append(f"学历为{education.label}，低于{_floor_label(rules.reserve_education_min)}")
    return Eligibility(eligible=eligible, relaxed=relaxed and eligible, reasons=reasons)


def reserve_candidates(*, village: Village) -> QuerySet[Person]:
    """Who may be entered as a reserve of the village: living people placed there (home, a post or a reserve)."""
    return Person.objects.alive().in_villages(Village.objects.filter(pk=village.pk)).order_by("name", "pk")


def reserve_eligibility(*, person: Person, village: Village) -> Eligibility:
    """The person against the county's rules on the village's reference date (its election date, else today)."""
    return check_eligibility(person=person, village=village, on=reference_date(village))


def override_refusal(*, eligibility: Eligibility, override_reason: str) -> str | None:
    """Why the entry cannot be saved: an ineligible person needs a recorded reason. None when it can.

    The message names the rule that fails (age, education) with the person's values and the county's limit.
    """
    if eligibility.eligible or override_reason.strip():
        return None
    return f"{eligibility.summary}。如仍纳入后备，须填写理由。"


def duplicate_refusal(
    *, person: Person, village: Village, target_post: str, exclude: Reserve | None = None
) -> str | None:
    """Why the person cannot be another active reserve for the post in the village (one entry per target post)."""
    active = Reserve.objects.active().filter(person=person, village=village, target_post=target_post)
    if exclude is not None:
        active = active.exclude(pk=exclude.pk)
    return "此人已是该岗位的在库后备干部" if active.exists() else None
