"""The data version: one number that every write raises, the key of cached aggregates (dashboards, the villages
API's evaluations). A cached value is never older than the last write its reader could have seen:

- Every INSERT, UPDATE or DELETE that Django sends to a data table (all but the bookkeeping of `UNTRACKED`:
  sessions, login records, tokens, the ID-view log, report job rows) schedules one raise per transaction, run when
  it commits (`transaction.on_commit`; in autocommit, at once). Bulk writes, `QuerySet.update()` and raw SQL
  through Django's cursors count too: the watch is on the SQL, not on model signals.
- The raise is one UPDATE of one row after the commit, outside the writer's transaction: writers never wait on
  each other for it (an import's long transaction holds no lock on the counter).
- It runs before the writer's response is sent, so any request that starts after a write reads the new version.
  A reader reads the version before the data, so an entry can hold newer data than its key, never older.
- A transaction that has written and not yet committed (a view that writes then reads; every test wrapped in a
  transaction) computes without the cache: its own rows are in no cached entry.
- Writes that bypass Django (psql by hand) are not seen: `DATA_CACHE_SECONDS` bounds how long they stay hidden.

A cached aggregate must read only data tables: a table in `UNTRACKED` changes without a new version.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import F, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property

from villages.models import DataVersion

T = TypeVar("T")

UNTRACKED = frozenset(
    {
        DataVersion._meta.db_table,
        "django_session",
        "django_migrations",
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
        "authtoken_token",
        "villages_idnumberview",  # written when a whole ID number is shown: a read
        "tasks_reportjob",  # job state; the report cache has its own versions (tasks/reports/versions.py)
    }
)
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)', re.IGNORECASE)


def _raise_version(alias: str) -> None:
    now = timezone.now()
    rows = DataVersion.objects.using(alias).filter(pk=1)
    try:
        if not rows.update(version=F("version") + 1, changed_at=now):
            DataVersion.objects.using(alias).get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
    except DatabaseError:
        # Runs after the commit (never inside a transaction), so nothing is left aborted. Only a database
        # migrated to before the counter existed may refuse it: there is nothing cached to protect yet.
        if DataVersion._meta.db_table in connections[alias].introspection.table_names():
            raise


@functools.cache
def _raise_for(alias: str) -> Callable[[], None]:
    """One callable per database, so a transaction's pending raise can be recognised among its on-commit hooks."""
    return functools.partial(_raise_version, alias)


def wrote_uncommitted(alias: str = "default") -> bool:
    """Has the current transaction written data it has not committed yet?"""
    hook = _raise_for(alias)
    return any(entry[1] is hook for entry in connections[alias].run_on_commit)


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql)
    if match and match.group(1).lower() not in UNTRACKED:
        alias = context["connection"].alias
        if not wrote_uncommitted(alias):
            transaction.on_commit(_raise_for(alias), using=alias)
    return result


@receiver(connection_created, dispatch_uid="data_version_watch")
def watch_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def current() -> str:
    """The version as a cache-key part (version and time of the last raise; "0" before the first write)."""
    row = DataVersion.objects.filter(pk=1).values_list("version", "changed_at").first()
    return "0" if row is None else f"{row[0]}.{row[1].timestamp():.6f}"


def _key(name: str, stamp: str, parts: tuple[object, ...]) -> str:
    return f"dv:{name}:{stamp}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:32]}"


def cached(name: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """`compute()`, kept under (name, parts, data version) until the next write; recomputed inside a transaction
    that has written (see the module docstring). `parts` must name everything else the value depends on (scope,
    reference date, role…)."""
    if wrote_uncommitted():
        return compute()
    key = _key(name, current(), parts)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.DATA_CACHE_SECONDS)
    return found


def cached_many(name: str, keys: list[Any], parts: tuple[object, ...], compute: Callable[[list[Any]], dict]) -> dict:
    """Per-key values (`compute(missing keys) -> {key: value}`), each kept as `cached` keeps one."""
    if wrote_uncommitted():
        return compute(keys)
    prefix = _key(name, current(), parts)
    names = {key: f"{prefix}:{key}" for key in keys}
    found = cache.get_many(list(names.values()))
    values = {key: found[names[key]] for key in keys if names[key] in found}
    missing = [key for key in keys if key not in values]
    if missing:
        fresh = compute(missing)
        cache.set_many({names[key]: value for key, value in fresh.items()}, settings.DATA_CACHE_SECONDS)
        values.update(fresh)
    return values


def counted(queryset: QuerySet) -> int:
    """`queryset.count()`, kept under the data version and the query's own SQL (which holds the user's scope and
    every filter): a list's total is counted once until the next write, not on every page turn."""
    sql, params = queryset.query.sql_with_params()
    return cached("count", (sql, params), queryset.count)


class VersionedPaginator(Paginator):
    """A Paginator whose total comes from `counted` (for querysets; other sequences are counted as usual)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return counted(self.object_list)
        return super().count
