"""The audit trail: who changed which roster entry (people, posts, assessments, reserves, village data), who was
shown a whole ID number, and who changed which user account, merged into one newest-first list.

`audit_rows` decides which rows a user may see (the villages of their scope, like every other page);
`audit_entries` turns one page of rows into readable entries (Chinese field labels, choice labels, ID numbers
masked) with a constant number of queries: one per source table for the page, one per history table for the
previous versions, and three for the names of people, villages and groups.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import CharField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from simple_history.utils import get_history_manager_for_model

from villages import idcard
from villages.models import (
    AccountEvent,
    Assessment,
    Group,
    IdNumberExport,
    IdNumberView,
    Person,
    PostAssignment,
    User,
    Village,
    concrete_field,
)
from villages.roster.history import HIDDEN_FIELDS, Change, _display

ID_NUMBER_IN_TEXT = re.compile(r"\d{17}[\dXx]|\d{15}")
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
ID_VIEW = "id_view"
ACCOUNT = "account"
ID_EXPORT = "id_export"
EXPORT_NAMES_SHOWN = 5  # names in the one-line subject of an export; the full list is in `people`
_EXPORTED_PEOPLE = Prefetch("people", queryset=Person.objects.select_related("home_village").order_by("name", "pk"))
AUDIT_HIDDEN_FIELDS = HIDDEN_FIELDS | {"appointed_post", "deleted_at"}


@dataclass(frozen=True)
class Source:
    """One history table: its label, model, and how its rows are tied to villages (for scoping)."""

    label: str
    model: type[models.Model]

    def history(self) -> QuerySet:
        return get_history_manager_for_model(self.model).all()

    def in_villages(self, records: QuerySet, villages: QuerySet[Village]) -> QuerySet:
        if self.model is Village:
            return records.filter(id__in=villages.values("pk"))
        if self.model is Person:
            return records.filter(id__in=Person.objects.in_villages(villages).values("pk"))
        if self.model is Assessment:
            return records.filter(person_id__in=Person.objects.in_villages(villages).values("pk"))
        return records.filter(village_id__in=villages.values("pk"))


SOURCES: dict[str, Source] = {
    "person": Source("人员信息", Person),
    "post": Source("任职", PostAssignment),
    "assessment": Source("年度考核", Assessment),
    "village": Source("村基本信息", Village),
}


def register_source(key: str, source: Source) -> None:
    """Apps above this one (reserves) add their history tables here from their AppConfig.ready()."""
    SOURCES[key] = source


def kind_choices() -> list[tuple[str, str]]:
    """The audit filter's kinds: every registered history table, whole-ID views and exports, account changes."""
    return [(key, source.label) for key, source in SOURCES.items()] + [
        (ID_VIEW, "查看完整身份证号"),
        (ID_EXPORT, "导出完整身份证号"),
        (ACCOUNT, "用户账号"),
    ]


@dataclass
class AuditEntry:
    when: dt.datetime
    who: str
    kind: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # an export: each person whose whole ID it held (masked here)


def audit_rows(
    *,
    user: User,
    villages: QuerySet[Village] | None = None,
    actor: User | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    kinds: list[str] | None = None,
) -> QuerySet:
    """Newest-first `{audit_kind, audit_pk, audit_at}` rows the user may see, as one UNION query.

    `villages` narrows the scope (it must already be scoped: `Village.objects.for_user(user)…`); `since` is
    inclusive, `until` exclusive. Paginate the result and pass a page to `audit_entries`.
    Account changes are scoped by the account's township (county staff and city admins, when not narrowed to
    villages, also see county-level accounts; city admins every account of their city, province admins every account).
    """
    narrowed = villages is not None
    villages = villages if villages is not None else Village.objects.for_user(user)
    kinds = kinds or [key for key, _label in kind_choices()]
    parts: list[QuerySet] = []
    for key in kinds:
        if key == ID_VIEW:
            records = IdNumberView.objects.filter(person_id__in=Person.objects.in_villages(villages).values("pk"))
            parts.append(_rows(records, key, "pk", "viewed_at", "viewed_by_id", actor, since, until))
        elif key == ACCOUNT:
            events = account_events(user=user, villages=villages, narrowed=narrowed)
            parts.append(_rows(events, key, "pk", "at", "actor_id", actor, since, until))
        elif key == ID_EXPORT:
            listed = IdNumberExport.people.through.objects.filter(
                person_id__in=Person.objects.in_villages(villages).values("pk")
            )
            exports = IdNumberExport.objects.filter(pk__in=listed.values("idnumberexport_id"))
            parts.append(_rows(exports, key, "pk", "viewed_at", "viewed_by_id", actor, since, until))
        elif key in SOURCES:
            records = SOURCES[key].in_villages(SOURCES[key].history(), villages)
            parts.append(_rows(records, key, "history_id", "history_date", "history_user_id", actor, since, until))
    if not parts:
        return IdNumberView.objects.none().values("pk")
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-audit_at", "-audit_pk") if rest else first.order_by("-audit_at")


