"""Optimistic concurrency for roster rows: a save succeeds only against the version the user saw."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from django.db import transaction
from django.db.models.options import Options
from django.utils import timezone


class VersionedRow(Protocol):
    """A roster row under optimistic concurrency: a `version` column and django-simple-history's `history`."""

    pk: Any
    version: int
    history: Any  # simple_history's HistoryManager (the package ships no types)
    _meta: ClassVar[Options[Any]]

    def save(self, *args: Any, **kwargs: Any) -> None: ...

    def delete(self, *args: Any, **kwargs: Any) -> Any: ...


class StaleEditError(Exception):
    """The row changed since the form was rendered; the message says so in Chinese, naming who and when."""


def last_change_label(obj: VersionedRow) -> str:
    """'张三 于 2026-11-27 10:15' from the object's latest history record (empty when it has none)."""
    record = obj.history.select_related("history_user").order_by("-history_date").first()
    if record is None:
        return ""
    who = str(record.history_user) if record.history_user else "系统"
    return f"{who} 于 {timezone.localtime(record.history_date):%Y-%m-%d %H:%M}"


def save_versioned(obj: VersionedRow, *, expected_version: int) -> None:
    """Save `obj` (carrying the user's changes) only if its row still has `expected_version`; bump the version.

    The row is locked (select_for_update; SQLite's IMMEDIATE transactions serialise writers) so two saves
    cannot both pass the check. A plain model.save() keeps django-simple-history recording who changed what.
    Raises StaleEditError when someone else saved in between; nothing is written then.
    """
    with transaction.atomic():
        current = (
            obj._meta.model._base_manager.select_for_update()
            .filter(pk=obj.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current != expected_version:
            who_when = last_change_label(obj)
            raise StaleEditError(f"该记录已被他人修改（{who_when or '刚刚'}），请刷新后重试")
        # The row is locked, so expected_version + 1 is exact (an F() would leak into history records).
        obj.version = expected_version + 1
        obj.save()


def delete_versioned(obj: VersionedRow, *, expected_version: int) -> None:
    """Delete `obj` only if its row still has `expected_version` (someone may have corrected it meanwhile).

    History records the deletion (who, when, the last values). Raises StaleEditError like `save_versioned`.
    """
    with transaction.atomic():
        current = obj._meta.base_manager.select_for_update().filter(pk=obj.pk).values_list("version", flat=True).first()
        if current != expected_version:
            who_when = last_change_label(obj)
            raise StaleEditError(f"该记录已被他人修改（{who_when or '刚刚'}），请刷新后重试")
        obj.delete()
