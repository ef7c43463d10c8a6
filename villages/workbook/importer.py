"""Roster import: plan (what each row would create, update or leave unchanged, and every problem), then apply.

Contract:
- `plan_import` reads nothing but the sheet and a constant number of bulk queries per import (villages, groups,
  the assignments of the township's villages, and the people, current posts, scope and assessments of the file's
  ID numbers, fetched in chunks): no query per row. It writes nothing.
- Every row goes through the roster's rules (villages.roster.invariants), the same functions the forms, the API
  and election results reach through the write functions, with the facts loaded in bulk: a valid ID number and
  typed gender/birth date that agree with it, 入党时间 not in the future nor before birth (rows.py); a new post
  passes post_refusals (社, dates, party membership, one holder per seat, judged against the database and the
  valid rows above), a changed political status keeps party posts with full members, the assessment year is in
  range. A refusal is a problem `row N: column: message` in the column of the refused field.
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
from villages.choices import Grade, SourceCategory
from villages.models import Assessment, Group, Person, PostAssignment, Township, User, Village, concrete_field
from villages.roster.invariants import assessment_year_refusal, party_post_refusal, seat_key
from villages.roster.versioning import stale_versions
from villages.signals import schedule_recompute
from villages.workbook.bulk import insert_with_history
from villages.workbook.codes import normalise_text
from villages.workbook.posts import plan_posts, resolve_posts
from villages.workbook.problems import RowProblem
from villages.workbook.reader import RosterSheet
from villages.workbook.rows import ParsedRow, parse_row

CREATE, UPDATE, UNCHANGED, INVALID = "create", "update", "unchanged", "invalid"
ACTION_LABELS = {CREATE: "新增", UPDATE: "更新", UNCHANGED: "无变化", INVALID: "有问题"}
CHUNK = 900  # SQLite allows 999 parameters per query
PROGRESS_EVERY = 250
# The workbook's column for a roster rule's field, where the names differ (villages.roster.invariants).
COLUMN_OF_FIELD = {"post": "posts", "year": "assessment", "grade": "assessment"}
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

    @property
    def planned_person(self) -> Person:
        """The person a CREATE or UPDATE row writes (set while planning, before any post or assessment)."""
        if self.person is None:
            raise ValueError(f"第{self.number}行尚未确定人员")
        return self.person

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
    groups: dict[int, dict[int, Group]]  # village pk → 社 number → 社
    people: dict[str, Person]
    current_posts: dict[int, list[PostAssignment]]
    in_scope: set[int]
    assessments: dict[int, Assessment]
    # The facts of the one-holder-per-seat rule: the township's assignments, then the posts planned by the valid
    # rows above, indexed (so a row reads only its competitors) by (village pk, seat_key) and (village pk, post,
    # person pk). See `_competitors`.
    by_seat: dict[tuple[int, tuple[str, int | None]], list[PostAssignment]]
    by_holder: dict[tuple[int, str, int], list[PostAssignment]]

    def add_assignment(self, assignment: PostAssignment) -> None:
        key = seat_key(post=assignment.post, group_id=assignment.group_id)
        if key is not None:
            self.by_seat[(assignment.village_id, key)].append(assignment)
        if assignment.person_id is not None:
            self.by_holder[(assignment.village_id, assignment.post, assignment.person_id)].append(assignment)

    def competitors(self, village: Village, post: str, group: Group | None, person: Person) -> list[PostAssignment]:
        """What `seat_refusal` needs for `person` taking `post` (社长: of `group`) in `village`."""
        key = seat_key(post=post, group_id=group.pk if group else None)
        same_seat = self.by_seat.get((village.pk, key), []) if key is not None else []
        own = self.by_holder.get((village.pk, post, person.pk), []) if person.pk is not None else []
        return [*same_seat, *own]


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
    for parsed_row in parsed:
        plan.rows.append(
            _plan_row(
                parsed_row, sheet=sheet, township=township, existing=existing, first_row_of=first_row_of, today=today
            )
        )
    if progress:
        progress(len(sheet.rows), len(sheet.rows))
    return plan


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _load_existing(township: Township, id_numbers: list[str], *, year: int) -> _Existing:
    villages = list(Village.objects.filter(township=township))
    by_key: dict[str, Village] = {}
    for village in villages:
        by_key[village.code] = village
        by_key[normalise_text(village.name)] = village
    groups: dict[int, dict[int, Group]] = defaultdict(dict)
    for group in Group.objects.filter(village__township=township):
        groups[group.village_id][group.number] = group
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
    found = _Existing(by_key, groups, people, posts, in_scope, assessments, defaultdict(list), defaultdict(list))
    for assignment in PostAssignment.objects.filter(village__township=township).select_related("person"):
        found.add_assignment(assignment)
    return found


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
    row: ParsedRow,
    *,
    sheet: RosterSheet,
    township: Township,
    existing: _Existing,
    first_row_of: dict[str, int],
    today: dt.date,
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
        plan.problems.append(RowProblem(row.number, sheet.header(COLUMN_OF_FIELD.get(key, key)), message))

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
    posts = resolve_posts(row, village, existing=existing, problem=problem)
    # The roster rules need to know who and where; a row that does not say (or is someone else's) stops here.
    unidentified = {sheet.header("village"), sheet.header("id_number")}
    if village is None or row.id is None or any(p.column in unidentified for p in plan.problems):
        return plan
    if person is None:
        person = _plan_new_person(plan, row, village)
    else:
        _plan_person_update(plan, row, person, existing=existing, problem=problem)
    plan_posts(
        plan,
        person,
        village,
        posts,
        start_on=row.start_on,
        existing=existing,
        today=today,
        problem=problem,
        source=row.source,
    )
    _plan_assessment(plan, row, year=sheet.assessment_year, existing=existing, today=today, problem=problem)
    if plan.problems:
        plan.action, plan.changes = INVALID, []
        return plan
    for post in plan.new_posts:  # later rows see this row's posts (one holder per seat)
        existing.add_assignment(post)
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


def _plan_new_person(plan: RowPlan, row: ParsedRow, village: Village) -> Person:
    plan.person = Person(home_village_id=village.pk, id_number=row.id.number if row.id else "", **row.fields)
    plan.action = CREATE
    plan.changes.append("新增人员")
    return plan.person


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    model_field = concrete_field(Person, name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value)) or "（空）"
    if name == "source_categories":
        return "、".join(str(SourceCategory(code).label) for code in value) or "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value not in (None, "") else "（空）"


def _plan_person_update(
    plan: RowPlan, row: ParsedRow, person: Person, *, existing: _Existing, problem: Callable[[str, str], None]
) -> None:
    plan.person = person
    for name, value in row.fields.items():
        if getattr(person, name) == value:
            continue
        before = _display(person, name)
        setattr(person, name, value)
        plan.person_changed.append(name)
        plan.changes.append(f"{concrete_field(Person, name).verbose_name}：{before} → {_display(person, name)}")
    if "political_status" in plan.person_changed:  # a holder of a party post stays a full party member
        for held in existing.current_posts[person.pk]:
            if refusal := party_post_refusal(person=person, post=held.post, field="political_status"):
                problem(refusal.field, refusal.message)


def _plan_assessment(
    plan: RowPlan,
    row: ParsedRow,
    *,
    year: int,
    existing: _Existing,
    today: dt.date,
    problem: Callable[[str, str], None],
) -> None:
    if not row.grade:
        return
    if refusal := assessment_year_refusal(year=year, today=today):
        problem(refusal.field, refusal.message)
        return
    person = plan.planned_person
    current = existing.assessments.get(person.pk) if person.pk else None
    label = Grade(row.grade).label
    if current is None:
        plan.assessment = Assessment(year=year, grade=row.grade)  # person_id is set in apply_import
        plan.assessment_is_new = True
        plan.changes.append(f"{year}年度考核：{label}")
    elif current.grade != row.grade:
        plan.changes.append(f"{year}年度考核：{current.get_grade_display()} → {label}")
        current.grade = row.grade
        current.version += 1  # a correction open on the person page is then refused, not silently overwritten
        plan.assessment = current


def apply_import(plan: ImportPlan) -> dict[str, int]:
    """Write a valid plan in one transaction; returns the counts. ValueError if the plan has any problem.

    StaleImportError (nothing written) if a person changed since the plan was made.
    """
    if not plan.is_valid:
        raise ValueError("导入数据有问题，未写入任何数据")
    history: dict[str, Any] = {"user": plan.user, "reason": CHANGE_REASON}
    rows = [row for row in plan.rows if row.action in (CREATE, UPDATE)]
    with transaction.atomic():
        _check_versions(plan)
        insert_with_history([row.planned_person for row in rows if row.action == CREATE], Person, **history)
        changed = [row.planned_person for row in rows if row.action == UPDATE and row.person_changed]
        for person in changed:
            person.version += 1
        fields = [*sorted({name for row in rows if row.action == UPDATE for name in row.person_changed}), "version"]
        _bulk_update(Person, changed, fields, history)
        new_posts = [post for row in rows for post in row.new_posts]
        for row in rows:
            for post in row.new_posts:
                post.person_id = row.planned_person.pk  # new people have their pk now
        insert_with_history(new_posts, PostAssignment, **history)
        changed_posts = [p for row in rows for p in row.changed_posts]
        _bulk_update(PostAssignment, changed_posts, ["group", "source", "version"], history)
        grades = [(row.assessment, row) for row in rows if row.assessment is not None]
        for assessment, row in grades:
            assessment.person_id = row.planned_person.pk
        insert_with_history([a for a, row in grades if row.assessment_is_new], Assessment, **history)
        changed_grades = [a for a, row in grades if not row.assessment_is_new]
        _bulk_update(Assessment, changed_grades, ["grade", "version"], history)
        # Bulk writes send no post_save: ask for the risk recompute of the touched villages (runs on commit).
        touched = {row.village_id for row in rows} | {row.planned_person.home_village_id for row in rows}
        schedule_recompute({pk for pk in touched if pk is not None})
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
    people = [row.person for row in plan.rows if row.action == UPDATE and row.person and row.person.pk]
    stale = stale_versions(model=Person, expected={person.pk: plan.versions[person.pk] for person in people})
    if stale:
        raise StaleImportError(f"预览后有 {len(stale)} 名人员被他人修改，请重新预览后再确认导入")
