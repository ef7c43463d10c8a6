"""Roster import: plan (what each row would create, update or leave unchanged, and every problem), then apply.

Contract:
- `plan_import` reads nothing but the sheet and a constant number of bulk queries per import (villages, groups,
  and the people, current posts, scope and assessments of the file's ID numbers, fetched in chunks): no query per
  row. It writes nothing.
- Rows are matched to villages by name within the township (or by 12-digit code) and to people by ID number.
  An existing person is updated (upsert); a post they already hold in that village is not duplicated; posts not
  listed are left as they are (ending a post is a roster edit, not an import). A person who holds a current post in
  another township's village, or who is outside the township's roster altogether, is a conflict for that row.
- `年度考核` is the grade of `sheet.assessment_year` (the year in a header like `2025年度考核`, else last year).
- `任职时间` is the start date of the posts the import creates; posts already held keep their dates.
- `apply_import` writes a valid plan in one transaction, with a history record per created/updated person, post
  and assessment (history_user = the importing user; None for the command). Nothing is written if any row has a
  problem.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from villages import idcard
from villages.choices import ORGAN_OF_POST, Grade, Post, SourceCategory
from villages.models import Assessment, Group, Person, PostAssignment, Township, User, Village
from villages.signals import schedule_recompute
from villages.workbook.bulk import insert_with_history
from villages.workbook.codes import normalise_text
from villages.workbook.problems import RowProblem
from villages.workbook.reader import RosterSheet
from villages.workbook.rows import ParsedRow, parse_row

CREATE, UPDATE, UNCHANGED, INVALID = "create", "update", "unchanged", "invalid"
ACTION_LABELS = {CREATE: "新增", UPDATE: "更新", UNCHANGED: "无变化", INVALID: "有问题"}
CHUNK = 900  # SQLite allows 999 parameters per query
PROGRESS_EVERY = 250
CHANGE_REASON = "花名册导入"
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "party_joined_on",
    "education",
    "education_in_service",
    "health",
    "able_to_serve",
    "phone",
    "source_categories",
    "notes",
)

Progress = Callable[[int, int], None]


class StaleImportError(RuntimeError):
    """Someone changed a person after the plan was made: plan again."""


@dataclass
class RowPlan:
    number: int
    name: str
    id_masked: str
    village_name: str
    village_id: int | None = None
    action: str = INVALID
    changes: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    person: Person | None = None
    person_changed: list[str] = field(default_factory=list)  # Person fields changed on an existing person
    new_posts: list[PostAssignment] = field(default_factory=list)
    changed_posts: list[PostAssignment] = field(default_factory=list)
    assessment: Assessment | None = None  # created or changed
    assessment_is_new: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "name": self.name,
            "id": self.id_masked,
            "village": self.village_name,
            "action": self.action,
            "changes": self.changes,
            "warnings": self.warnings,
        }


@dataclass
class ImportPlan:
    township: Township
    user: User | None
    sheet: RosterSheet
    rows: list[RowPlan] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # person pk → version the plan was made against

    @property
    def problems(self) -> list[RowProblem]:
        found = [*self.sheet.problems, *(p for row in self.rows for p in row.problems)]
        return sorted(found, key=lambda p: (p.row, self.sheet.column_position(p.column)))

    @property
    def is_valid(self) -> bool:
        return not self.sheet.problems and all(row.action != INVALID for row in self.rows) and bool(self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED, INVALID), 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts | {"rows": len(self.rows)}

    def summary(self) -> dict[str, Any]:
        """JSON-ready account of the plan (stored on an ImportJob, shown in the preview)."""
        problems = self.problems
        if not self.rows and not problems:
            problems = [RowProblem(self.sheet.header_row + 1, "数据", "表格中没有数据行")]
        return {
            "valid": self.is_valid,
            "township": self.township.code,
            "sheet": self.sheet.sheet_title,
            "assessment_year": self.sheet.assessment_year,
            "counts": self.counts,
            "problems": [p.as_dict() for p in problems],
            "rows": [row.as_dict() for row in self.rows],
        }


@dataclass
class _Existing:
    """What the database holds for the file: fetched in bulk before any row is planned."""

    villages_by_key: dict[str, Village]
    groups: dict[tuple[int, int], Group]
    people: dict[str, Person]
    current_posts: dict[int, list[PostAssignment]]
    in_scope: set[int]
    assessments: dict[int, Assessment]


def plan_import(
    *,
    sheet: RosterSheet,
    township: Township,
    user: User | None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """What importing `sheet` into `township` would do (see module docstring); writes nothing."""
    today = today or timezone.localdate()
    plan = ImportPlan(township=township, user=user, sheet=sheet)
    parsed: list[ParsedRow] = []
    for index, row in enumerate(sheet.rows, start=1):
        parsed.append(parse_row(row, sheet=sheet, today=today))
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, len(sheet.rows))
    existing = _load_existing(township, [p.id.number for p in parsed if p.id], year=sheet.assessment_year)
    plan.versions = {person.pk: person.version for person in existing.people.values()}
    first_row_of: dict[str, int] = {}
    for row in parsed:
        plan.rows.append(_plan_row(row, sheet=sheet, township=township, existing=existing, first_row_of=first_row_of))
    if progress:
        progress(len(sheet.rows), len(sheet.rows))
    return plan


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _load_existing(township: Township, id_numbers: list[str], *, year: int) -> _Existing:
    by_key = villages_by_key(Village.objects.filter(township=township))
    groups = {(g.village_id, g.number): g for g in Group.objects.filter(village__township=township)}
    people: dict[str, Person] = {}
    for chunk in _chunks(sorted(set(id_numbers))):
        people |= {p.id_number: p for p in Person.objects.filter(id_number__in=chunk).select_related("home_village")}
    person_ids = [p.pk for p in people.values()]
    posts: dict[int, list[PostAssignment]] = defaultdict(list)
    in_scope: set[int] = set()
    assessments: dict[int, Assessment] = {}
    township_villages = Village.objects.filter(township=township)
    for chunk in _chunks(person_ids):
        held = PostAssignment.objects.filter(person_id__in=chunk, end_on__isnull=True)
        for post in held.select_related("village__township", "group"):
            posts[post.person_id].append(post)
        in_scope |= set(Person.objects.filter(pk__in=chunk).in_villages(township_villages).values_list("pk", flat=True))
        assessments |= {a.person_id: a for a in Assessment.objects.filter(person_id__in=chunk, year=year)}
    return _Existing(by_key, groups, people, posts, in_scope, assessments)


def villages_by_key(villages: Iterable[Village]) -> dict[str, Village]:
    """Villages by 12-digit code and by normalised name (what a workbook's 村名称 cell may hold)."""
    by_key: dict[str, Village] = {}
    for village in villages:
        by_key[village.code] = village
        by_key[normalise_text(village.name)] = village
    return by_key


def find_village(text: str, villages_by_key: dict[str, Village]) -> Village | None:
    """The village a cell names: by code or name, with or without its 村/社区 suffix (None if none matches)."""
    for key in (text, f"{text}村", text.removesuffix("村"), text.removesuffix("社区")):
        if key and key in villages_by_key:
            return villages_by_key[key]
    return None


def _plan_row(
    row: ParsedRow, *, sheet: RosterSheet, township: Township, existing: _Existing, first_row_of: dict[str, int]
) -> RowPlan:
    village = find_village(row.village_text, existing.villages_by_key) if row.village_text else None
    plan = RowPlan(
        number=row.number,
        name=row.name,
        id_masked=idcard.mask(row.id.number) if row.id else "",
        village_name=village.name if village else row.village_text,
        village_id=village.pk if village else None,
        problems=list(row.problems),
        warnings=list(row.warnings),
    )

    def problem(key: str, message: str) -> None:
        plan.problems.append(RowProblem(row.number, sheet.header(key), message))

    if row.village_text and village is None:
        problem("village", f"{township.name}没有名为“{row.village_text}”的村（可填村名或12位代码）")
    person = None
    if row.id:
        if row.id.number in first_row_of:
            problem("id_number", f"与第 {first_row_of[row.id.number]} 行是同一人（身份证号码重复）")
        first_row_of.setdefault(row.id.number, row.number)
        person = existing.people.get(row.id.number)
        if person:
            _check_conflicts(person, township=township, existing=existing, problem=problem)
        elif "education" not in row.fields and not any(p.column == sheet.header("education") for p in row.problems):
            problem("education", "新增人员必须填写学历")
    posts = _resolve_posts(row, village, existing=existing, problem=problem)
    if plan.problems or village is None or row.id is None:
        return plan
    if person is None:
        _plan_new_person(plan, row, village)
    else:
        _plan_person_update(plan, row, person)
    _plan_posts(plan, village, posts, start_on=row.start_on, existing=existing)
    _plan_assessment(plan, row, year=sheet.assessment_year, existing=existing)
    if plan.action != CREATE:
        plan.action = UPDATE if plan.changes else UNCHANGED
    return plan


def _check_conflicts(
    person: Person, *, township: Township, existing: _Existing, problem: Callable[[str, str], None]
) -> None:
    elsewhere = [post for post in existing.current_posts[person.pk] if post.village.township_id != township.pk]
    if person.deleted_at:
        problem("id_number", "该人员已被删除，不能导入（如需恢复请联系管理员）")
    elif elsewhere:
        held = "、".join(f"{p.village.township.name}{p.village.name}{p.get_post_display()}" for p in elsewhere)
        problem("id_number", f"该人员已在其他乡镇任职（{held}），不能导入本乡镇")
    elif person.pk not in existing.in_scope:
        problem("id_number", "该人员属于其他乡镇的花名册，不能导入本乡镇")


def _resolve_posts(
    row: ParsedRow, village: Village | None, *, existing: _Existing, problem: Callable[[str, str], None]
) -> list[tuple[str, Group | None]]:
    """Each listed post with its 社 (社长 only); a 社长 without a 社 of this village is a problem."""
    resolved: list[tuple[str, Group | None]] = []
    for post, named_group in row.posts:
        if post != Post.GROUP_LEADER:
            resolved.append((post, None))
            continue
        number = named_group or row.group_number
        if number is None:
            problem("group", "社长必须填写所在社")
        elif village is not None:
            group = existing.groups.get((village.pk, number))
            if group is None:
                problem("group", f"{village.name}没有第{number}社")
            resolved.append((post, group))
    return resolved


def _plan_new_person(plan: RowPlan, row: ParsedRow, village: Village) -> None:
    plan.person = Person(home_village_id=village.pk, id_number=row.id.number if row.id else "", **row.fields)
    plan.action = CREATE
    plan.changes.append("新增人员")


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    model_field = Person._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value)) or "（空）"
    if name == "source_categories":
        return "、".join(str(SourceCategory(code).label) for code in value) or "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value not in (None, "") else "（空）"


