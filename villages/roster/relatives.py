"""A person's relatives (家庭成员及重要社会关系): the one way they are written (form and demo data alike).

The 监委会 near-relative rule (villages/risk/compliance.py) reads them; which relations count is a county rule
(`near_relatives`). A relative is a person on record (so the rule can match them with a post holder exactly) or,
for someone not on record, a name (matched by name, and the finding says so).
"""

from __future__ import annotations

from villages.models import Person, Relative, User
from villages.roster.invariants import refuse_if_any, relative_refusals
from villages.roster.versioning import save_attributed


def add_relative(
    *, person: Person, relation: str, relative: Person | None, relative_name: str = "", note: str = "", by: User | None
) -> Relative:
    """Record `relative` (or `relative_name`) as `person`'s relative. Refused (RosterRefused on `relation` or
    `relative`): an unknown relation, neither a person nor a name, the person themself, a person already recorded."""
    recorded = set(Relative.objects.filter(person=person, relative__isnull=False).values_list("relative_id", flat=True))
    name = relative_name.strip()
    refuse_if_any(
        relative_refusals(person=person, relation=relation, relative=relative, relative_name=name, recorded=recorded)
    )
    row = Relative(
        person=person,
        relation=relation,
        relative=relative,
        relative_name="" if relative is not None else name,
        note=note.strip(),
    )
    save_attributed(row, by=by)
    return row


def remove_relative(*, relative: Relative, by: User | None) -> None:
    """Delete a relative record (the history keeps it, naming `by`)."""
    if by is not None:
        relative._history_user = by  # type: ignore[attr-defined]  # django-simple-history reads it on delete
    relative.delete()
