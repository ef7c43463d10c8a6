"""Where a dashboard number drills down to (`Drill`: a URL name and its query-string filter) and the lists behind a
unit's headline numbers. The numbers module (dashboards/figures.py) attaches them; views turn them into links."""

from __future__ import annotations

from dataclasses import dataclass

from villages import structure
from villages.choices import VillageFlag

TWO_LOWS_VILLAGE = VillageFlag.TWO_LOWS_ONE_HIGH_VILLAGE.value


@dataclass(frozen=True)
class Drill:
    """Where a number drills down to: a URL name and its query-string filter."""

    url_name: str
    params: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()

    def with_params(self, **params: object) -> Drill:
        extra = tuple((k, str(v)) for k, v in params.items() if v is not None and v != "")
        return Drill(self.url_name, self.params + extra, self.args)


def unit_drills(unit: dict[str, str]) -> dict[str, Drill]:
    """The list behind each headline number of a unit (`unit`: its list filter, e.g. {"township": code})."""
    people = Drill("villages:people").with_params(**unit, post_group="committee")
    leaders = Drill("villages:people").with_params(**unit, post_group="group_leader")
    risks = Drill("villages:risks").with_params(**unit, state="open")
    # Village conditions count while the data supports them, whatever their review status.
    conditions = Drill("villages:risks").with_params(**unit, state="active")
    return {
        "members": people,
        "aged_60_plus": people.with_params(age_min=structure.AGED_CUTOFF),
        "aged_35_or_under": people.with_params(age_max=structure.YOUNG_CUTOFF),
        "junior_high_or_below": people.with_params(education_max="junior_high"),
        "associate_or_above": people.with_params(education_min="associate"),
        "women": people.with_params(gender="female"),
        "group_leaders": leaders,
        "group_leaders_70_plus": leaders.with_params(age_min=70),
        "two_lows_villages": conditions.with_params(kind=TWO_LOWS_VILLAGE),
        "open_risks": risks,
        "uncovered": conditions.with_params(kind=VillageFlag.NO_SECRETARY_RESERVE.value),
        "overdue": Drill("villages:confirmations").with_params(**unit, overdue=1),
        "villages": Drill("villages:confirmations").with_params(**unit),
    }


def bench_drill(level: str, code: str) -> Drill | None:
    """The bench-strength page of a county or township (there is none for the whole city or one village)."""
    if level in ("county", "township"):
        return Drill("reserves:bench", args=(level, code))
    return None


def outcomes_drill(level: str, code: str) -> Drill:
    if level in ("county", "township"):
        return Drill("reserves:outcomes", args=(level, code))
    return Drill("reserves:outcomes_home")