def _plan_person_update(plan: RowPlan, row: ParsedRow, person: Person) -> None:
    plan.person = person
    for name, value in row.fields.items():
        if getattr(person, name) == value:
            continue
        before = _display(person, name)
        setattr(person, name, value)
        plan.person_changed.append(name)
        plan.changes.append(f"{Person._meta.get_field(name).verbose_name}：{before} → {_display(person, name)}")


def _plan_posts(
    plan: RowPlan,
    village: Village,
    posts: list[tuple[str, Group | None]],
    *,
    start_on: dt.date | None,
    existing: _Existing,
) -> None:
    person = plan.person
    held = {p.post: p for p in existing.current_posts.get(person.pk, []) if p.village_id == village.pk}
    for post, group in posts:
        current = held.get(post)
        if current is None:
            plan.new_posts.append(
                PostAssignment(  # person_id is set in apply_import, once new people have their pk
                    village_id=village.pk,
                    organ=ORGAN_OF_POST[post],
                    post=post,
                    group_id=group.pk if group else None,
                    start_on=start_on,
                )
            )
            label = Post(post).label + (f"（{group}）" if group else "")
            plan.changes.append(f"新增职务：{label}" + (f"，{start_on:%Y-%m-%d}起" if start_on else ""))
        elif group is not None and current.group_id != group.pk:
            plan.changes.append(f"社长所在社：{current.group} → {group}")
            current.group = group
            current.version += 1
            plan.changed_posts.append(current)


