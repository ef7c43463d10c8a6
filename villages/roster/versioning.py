"""Optimistic concurrency for roster rows: a save succeeds only against the version the user saw."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from villages.roster.history import ChangesSince, changes_since


class StaleEditError(Exception):
    """The row changed since the form was rendered; the message says so in Chinese, naming who, when and what.

    `current_version` is the row's version now; `changed` says who saved last, when, and which fields differ
    from the version the user saw (roster history).
    """

    def __init__(self, message: str, *, current_version: int | None = None, changed: ChangesSince | None = None):
        super().__init__(message)
        self.current_version = current_version
        self.changed = changed


def last_change_label(obj: models.Model) -> str:
    """'张三 于 2026-11-27 10:15' from the object's latest history record (empty when it has none)."""
    record = obj.history.select_related("history_user").order_by("-history_date").first()
    if record is None:
        return ""
    who = str(record.history_user) if record.history_user else "系统"
    return f"{who} 于 {timezone.localtime(record.history_date):%Y-%m-%d %H:%M}"


def save_versioned(obj: models.Model, *, expected_version: int) -> None:
    """Save `obj` (carrying the user's changes) only if its row still has `expected_version`; bump the version.

    The row is locked (select_for_update; SQLite's IMMEDIATE transactions serialise writers) so two saves
    cannot both pass the check. A plain model.save() keeps django-simple-history recording who changed what.
    Raises StaleEditError when someone else saved in between; nothing is written then.
    """
    model = type(obj)
    with transaction.atomic():
        current = model._base_manager.select_for_update().filter(pk=obj.pk).values_list("version", flat=True).first()
        if current != expected_version:
            raise _stale(obj, expected_version=expected_version, current_version=current)
        # The row is locked, so expected_version + 1 is exact (an F() would leak into history records).
        obj.version = expected_version + 1
        obj.save()


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
