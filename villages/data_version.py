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
- A deploy: every key holds the running code's fingerprint (villages/release.py), so new code never reads a
  figure the old code computed.

A cached aggregate must read only data tables: a table in `UNTRACKED` changes without a new version.

Counties: a write path that knows which counties' figures its writes can reach wraps them in `charged_to(counties)`
(a person's save: every county the person is linked to, `villages.roster.reach`; a risk re-evaluation: its
villages' counties). After the commit those counties' counters go up with the version. A figure of some counties
(`cached(..., counties=…)`: a county's dashboard, a village's computed API fields) is kept under the counters of
its counties and the shared counter, which every write not charged to counties raises (a transaction with one
uncharged write is uncharged). So a secretary's edit in one county leaves the other counties' figures cached,
and any write nobody charged still reaches every figure. Without `counties`, a figure is keyed by the version of
every write, as before.

Villages: a write path that also knows the villages its writes reach says so (`charged_to(counties, villages=…,
wide=…)`: a person's save names the villages of the person's posts, reserve places, home…; a risk re-evaluation
its villages). After the commit those villages' counters go up too. A figure of one village (`cached_many(...,
village_of=…)`: a village's computed API fields, its whole API entry, its township-page figures, its risk rows)
is kept under its village's counter, its county's wide counter and the shared counter. The wide counter goes up
with every write charged to the county but not to named villages (a charge without `villages`; a county in `wide`:
a relation that places a person in the county at no village), so a write that cannot say which villages it
reaches still reaches all of the county's. An edit in one village then leaves the other 99 villages of a county
cached; the county's own figures (dashboard) still see every write charged to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import F, Model, QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import cached_property

from villages.models import County, CountyDataVersion, DataVersion, Village, VillageDataVersion
from villages.models.raw_sql import id_subquery, quote
from villages.release import code_version

T = TypeVar("T")

UNTRACKED = frozenset(
    {
        DataVersion._meta.db_table,
        CountyDataVersion._meta.db_table,
        VillageDataVersion._meta.db_table,
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


@dataclass(frozen=True)
class Charge:
    """Whose figures the writes made inside `charged_to` reach: the county figures of `counties`, the village
    figures of `villages`, and every village figure of the counties in `wide`."""

    counties: frozenset[int]
    villages: frozenset[int]
    wide: frozenset[int]


_charged: ContextVar[Charge | None] = ContextVar("data_version_charged", default=None)
# The versions one request has read (`stamps_read_once`): by what was asked (None: the version of every write; a set
# of counties: their stamps; ("villages", …): village stamps).
_read_stamps: ContextVar[dict[Hashable, Any] | None] = ContextVar("data_version_read", default=None)


@contextlib.contextmanager
def charged_to(
    county_ids: Iterable[int], *, villages: Iterable[int] | None = None, wide: Iterable[int] = ()
) -> Iterator[None]:
    """Charge the writes made inside to these counties: the caller vouches that no figure of another county reads
    what they write (an empty set: no cached figure reads it at all). Without `villages`, any village figure of
    the counties may read it. With `villages` (each in one of the counties), the caller also vouches that, in the
    counties not listed in `wide`, no village figure but these villages' reads it."""
    counties = frozenset(i for i in county_ids if i)
    if villages is None:
        charge = Charge(counties, frozenset(), counties)
    else:
        charge = Charge(counties, frozenset(i for i in villages if i), counties & frozenset(wide))
    with charged(charge):
        yield


@contextlib.contextmanager
def charged(charge: Charge | None) -> Iterator[None]:
    """Charge the writes made inside as `charge` says (None: to nobody known, so they reach every figure)."""
    token = _charged.set(charge)
    try:
        yield
    finally:
        _charged.reset(token)


class _Raise:
    """The raise a transaction owes on commit: shared (some write was not charged) and what the charged writes
    reached (counties, villages, counties whose every village)."""

    def __init__(self, alias: str) -> None:
        self.alias, self.shared = alias, False
        self.counties, self.villages, self.wide = set[int](), set[int](), set[int]()

    def charge(self, charge: Charge | None) -> None:
        if charge is None:
            self.shared = True
        else:
            self.counties |= charge.counties
            self.villages |= charge.villages
            self.wide |= charge.wide

    def __call__(self) -> None:
        _raise_version(self.alias, shared=self.shared, counties=self.counties, villages=self.villages, wide=self.wide)


def _raise_version(
    alias: str,
    *,
    shared: bool = True,
    counties: Iterable[int] = (),
    villages: Iterable[int] = (),
    wide: Iterable[int] = (),
) -> None:
    read = _read_stamps.get()
    if read:  # this request wrote: what it read before is no longer the version
        read.clear()
    now = timezone.now()
    rows = DataVersion.objects.using(alias).filter(pk=1)
    raised: dict[str, Any] = {"version": F("version") + 1, "changed_at": now}
    if shared:
        raised |= {"shared_version": F("shared_version") + 1, "shared_changed_at": now}
    try:
        if not rows.update(**raised):
            DataVersion.objects.using(alias).get_or_create(
                pk=1, defaults={"version": 1, "changed_at": now, "shared_version": 1, "shared_changed_at": now}
            )
        _raise_counties(alias, set(counties), set(wide), now)
        _raise_villages(alias, set(villages), now)
    except DatabaseError:
        # Runs after the commit (never inside a transaction), so nothing is left aborted. Only a database
        # migrated to before the counters existed may refuse it: there is nothing cached to protect yet.
        if _counters_exist(alias):
            raise


def _counters_exist(alias: str) -> bool:
    connection = connections[alias]
    tables = connection.introspection.table_names()
    newest = {DataVersion: "shared_version", CountyDataVersion: "wide_version", VillageDataVersion: "version"}
    for model, column in newest.items():
        if model._meta.db_table not in tables:
            return False
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
        if column not in {c.name for c in columns}:
            return False
    return True


def _raise_counties(alias: str, ids: set[int], wide: set[int], now: Any) -> None:
    """Raise the counters of these counties (and the wide counters of `wide`)."""
    existing = _counters_of(alias, CountyDataVersion, County, ids | wide, now)
    counters = CountyDataVersion.objects.using(alias)
    counters.filter(county_id__in=existing - wide).update(version=F("version") + 1, changed_at=now)
    counters.filter(county_id__in=existing & wide).update(
        version=F("version") + 1, changed_at=now, wide_version=F("wide_version") + 1, wide_changed_at=now
    )


def _raise_villages(alias: str, ids: set[int], now: Any) -> None:
    """Raise the counters of these villages."""
    existing = _counters_of(alias, VillageDataVersion, Village, ids, now)
    VillageDataVersion.objects.using(alias).filter(village_id__in=existing).update(
        version=F("version") + 1, changed_at=now
    )


def _counters_of(alias: str, counter: type[Model], owner: type[Model], ids: set[int], now: Any) -> set[int]:
    """Of these counties or villages (`owner`), those that (still) exist, each with its row of `counter` (made at
    version 0 if it has none)."""
    if not ids:
        return set()
    existing = set(owner._base_manager.using(alias).filter(pk__in=ids).values_list("pk", flat=True))
    key = counter._meta.pk.attname  # county_id / village_id
    counter._base_manager.using(alias).bulk_create(
        [counter(**{key: pk, "version": 0, "changed_at": now}) for pk in existing], ignore_conflicts=True
    )
    return existing


def _pending_raise(alias: str) -> _Raise | None:
    return next((entry[1] for entry in connections[alias].run_on_commit if isinstance(entry[1], _Raise)), None)


def wrote_uncommitted(alias: str = "default") -> bool:
    """Has the current transaction written data it has not committed yet?"""
    return _pending_raise(alias) is not None


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql)
    if match and match.group(1).lower() not in UNTRACKED:
        alias = context["connection"].alias
        pending = _pending_raise(alias)
        if pending is None:
            pending = _Raise(alias)
            pending.charge(_charged.get())
            transaction.on_commit(pending, using=alias)  # in autocommit: at once
        else:
            pending.charge(_charged.get())
    return result


@receiver(connection_created, dispatch_uid="data_version_watch")
def watch_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def current() -> str:
    """The version as a cache-key part (version and time of the last raise; "0" before the first write)."""
    row = DataVersion.objects.filter(pk=1).values_list("version", "changed_at").first()
    return "0" if row is None else f"{row[0]}.{row[1].timestamp():.6f}"


def county_stamps(county_ids: Iterable[int]) -> dict[int, str]:
    """Per county: the stamp its figures are kept under (the shared counter and the county's own). One query."""
    ids = set(county_ids)
    shared_stamp, own = _county_counters(ids)
    return {pk: f"{shared_stamp}/{own.get(pk, '0')}" for pk in ids}


def _county_counters(counties: Iterable[int] | QuerySet) -> tuple[str, dict[int, str]]:
    """The shared counter's stamp and the counters of these counties that have one (a QuerySet of counties is read
    as a subquery). One query."""
    counters = _read_counters((_COUNTY, counties))
    return counters.pop((_SHARED, 0), "0"), {pk: stamp for (_, pk), stamp in counters.items()}


def village_stamps(county_of: dict[int, int]) -> dict[int, str]:
    """Per village (`county_of`: village -> its county): the stamp its figures are kept under (the shared counter,
    its county's wide counter and its own). One query."""
    counters = _read_counters((_WIDE, set(county_of.values())), (_VILLAGE, list(county_of)))
    shared_stamp = counters.get((_SHARED, 0), "0")
    return {
        pk: f"{shared_stamp}/{counters.get((_WIDE, county), '0')}/{counters.get((_VILLAGE, pk), '0')}"
        for pk, county in county_of.items()
    }


# The counters a stamp is made of: (model, id column, version column, time column) of each kind's rows.
_SHARED, _COUNTY, _WIDE, _VILLAGE = 0, 1, 2, 3
_COLUMNS: dict[int, tuple[type[Model], str, str, str]] = {
    _SHARED: (DataVersion, "id", "shared_version", "shared_changed_at"),  # the one row; id 0 in the result
    _COUNTY: (CountyDataVersion, "county_id", "version", "changed_at"),
    _WIDE: (CountyDataVersion, "county_id", "wide_version", "wide_changed_at"),
    _VILLAGE: (VillageDataVersion, "village_id", "version", "changed_at"),
}


def _read_counters(*counters: tuple[int, Iterable[int] | QuerySet]) -> dict[tuple[int, int], str]:
    """The shared counter and the given counter rows (each: its kind and the ids of its counties or villages, a
    list or a QuerySet read as a subquery), as {(kind, id): stamp part}. One query (a UNION ALL).

    Written as SQL: every page with a kept figure reads its stamps, and building the same UNION through the ORM
    cost about 1 ms of CPU a read (five times the SQL's own). The values are only compared, never shown: the
    change time is taken as the driver returns it (a datetime, or text on SQLite)."""
    selects, params = [], []
    for kind, ids in [(_SHARED, [1]), *counters]:
        model, column, version, at = _COLUMNS[kind]
        if isinstance(ids, QuerySet):
            found = id_subquery(ids)
            if found is None:  # an empty scope (`pk IN ()`): none of its counters exist
                continue
            where, where_params = found
        else:
            where_params = list(ids)
            if not where_params:
                continue
            where = ", ".join(["%s"] * len(where_params))
        cid = "0" if kind == _SHARED else quote(column)
        selects.append(
            f"SELECT {kind}, {cid}, {quote(version)}, {quote(at)} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(column)} IN ({where})"
        )
        params += where_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return {(kind, pk): _part(version, at) for kind, pk, version, at in cursor.fetchall()}


def _part(version: int, at: Any) -> str:
    return "0" if at is None else f"{version}.{at}"


@contextlib.contextmanager
def stamps_read_once() -> Iterator[None]:
    """Inside (one request): the stamp of a set of counties is read from the database once, however many cached
    figures the request shows (a reader may read the version once, before the data). A write committed inside
    forgets what was read, so what the request reads after its own write is keyed by the new version."""
    token = _read_stamps.set({})
    try:
        yield
    finally:
        _read_stamps.reset(token)


class StampsReadOnceMiddleware:
    """Each request reads the data versions once (`stamps_read_once`): one query instead of one per figure."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with stamps_read_once():
            return self.get_response(request)


def _read_once(key: Hashable, read_stamps: Callable[[], Any]) -> Any:
    """`read_stamps()`, from what this request already read under `key` when it did."""
    read = _read_stamps.get()
    if read is not None and key in read:
        return read[key]
    found = read_stamps()
    if read is not None:
        read[key] = found
    return found


def _county_stamps(counties: Iterable[int]) -> dict[int, str]:
    ids = frozenset(counties)
    return _read_once(ids, lambda: county_stamps(ids))


def _stamp(counties: Iterable[int] | QuerySet | None) -> str:
    if counties is None:
        return _read_once(None, current)
    if isinstance(counties, QuerySet):
        # A scope (County.objects.for_user(user)): read with the counters, in the same query. A county without a
        # counter has never had a charged write; its first one makes the counter, and so a new key.
        return _read_once(("county-scope", query_sql(counties)), lambda: repr(_county_counters(counties)))
    return repr(sorted(_county_stamps(counties).items()))


def query_sql(queryset: QuerySet) -> tuple[str, tuple]:
    """The SQL and parameters of `queryset`, compiled once per QuerySet object: a cache-key part that holds the
    user's scope and every filter. Compiling a scoped, filtered query costs a few ms of CPU, and one page keys
    several values by the same query (a list's total, its order). Every QuerySet method works on a copy of the
    query; the SQL is kept with the query object it was compiled from, so a query replaced since is compiled anew.
    A query no row can match has no SQL (Django refuses to compile it): ("", ())."""
    query = queryset.query
    found = queryset.__dict__.get("_data_version_sql")
    if found is None or found[0] is not query:
        try:
            found = (query, query.sql_with_params())
        except EmptyResultSet:  # `.none()`, `pk IN ()`: no row can match, whatever the query (a count of 0)
            found = (query, ("", ()))
        queryset.__dict__["_data_version_sql"] = found
    return found[1]


def _key(name: str, stamp: str, parts: tuple[object, ...]) -> str:
    """The cache key of a figure: its name, the data's stamp, what else it depends on, and the code that computed
    it (villages/release.py: after a deploy, nothing the previous code computed is found)."""
    return f"dv:{name}:{hashlib.sha256(repr((code_version(), stamp, parts)).encode()).hexdigest()[:40]}"


def cached(
    name: str,
    parts: tuple[object, ...],
    compute: Callable[[], T],
    *,
    counties: Iterable[int] | QuerySet | None = None,
) -> T:
    """`compute()`, kept under (name, parts, data version) until the next write; recomputed inside a transaction
    that has written (see the module docstring). `parts` must name everything else the value depends on (scope,
    reference date, role…). `counties`: the value reads only these counties' data (a county's figures): it is
    kept until the next write charged to one of them or not charged at all."""
    if wrote_uncommitted():
        return compute()
    key = _key(name, _stamp(counties), parts)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.DATA_CACHE_SECONDS)
    return found


def village_places(villages: Iterable[Village]) -> dict[int, tuple[int, int]]:
    """`cached_many`'s `village_of` for figures keyed by village: id -> (id, county id) (townships loaded)."""
    return {v.pk: (v.pk, v.township.county_id) for v in villages}


def cached_many(
    name: str,
    keys: list[Any],
    parts: tuple[object, ...],
    compute: Callable[[list[Any]], dict],
    *,
    county_of: dict[Any, int] | None = None,
    village_of: dict[Any, tuple[int, int]] | None = None,
) -> dict:
    """Per-key values (`compute(missing keys) -> {key: value}`), each kept as `cached` keeps one; with `county_of`
    (key -> the one county whose data the key's value reads) each under its county's stamp; with `village_of`
    (key -> the one village whose data the key's value reads, and that village's county) each under its village's
    stamp."""
    if wrote_uncommitted():
        return compute(keys)
    if village_of is not None:
        villages = dict(village_of[key] for key in keys)
        stamps = _read_once(("villages", frozenset(villages.items())), lambda: village_stamps(villages))
        names = {key: _key(name, stamps[village_of[key][0]], (parts, key)) for key in keys}
    elif county_of is not None:
        stamps = _county_stamps(county_of[key] for key in keys)
        names = {key: _key(name, stamps[county_of[key]], (parts, key)) for key in keys}
    else:
        stamp = _stamp(None)
        names = {key: _key(name, stamp, (parts, key)) for key in keys}
    found = cache.get_many(list(names.values()))
    values = {key: found[names[key]] for key in keys if names[key] in found}
    missing = [key for key in keys if key not in values]
    if missing:
        fresh = compute(missing)
        cache.set_many({names[key]: value for key, value in fresh.items()}, settings.DATA_CACHE_SECONDS)
        values.update(fresh)
    return values


def counted(queryset: QuerySet, *, counties: Iterable[int] | QuerySet | None = None) -> int:
    """`queryset.count()`, kept under the data version and the query's own SQL (which holds the user's scope and
    every filter): a list's total is counted once until the next write, not on every page turn. `counties` (ids,
    or a QuerySet of counties: a user's scope): the query reads only these counties' rows (see `cached`). A query
    that reads an `UNTRACKED` table (report jobs) is counted every time: its writes raise no version."""
    sql, params = query_sql(queryset)
    if any(f'"{table}"' in sql for table in UNTRACKED):
        return queryset.count()
    return cached("count", (sql, params), queryset.count, counties=counties)


class VersionedPaginator(Paginator):
    """A Paginator whose total comes from `counted` (for querysets; other sequences are counted as usual).
    `counties`: the list's rows are of these counties only (a user's scope, `County.objects.for_user(user)`)."""

    def __init__(self, *args: Any, counties: Iterable[int] | QuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = counties

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return counted(self.object_list, counties=self.counties)
        return super().count


def record_last_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Django's `update_last_login`, charged to no county: a login's time stamp is read by no cached figure, so a
    storm of logins before an election does not empty every county's cache (connected in VillagesConfig.ready)."""
    with charged_to(()):
        update_last_login(sender, user, **kwargs)