def account_events(*, user: User, villages: QuerySet[Village], narrowed: bool) -> QuerySet[AccountEvent]:
    """Account changes the user may see: those of accounts in the villages' townships; unless narrowed to some
    villages, also their counties' county-level accounts (not for township secretaries), for a city admin every
    account of their city and for a province admin every account."""
    events = AccountEvent.objects.all()
    if not user.is_authenticated:
        return events.none()
    if user.is_province_admin and not narrowed:
        return events
    if user.is_city_admin and user.city_id is not None and not narrowed:
        return events.filter(city_id=user.city_id)
    mine = Q(township__in=villages.values("township"))
    if not narrowed and user.is_county_staff:
        mine |= Q(township__isnull=True, county__in=villages.values("township__county"))
    return events.filter(mine)


def _rows(
    records: QuerySet,
    kind: str,
    pk: str,
    at: str,
    by: str,
    actor: User | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> QuerySet:
    if actor is not None:
        records = records.filter(**{by: actor.pk})
    if since is not None:
        records = records.filter(**{f"{at}__gte": since})
    if until is not None:
        records = records.filter(**{f"{at}__lt": until})
    return (
        records.order_by()
        .annotate(audit_kind=Value(kind, output_field=CharField()), audit_pk=F(pk), audit_at=F(at))
        .values("audit_kind", "audit_pk", "audit_at")
    )


def audit_entries(rows: list[dict[str, Any]]) -> list[AuditEntry]:
    """Readable entries for one page of `audit_rows`, in the same order."""
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(row["audit_kind"], []).append(row["audit_pk"])
    loaded: dict[tuple[str, int], Any] = {}
    previous: dict[tuple[str, int], Any] = {}
    for kind, pks in wanted.items():
        if kind == ID_VIEW:
            views = IdNumberView.objects.filter(pk__in=pks).select_related(*_user_paths("viewed_by"))
            loaded |= {(kind, view.pk): view for view in views.select_related("person__home_village")}
            continue
        if kind == ID_EXPORT:
            exports = IdNumberExport.objects.filter(pk__in=pks).select_related(*_user_paths("viewed_by"))
            loaded |= {(kind, export.pk): export for export in exports.prefetch_related(_EXPORTED_PEOPLE)}
            continue
        if kind == ACCOUNT:
            loaded |= {(kind, e.pk): e for e in AccountEvent.objects.filter(pk__in=pks).select_related("user", "actor")}
            continue
        records, before = _history_with_previous(SOURCES[kind].model, pks)
        loaded |= {(kind, r.history_id): r for r in records}
        previous |= {(kind, r.history_id): before.get(r.prev_history_id) for r in records}
    names = _names(
        [r for r in loaded.values() if not isinstance(r, AccountEvent)] + [p for p in previous.values() if p]
    )
    entries = []
    for row in rows:
        key = (row["audit_kind"], row["audit_pk"])
        if key in loaded:
            entries.append(_entry(row["audit_kind"], loaded[key], previous.get(key), names))
    return entries


def _history_with_previous(model: type[models.Model], pks: list[int]) -> tuple[list[Any], dict[int, Any]]:
    """The page's history records of one model, and the record before each (two queries)."""
    history = get_history_manager_for_model(model).model
    prev = history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    records = list(
        history.objects.filter(history_id__in=pks)
        .select_related(*_user_paths("history_user"))
        .annotate(prev_history_id=Subquery(prev.values("history_id")[:1]))
    )
    prev_ids = [r.prev_history_id for r in records if r.prev_history_id]
    before = {r.history_id: r for r in history.objects.filter(history_id__in=prev_ids)} if prev_ids else {}
    return records, before


def _names(records: list[Any]) -> dict[tuple[type, int], str]:
    """Names of the people, villages and groups the records point at (three queries at most)."""
    person_ids = {pk for r in records for pk in (getattr(r, "person_id", None), getattr(r, "mentor_id", None)) if pk}
    village_ids: set[int] = {
        pk for r in records for pk in (getattr(r, "village_id", None), getattr(r, "home_village_id", None)) if pk
    }
    village_ids |= {r.id for r in records if isinstance(r, Village.history.model)}
    group_ids = {r.group_id for r in records if getattr(r, "group_id", None)}
    names: dict[tuple[type, int], str] = {}
    if person_ids:
        names |= {(Person, pk): name for pk, name in Person.objects.filter(pk__in=person_ids).values_list("pk", "name")}
    if village_ids:
        villages = Village.objects.filter(pk__in=village_ids).values_list("pk", "name")
        names |= {(Village, pk): name for pk, name in villages}
    if group_ids:
        names |= {(Group, g.pk): str(g) for g in Group.objects.filter(pk__in=group_ids)}
    return names


def _account(user: User) -> str:
    """An account names its login too: that is what the account pages and the login form show."""
    return f"{user.display_name}（{user.username}）" if user.display_name else user.username


def _user_paths(path: str) -> tuple[str, ...]:
    """select_related paths for a user and the units `_who` names."""
    return (path, f"{path}__township", f"{path}__county")


def _who(user: User | None, nobody: str = "系统") -> str:
    """The acting user in Chinese: name and role with scope ("张三（凌云乡 · 乡镇党委书记）"), never a login name
    unless the account has no name at all."""
    if user is None:
        return nobody
    name = user.display_name or user.username
    if not user.role:
        return name
    role = user.get_role_display() if user.is_province_admin else f"{user.scope_label} · {user.get_role_display()}"
    return f"{name}（{role}）"


def _entry(kind: str, record: Any, before: Any, names: dict[tuple[type, int], str]) -> AuditEntry:
    if kind == ID_VIEW:
        person = record.person
        subject = f"{person.name}（{person.home_village.name}）的完整身份证号 {idcard.mask(person.id_number)}"
        context = f" · {record.context_label}" if record.context else ""
        return AuditEntry(record.viewed_at, _who(record.viewed_by), "查看身份证号", f"查看{context}", subject)
    if kind == ACCOUNT:
        change = Change(label=record.get_action_display(), old=record.before, new=record.after)
        return AuditEntry(
            record.at, _who(record.actor, "系统（命令行）"), "用户账号", record.get_action_display(),
            f"账号 {_account(record.user)}", [change],
        )  # fmt: skip
    if kind == ID_EXPORT:
        return _export_entry(record)
    source = SOURCES[kind]
    entry = AuditEntry(
        when=record.history_date,
        who=_who(record.history_user),
        kind=source.label,
        action=ACTIONS.get(record.history_type, record.history_type),
        subject=_subject(source.model, record, names),
    )
    if record.history_type == "~" and before is not None:
        delta = record.diff_against(before)
        if source.model is Person and (record.deleted_at is None) != (before.deleted_at is None):
            entry.action = "删除" if record.deleted_at else "恢复"
        entry.changes = [_change(source.model, c, names) for c in delta.changes if c.field not in AUDIT_HIDDEN_FIELDS]
    return entry


def _change(model: type[models.Model], change: Any, names: dict[tuple[type, int], str]) -> Change:
    return Change(
        label=str(concrete_field(model, change.field).verbose_name),
        old=_masked(_display(model, change.field, change.old, names)),
        new=_masked(_display(model, change.field, change.new, names)),
    )


def _masked(text: str) -> str:
    """Whole ID numbers never appear in the audit trail (a diff of 公民身份号码, or one typed into 备注)."""
    return ID_NUMBER_IN_TEXT.sub(lambda m: idcard.mask(m.group(0)), text)


def _subject(model: type[models.Model], record: Any, names: dict[tuple[type, int], str]) -> str:
    if model is Person:
        return f"{record.name}（{names.get((Village, record.home_village_id), '')}）"
    if model is Village:
        return record.name
    person = names.get((Person, record.person_id), f"#{record.person_id}")
    if model is Assessment:
        return f"{person} {record.year}年"
    village = names.get((Village, record.village_id), "")
    if model is PostAssignment:
        return f"{person}：{village}{record.get_post_display()}"
    return f"{person}：{village} 目标岗位 {record.get_target_post_display()}"


def _export_entry(record: IdNumberExport) -> AuditEntry:
    """One export, one line: how many whole numbers it held and whose (masked)."""
    people = [f"{p.name}（{p.home_village.name}）{idcard.mask(p.id_number)}" for p in record.people.all()]
    names = "、".join(p.name for p in record.people.all()[:EXPORT_NAMES_SHOWN])
    more = f"等{record.count}人" if record.count > EXPORT_NAMES_SHOWN else f"共{record.count}人"
    subject = f"{record.context_label}：{names}{more}的完整身份证号"
    return AuditEntry(record.viewed_at, _who(record.viewed_by), "导出身份证号", "导出", subject, people=people)
