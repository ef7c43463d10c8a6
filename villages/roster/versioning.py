"""Optimistic concurrency and attributed history for roster rows.

A save succeeds only against the version the user saw (`save_versioned`, or `stale_versions` for many rows at
once), and every save names who made it in the row's django-simple-history record (`save_attributed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.utils import timezone

from villages.roster.history import ChangesSince, changes_since
from villages.roster.invariants import RosterRefusal, RosterRefused

if TYPE_CHECKING:
    from villages.models import User

CHUNK = 900  # SQLite allows 999 parameters per query


class StaleEditError(RosterRefused):
    """The row changed since the form was rendered; the message says so in Chinese, naming who, when and what.

    A refusal on the `version` field, so entry paths that show refusals show this one too (the API answers 409).
    `current_version` is the row's version now; `changed` says who saved last, when, and which fields differ
    from the version the user saw (roster history).
    """

    def __init__(
        self, message: str, *, current_version: int | None = None, changed: ChangesSince | None = None
    ) -> None:
        super().__init__([RosterRefusal("version", message)])
        self.current_version = current_version
        self.changed = changed


def last_change_label(obj: models.Model) -> str:
    """'张三 于 2026-11-27 10:15' from the object's latest history record (empty when it has none)."""
    record = obj.history.select_related("history_user").order_by("-history_date").first()  # type: ignore[attr-defined]
    if record is None:
        return ""
    who = str(record.history_user) if record.history_user else "系统"
    return f"{who} 于 {timezone.localtime(record.history_date):%Y-%m-%d %H:%M}"


def save_attributed(obj: models.Model, *, by: User | None) -> None:
    """Save `obj` through model.save() so its history record names `by`.

    None leaves it to django-simple-history: the request's user (HistoryRequestMiddleware), else nobody (系统).
    """
    if by is not None:
        obj._history_user = by  # type: ignore[attr-defined]  # simple-history reads it before the request's user
    obj.save()


def stale_versions(*, model: type[models.Model], expected: Mapping[int, int]) -> list[int]:
    """Lock the rows `expected` names (pk → the version the user saw) and return the pks whose version moved on.

    Call inside a transaction: the rows stay locked until it ends (select_for_update; SQLite's IMMEDIATE
    transactions serialise writers), so nobody can change them between this check and the writes.
    """
    pks = sorted(expected)
    stale: list[int] = []
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        now = dict(model._base_manager.select_for_update().filter(pk__in=chunk).values_list("pk", "version"))
        stale += [pk for pk in chunk if now.get(pk) != expected[pk]]
    return stale


def save_versioned(obj: models.Model, *, expected_version: int, by: User | None = None) -> None:
    """Save `obj` (carrying the user's changes) only if its row still has `expected_version`; bump the version.

    Two saves cannot both pass the check (the row is locked, see `stale_versions`). The history record names
    `by` (see `save_attributed`). Raises StaleEditError when someone else saved in between; nothing is written.
    """
    with transaction.atomic():
        current = type(obj)._base_manager.select_for_update().filter(pk=obj.pk).values_list("version", flat=True)
        found = current.first()
        if found != expected_version:
            raise _stale(obj, expected_version=expected_version, current_version=found)
        # The row is locked, so expected_version + 1 is exact (an F() would leak into history records).
        obj.version = expected_version + 1  # type: ignore[attr-defined]
        save_attributed(obj, by=by)


def delete_versioned(obj: models.Model, *, expected_version: int, by: User | None = None) -> None:
    """Delete `obj` only if its row still has `expected_version` (someone may have corrected it meanwhile).

    History records the deletion (who, when, the last values). Raises StaleEditError like `save_versioned`.
    """
    with transaction.atomic():
        current = type(obj)._base_manager.select_for_update().filter(pk=obj.pk).values_list("version", flat=True)
        found = current.first()
        if found != expected_version:
            raise _stale(obj, expected_version=expected_version, current_version=found)
        if by is not None:
            obj._history_user = by  # type: ignore[attr-defined]  # simple-history reads it before the request's user
        obj.delete()


def _stale(obj: models.Model, *, expected_version: int, current_version: int | None) -> StaleEditError:
    """The refusal, naming who changed the row, when, and which fields ('该记录已被他人修改（张三 于 …：联系电话）')."""
    if current_version is None or expected_version > current_version:  # not a version this row ever had
        return StaleEditError(
            f"版本号 {expected_version} 与记录不符（当前为 {current_version}），请刷新后重试",
            current_version=current_version,
        )
    changed = changes_since(obj, saves=current_version - expected_version)
    who_when = f"{changed.who} 于 {timezone.localtime(changed.when):%Y-%m-%d %H:%M}" if changed.when else ""
    fields = "、".join(dict.fromkeys(change.label for change in changed.changes))
    said = f"{who_when or '刚刚'}{'，改动：' + fields if fields else ''}"
    return StaleEditError(
        f"该记录已被他人修改（{said}），请刷新后重试", current_version=current_version, changed=changed
    )
