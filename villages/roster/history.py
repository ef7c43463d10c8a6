"""Change history of a person's roster records, readable by people: who, when, what changed (Chinese labels).

Built from django-simple-history: each record is diffed against the previous record of the same object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from villages.choices import SourceCategory
from villages.models import Assessment, Group, Person, PostAssignment, User, Village, concrete_field

ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
# Bookkeeping columns nobody needs to read in a change log.
HIDDEN_FIELDS = {"version", "deleted_by", "organ"}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    field: str = ""  # the model field's name (an API maps it to its own name)


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)


def _display(model: type[models.Model], name: str, value: Any, names: dict[tuple[type, int], str]) -> str:
    """A stored value as the UI shows it: choice labels, 是/否, dates, related objects by name."""
    if value is None or value == "" or value == []:
        return "—"
    model_field = concrete_field(model, name)
    if model_field.is_relation and model_field.related_model is not None:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "source_categories":
        labels = dict(SourceCategory.choices)
        return "、".join(labels.get(code, code) for code in value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:16].replace("T", " ")
    return str(value)


def _subject(record: Any, model: type[models.Model], names: dict[tuple[type, int], str]) -> str:
    if model is PostAssignment:
        village = names.get((Village, record.village_id), "")
        return f"任职：{village}{record.get_post_display()}"
    if model is Assessment:
        return f"年度考核：{record.year}年"
    return "人员信息"


def _related_names(records: list[Any]) -> dict[tuple[type, int], str]:
    """Names of the villages and groups the records point at, in two queries whatever their number."""
    village_ids = {r.village_id for r in records if hasattr(r, "village_id")}
    village_ids |= {r.home_village_id for r in records if hasattr(r, "home_village_id")}
    group_ids = {r.group_id for r in records if getattr(r, "group_id", None)}
    names: dict[tuple[type, int], str] = {(Village, v.pk): v.name for v in Village.objects.filter(pk__in=village_ids)}
    names |= {(Group, g.pk): str(g) for g in Group.objects.filter(pk__in=group_ids)}
    return names


def _change(model: type[models.Model], change: Any, names: dict[tuple[type, int], str]) -> Change:
    return Change(
        label=str(concrete_field(model, change.field).verbose_name),
        old=_display(model, change.field, change.old, names),
        new=_display(model, change.field, change.new, names),
        field=change.field,
    )


def _entries_for(model: type[models.Model], records: list[Any], names: dict) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    previous: dict[int, Any] = {}
    for record in records:
        entry = HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else "系统",
            action=ACTIONS.get(record.history_type, record.history_type),
            subject=_subject(record, model, names),
        )
        before = previous.get(record.id)
        if before is not None and record.history_type == "~":
            for change in record.diff_against(before).changes:
                if change.field in HIDDEN_FIELDS or change.field == "person":
                    continue
                entry.changes.append(_change(model, change, names))
        previous[record.id] = record
        if record.history_type == "~" and not entry.changes:
            continue  # only bookkeeping columns changed
        entries.append(entry)
    return entries


def person_history(*, person: Person, user: User) -> list[HistoryEntry]:
    """Every recorded change to the person, their posts (in villages `user` may see) and assessments, newest first.

    A constant number of queries: one per history table, plus two for the names of villages and groups.
    """
    visible_villages = Village.objects.for_user(user).values("pk")
    sources: list[tuple[type[models.Model], models.QuerySet]] = [
        (Person, Person.history.filter(id=person.pk)),
        (PostAssignment, PostAssignment.history.filter(person_id=person.pk, village_id__in=visible_villages)),
        (Assessment, Assessment.history.filter(person_id=person.pk)),
    ]
    loaded = [
        (model, list(records.select_related("history_user").order_by("history_date", "history_id")))
        for model, records in sources
    ]
    names = _related_names([r for _, records in loaded for r in records])
    entries = [entry for model, records in loaded for entry in _entries_for(model, records, names)]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


@dataclass(frozen=True)
class ChangesSince:
    """What happened to a row since a client read it: the latest saver, when, and the fields that differ."""

    who: str
    when: dt.datetime | None
    changes: list[Change]


def changes_since(obj: models.Model, *, saves: int) -> ChangesSince:
    """The difference between the row's state `saves` saves ago and now, from its history (django-simple-history).

    Each versioned save writes one history record, so the record `saves` places before the newest is the state
    the client saw. With fewer records (history started later), the oldest one is the base. Bookkeeping columns
    (version) are left out. Three queries at most.
    """
    history = obj.history  # type: ignore[attr-defined]
    records = list(history.select_related("history_user").order_by("-history_date", "-history_id")[: saves + 1])
    if not records:
        return ChangesSince(who="", when=None, changes=[])
    newest, base = records[0], records[-1]
    who = str(newest.history_user) if newest.history_user else "系统"
    if base is newest:
        return ChangesSince(who=who, when=newest.history_date, changes=[])
    model = type(obj)
    names = _related_names([newest, base])
    diff = newest.diff_against(base).changes
    changes = [_change(model, change, names) for change in diff if change.field not in HIDDEN_FIELDS]
    return ChangesSince(who=who, when=newest.history_date, changes=changes)
