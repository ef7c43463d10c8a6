"""Roster invariants: each rule that every entry path (forms, API, workbook, election results) must apply."""

from __future__ import annotations

import datetime as dt

from villages.choices import ORGAN_OF_POST, Organ, PoliticalStatus
from villages.models import Person


def years_before(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone aged `years` 周岁 or more on `on` (29 Feb falls back to 28 Feb)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def party_post_refusal(*, person: Person, post: str) -> str | None:
    """Why `person` may not hold the party-organization `post`, or None when they may.

    党章: only full party members may be elected to a party committee; 预备党员 have no right to stand.
    Posts outside the party organization have no such condition.
    """
    if ORGAN_OF_POST.get(post) != Organ.PARTY or person.political_status == PoliticalStatus.CPC_MEMBER:
        return None
    shown = person.get_political_status_display()
    return f"{person.name}的政治面貌为{shown}，村党组织职务只能由正式党员担任"