def _plan_assessment(plan: RowPlan, row: ParsedRow, *, year: int, existing: _Existing) -> None:
    if not row.grade:
        return
    person = plan.person
    current = existing.assessments.get(person.pk) if person.pk else None
    label = Grade(row.grade).label
    if current is None:
        plan.assessment = Assessment(year=year, grade=row.grade)  # person_id is set in apply_import
        plan.assessment_is_new = True
        plan.changes.append(f"{year}年度考核：{label}")
    elif current.grade != row.grade:
        plan.changes.append(f"{year}年度考核：{current.get_grade_display()} → {label}")
        current.grade = row.grade
        plan.assessment = current


def apply_import(plan: ImportPlan) -> dict[str, int]:
    """Write a valid plan in one transaction; returns the counts. ValueError if the plan has any problem.

    StaleImportError (nothing written) if a person changed since the plan was made.
    """
    if not plan.is_valid:
        raise ValueError("导入数据有问题，未写入任何数据")
    history = {"user": plan.user, "reason": CHANGE_REASON}
    rows = [row for row in plan.rows if row.action in (CREATE, UPDATE)]
    with transaction.atomic():
        _check_versions(plan)
        insert_with_history([row.person for row in rows if row.action == CREATE], Person, **history)
        changed = [row for row in rows if row.action == UPDATE and row.person_changed]
        for row in changed:
            row.person.version += 1
        fields = [*sorted({name for row in changed for name in row.person_changed}), "version"]
        _bulk_update(Person, [row.person for row in changed], fields, history)
        new_posts = [post for row in rows for post in row.new_posts]
        for row in rows:
            for post in row.new_posts:
                post.person_id = row.person.pk  # new people have their pk now
        insert_with_history(new_posts, PostAssignment, **history)
        _bulk_update(PostAssignment, [p for row in rows for p in row.changed_posts], ["group", "version"], history)
        grades = [row for row in rows if row.assessment is not None]
        for row in grades:
            row.assessment.person_id = row.person.pk
        insert_with_history([r.assessment for r in grades if r.assessment_is_new], Assessment, **history)
        _bulk_update(Assessment, [r.assessment for r in grades if not r.assessment_is_new], ["grade"], history)
        # Bulk writes send no post_save: ask for the risk recompute of the touched villages (runs on commit).
        schedule_recompute({row.village_id for row in rows} | {row.person.home_village_id for row in rows})
    return plan.counts


def _bulk_update(model: type[models.Model], objs: list[Any], fields: Iterable[str], history: dict[str, Any]) -> None:
    if objs:
        bulk_update_with_history(
            objs,
            model,
            list(fields),
            default_user=history["user"],
            default_change_reason=history["reason"],
            batch_size=500,
        )


def _check_versions(plan: ImportPlan) -> None:
    pks = [row.person.pk for row in plan.rows if row.action == UPDATE and row.person and row.person.pk]
    for chunk in _chunks(pks):
        now = dict(Person.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "version"))
        stale = [pk for pk in chunk if now.get(pk) != plan.versions.get(pk)]
        if stale:
            raise StaleImportError(f"预览后有 {len(stale)} 名人员被他人修改，请重新预览后再确认导入")
