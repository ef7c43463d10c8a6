"""Which education counts for a person: the one place that says how a course under way (在读) counts.

A person records three things (villages/models/people.py): the highest full-time education, the highest in-service
education (an in-service 大专 is a 大专: 函授, 电大), and a course under way (在读). The degrees held are the higher of
the first two. The county's rule `in_progress_counts` (villages/rules.py, dated, with its 文号) says whether a course
under way counts: 0 not at all (only degrees held); 1, the default, 大专在读 counts as 大专 (other courses do not);
2 every course under way counts as the level studied.

Who reads it: reserve eligibility (reserves/eligibility.py) and every place that prints a person's education for the
pipeline (reserve pages, the village report). The committee's structure figures and the 学历低 flag count degrees
held, as the statistics forms do (villages/structure.py, villages/risk/), and the printed label says so: a student
is never printed as plain 初中 (`CountedEducation.label`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from villages.choices import EDUCATION_RANK, Education
from villages.models import held_education
from villages.rules import RuleSet

LABELS: dict[str, str] = dict(Education.choices)


class HasEducation(Protocol):
    education: str
    education_in_service: str
    education_in_progress: str


@dataclass(frozen=True)
class CountedEducation:
    """A person's degrees held, their course under way, and whether the county's rule counts that course."""

    held: str
    in_progress: str = ""
    counts_in_progress: bool = False

    @property
    def level(self) -> str:
        """The education that counts (a code of `Education`)."""
        return self.in_progress if self.counts_in_progress else self.held

    @property
    def rank(self) -> int:
        return EDUCATION_RANK[self.level] if self.level else -1

    @property
    def studying(self) -> bool:
        """A course under way above the degrees held (a lower or equal one changes nothing)."""
        return bool(self.in_progress) and _rank(self.in_progress) > _rank(self.held)

    @property
    def label(self) -> str:
        """大学专科（在读） when the course counts, 初中（大学专科在读） when it does not, else the degree held."""
        if not self.studying:
            return LABELS.get(self.held, "")
        if self.counts_in_progress:
            return f"{LABELS[self.in_progress]}（在读）"
        return self.held_label

    @property
    def held_label(self) -> str:
        """The degrees held, with a course under way beside them, such as 初中（大学专科在读）: what the committee's
        figures and its 学历低 flag count, so a committee table prints this whatever the county's 在读 rule says."""
        if not self.studying:
            return LABELS.get(self.held, "")
        return f"{LABELS.get(self.held, '未填写')}（{LABELS[self.in_progress]}在读）"


def _rank(code: str) -> int:
    return EDUCATION_RANK[code] if code else -1


def counted_education(*, education: str, in_service: str, in_progress: str, rules: RuleSet) -> CountedEducation:
    """The education that counts under the county's rule `in_progress_counts` (see the module docstring)."""
    held = held_education(education=education, in_service=in_service)
    studying = bool(in_progress) and _rank(in_progress) > _rank(held)
    if rules.in_progress_counts == 2:
        counts = studying
    elif rules.in_progress_counts == 1:
        counts = studying and in_progress == Education.ASSOCIATE
    else:
        counts = False
    return CountedEducation(held, in_progress, counts_in_progress=counts)


def person_education(person: HasEducation, *, rules: RuleSet) -> CountedEducation:
    return counted_education(
        education=person.education,
        in_service=person.education_in_service,
        in_progress=person.education_in_progress,
        rules=rules,
    )
