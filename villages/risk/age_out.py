"""Age-out calendar: who passes an age threshold before the election date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from villages.choices import (
    PersonFlag,
    VillageFlag,
)
from villages.models import Person, Village, age_on
from villages.risk.evaluation import evaluations_for_villages
from villages.risk.findings import SEVERITY_ORDER, Finding


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
