"""Election results from a sheet (换届结果表): the template, reading a filled one, the preview and applying it.

Template (`results_template`): sheet `换届结果` with a title row, the header row (`RESULT_COLUMNS`) and one row per
seat of each village of the township (村名称 and 职务 filled in, the rest blank), drop-downs on 村名称 and 职务
(warning style: the aliases the reader understands can still be typed); sheet `填写说明`; hidden sheet `代码表`.

Reading (`plan_results`): the roster workbook's reader (villages.workbook.reader: header row anywhere near the top,
header aliases, merged cells, footers) with `RESULT_COLUMNS`, and the roster's cell parsers (villages.workbook.codes
for 职务 and 社, villages.workbook.rows for the ID number cell, villages.workbook.importer for 村名称 / 村代码). A row
that names nobody (姓名 and 公民身份号码 both blank) is an unused seat and is skipped. People are found among the
township's people (reserves.winners.PersonLookup): by ID number (a written name must match it), else by name.

Preview = a dry run: the rows go through reserves.elections.record_township_results in a transaction that is
rolled back, so the preview reports exactly what applying would refuse, with the Excel row and column. Applying
(`apply_results`) is the same call, committed: every village of the sheet or none. Between the two requests the
resolved rows travel signed (`ResultsPlan.payload` / `rows_from_payload`), bound to the user and the township.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, replace
from typing import IO, Any

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from reserves.elections import (
    ELECTED_POSTS,
    RecordSummary,
    ResultRow,
    ResultsRefused,
    RowError,
    record_township_results,
)
from reserves.winners import PersonLookup, PersonNotFound
from villages.choices import Post
from villages.headlines import roster_order
from villages.models import Person, Township, User, Village
from villages.workbook import codes
from villages.workbook.columns import COLUMN_BY_KEY, Column
from villages.workbook.importer import find_village, villages_by_key
from villages.workbook.problems import RowProblem
from villages.workbook.reader import RosterSheet, SheetRow, read_roster
from villages.workbook.rows import id_number_cell

RESULTS_SHEET = "换届结果"
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "代码表"
FIRST_DATA_ROW = 3
VALIDATED_ROWS = 1000
PAYLOAD_MAX_AGE = 2 * 60 * 60  # seconds between preview and confirmation
_village = COLUMN_BY_KEY["village"]
RESULT_COLUMNS: tuple[Column, ...] = (
    replace(_village, aliases=(*_village.aliases, "村代码", "村名称/村代码", "村名称或村代码"), width=14),
    COLUMN_BY_KEY["name"],
    COLUMN_BY_KEY["id_number"],
    Column("posts", "职务", ("当选职务", "职位"), required=True, width=14),
    COLUMN_BY_KEY["group"],
    Column("votes", "得票", ("得票数", "票数", "所得票数"), width=8),
)
NOTES: dict[str, str] = {
    "village": "本乡镇的村（社区）名称，或12位村代码。模板已按各村现有“两委”职数列出席位。",
    "name": "当选人姓名。姓名和身份证号码都空着的行是未使用的席位，不会录入。",
    "id_number": (
        "18位（末位可为X）。填写时按号码查找人员，姓名须与花名册一致；不填时按姓名在本村查找。请把该列设为文本。"
    ),
    "posts": "当选职务。一人当选两个职务可写“书记、村委会主任”；社长可写“3社社长”或在“所在社”列填社号。",
    "group": "社长所在的社，如“3”或“3社”；其他职务不填。",
    "votes": "得票数，可不填。",
}
# Domain row-error field → the sheet column it points at.
FIELD_COLUMN = {"person": "id_number", "post": "posts", "group_number": "group", "village": "village", "votes": "votes"}
WHOLE_SHEET = "整表"

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# --- template -----------------------------------------------------------------------------------------------------


def results_template(*, township: Township, seats: list[tuple[Village, list[str]]]) -> bytes:
    """The .xlsx bytes of the template: one row per (village, seat post), in the order given."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RESULTS_SHEET
    sheet.append([f"{township.name}村“两委”换届结果"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(RESULT_COLUMNS))
    sheet["A1"].font, sheet["A1"].alignment = _TITLE, _CENTER
    sheet.append([column.header for column in RESULT_COLUMNS])
    for cell in sheet[2]:
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _CENTER
    for village, posts in seats:
        for post in posts:
            sheet.append([village.name, None, None, Post(post).label, None, None])
    last_row = FIRST_DATA_ROW + max(sheet.max_row, VALIDATED_ROWS)
    for index, column in enumerate(RESULT_COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            dimension.number_format = "@"  # Excel keeps all 18 digits of an ID number typed here
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    lists = _lists_sheet(workbook, villages=[village.name for village, _ in seats])
    for key, formula in lists.items():
        letter = get_column_letter(next(i for i, c in enumerate(RESULT_COLUMNS, 1) if c.key == key))
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="不在下拉列表中",
            error="该值不在下拉列表中；导入时会尝试识别常见写法，无法识别的会被指出。",
        )
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        sheet.add_data_validation(validation)
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _lists_sheet(workbook: Workbook, *, villages: list[str]) -> dict[str, str]:
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    columns = {"posts": [Post(post).label for post in ELECTED_POSTS], "village": list(dict.fromkeys(villages))}
    columns = {key: values for key, values in columns.items() if values}
    headers = {column.key: column.header for column in RESULT_COLUMNS}
    sheet.append([headers[key] for key in columns])
    for index in range(max(len(values) for values in columns.values())):
        sheet.append([values[index] if index < len(values) else None for values in columns.values()])
    return {
        key: f"'{LISTS_SHEET}'!${get_column_letter(i)}$2:${get_column_letter(i)}${len(values) + 1}"
        for i, (key, values) in enumerate(columns.items(), start=1)
    }


def _instructions(sheet: Any) -> None:
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 70
    sheet.column_dimensions["D"].width = 60
    sheet.append(["换届结果表填写说明"])
    sheet["A1"].font = _TITLE
    sheet.append(
        [
            "一行一名当选人。换届日期和届次在上传页面填写。上传后先预览，任何一行有问题都不会录入；确认后各村结果一次全部录入。"
        ]
    )
    sheet.append(["列名", "必填", "说明", "可填写的值"])
    for cell in sheet[3]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    allowed = {"posts": "、".join(Post(post).label for post in ELECTED_POSTS)}
    for column in RESULT_COLUMNS:
        required = "是" if column.key in ("village", "posts") else ""
        sheet.append([column.header, required, NOTES.get(column.key, ""), allowed.get(column.key, "")])


# --- reading and preview ------------------------------------------------------------------------------------------


@dataclass
class ResultsPlan:
    township: Township
    held_on: dt.date
    term: str
    sheet: RosterSheet
    rows: list[ResultRow] = field(default_factory=list)  # number = the Excel row
    problems: list[RowProblem] = field(default_factory=list)
    row_villages: dict[int, Village] = field(default_factory=dict)  # Excel row → its village, when known
    summary: RecordSummary | None = None  # what applying would do (dry run), when valid

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.problems

    def villages(self) -> list[dict[str, Any]]:
        """Per village of the sheet (code order): its winners in post order and the problems of its rows."""
        villages = sorted({v.pk: v for v in self.row_villages.values()}.values(), key=lambda v: v.code)
        return [
            {
                "village": village,
                "winners": [
                    {"row": row, "post": Post(row.post).label}
                    for row in sorted((r for r in self.rows if r.village == village), key=roster_order)
                ],
                "problems": [p for p in self.problems if self.row_villages.get(p.row) == village],
            }
            for village in villages
        ]

    def other_problems(self) -> list[RowProblem]:
        """Problems of the whole sheet, or of rows whose village is unknown."""
        return [p for p in self.problems if p.row not in self.row_villages]

    def payload(self, *, user: User) -> str:
        rows = [
            [r.village.pk if r.village else None, r.person_id, r.post, r.group_number, r.votes, r.number]
            for r in self.rows
        ]
        data = {"held_on": self.held_on.isoformat(), "term": self.term, "rows": rows}
        return signing.dumps(data, salt=_salt(user, self.township), compress=True)


def _salt(user: User, township: Township) -> str:
    return f"reserves.results_workbook:{user.pk}:{township.code}"


def plan_results(
    *, source: IO[bytes], township: Township, people: QuerySet[Person], held_on: dt.date, term: str
) -> ResultsPlan:
    """Read a filled sheet and dry-run it (see the module docstring). Writes nothing."""
    sheet = read_roster(source, columns=RESULT_COLUMNS)
    plan = ResultsPlan(township=township, held_on=held_on, term=term, sheet=sheet, problems=list(sheet.problems))
    by_key = villages_by_key(Village.objects.filter(township=township))
    parsed = [row for row in (_parse(r, plan=plan, by_key=by_key) for r in sheet.rows) if row is not None]
    lookup = PersonLookup(people=people, texts=[row.person_text for row in parsed])
    for row in parsed:
        _resolve(row, plan=plan, lookup=lookup)
    if not plan.rows and not plan.problems:
        plan.problems.append(RowProblem(sheet.header_row + 1, WHOLE_SHEET, "表格中没有填写当选人（姓名或身份证号码）"))
    if not plan.problems:
        plan.summary, errors = _dry_run(plan)
        plan.problems += [_problem(error, plan) for error in errors]
    plan.problems.sort(key=lambda p: (p.row, sheet.column_position(p.column)))
    return plan


@dataclass
class _Parsed:
    sheet_row: SheetRow
    village: Village | None
    person_text: str  # the ID number when one was given, else the name
    name: str
    by_number: bool
    posts: list[tuple[str, int | None]]
    votes: int | None


def _parse(row: SheetRow, *, plan: ResultsPlan, by_key: dict[str, Village]) -> _Parsed | None:
    cells, sheet = row.cells, plan.sheet

    def problem(key: str, message: str) -> None:
        plan.problems.append(RowProblem(row.number, sheet.header(key), message))

    name, id_cell = codes.normalise_text(cells.get("name")), cells.get("id_number")
    if not name and id_cell is None:
        return None  # an unused seat
    village_text = codes.normalise_text(cells.get("village"))
    village = find_village(village_text, by_key) if village_text else None
    if village is not None:
        plan.row_villages[row.number] = village
    elif village_text:
        problem("village", f"{plan.township.name}没有名为“{village_text}”的村（可填村名或12位村代码）")
    else:
        problem("village", "不能为空")
    number = None
    if id_cell is not None:
        number = id_number_cell(id_cell, today=plan.held_on, report=lambda message: problem("id_number", message))
    posts: list[tuple[str, int | None]] = []
    try:
        posts = codes.posts(cells["posts"]) if cells.get("posts") is not None else []
    except codes.UnknownCode as error:
        problem("posts", str(error))
    else:
        if not posts:
            problem("posts", "不能为空")
    posts = _with_groups(posts, cells.get("group"), problem=problem)
    votes = _votes(cells.get("votes"), problem=problem)
    if id_cell is not None and number is None:
        return None  # the ID number was given but cannot be read: reported, and no guessing by name
    text = number.number if number else name
    return _Parsed(row, village, text, name, number is not None, posts, votes)


def _with_groups(posts: list[tuple[str, int | None]], cell: Any, *, problem: Any) -> list[tuple[str, int | None]]:
    """社长 takes the 社 named in its 职务 cell or in 所在社; other posts take none."""
    group = None
    if cell is not None:
        try:
            group = codes.group_number(cell)
        except codes.UnknownCode as error:
            problem("group", str(error))
    return [(post, (named or group) if post == Post.GROUP_LEADER else None) for post, named in posts]


def _votes(value: Any, *, problem: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = codes.normalise_text(value)
    if isinstance(value, bool) or not text.isdigit():
        problem("votes", f"得票应为不小于0的整数，收到“{value}”")
        return None
    return int(text)


def _resolve(row: _Parsed, *, plan: ResultsPlan, lookup: PersonLookup) -> None:
    number, sheet = row.sheet_row.number, plan.sheet
    column = "id_number" if row.by_number else "name"
    try:
        person = lookup.find(row.person_text, village=row.village)
    except PersonNotFound as error:
        plan.problems.append(RowProblem(number, sheet.header(column), str(error)))
        return
    if row.by_number and row.name and row.name != person.name:
        message = f"与身份证号码不符：花名册中此号码为“{person.name}”"
        plan.problems.append(RowProblem(number, sheet.header("name"), message))
        return
    for post, group in row.posts:
        plan.rows.append(ResultRow(person, post, group, row.votes, number, row.village))


def _problem(error: RowError, plan: ResultsPlan) -> RowProblem:
    key = FIELD_COLUMN.get(error.field)
    column = plan.sheet.header(key) if key and error.row else WHOLE_SHEET
    return RowProblem(error.row, column, error.message)


class _Rollback(Exception):
    def __init__(self, summary: RecordSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


def _dry_run(plan: ResultsPlan) -> tuple[RecordSummary | None, list[RowError]]:
    """What applying would do, found by doing it and rolling back."""
    try:
        with transaction.atomic():
            raise _Rollback(_record(plan.rows, plan=plan, by=None))
    except _Rollback as done:
        return done.summary, []
    except ResultsRefused as refused:
        return None, refused.errors


def _record(rows: list[ResultRow], *, plan: ResultsPlan, by: User | None) -> RecordSummary:
    return record_township_results(township=plan.township, held_on=plan.held_on, term=plan.term, rows=rows, by=by)


# --- applying -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmedResults:
    held_on: dt.date
    term: str
    rows: list[ResultRow]


class PayloadExpired(ValueError):
    """The preview is too old, was made by someone else or for another township, or was altered."""


def rows_from_payload(payload: str, *, user: User, township: Township) -> ConfirmedResults:
    """The rows a preview showed (signed by `ResultsPlan.payload`); PayloadExpired if it cannot be trusted."""
    try:
        data = signing.loads(payload, salt=_salt(user, township), max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        raise PayloadExpired("预览已过期或无效，请重新上传") from None
    villages = {v.pk: v for v in Village.objects.filter(township=township)}
    rows = [
        ResultRow(person, post, group, votes, number, villages.get(village_id))
        for village_id, person, post, group, votes, number in data["rows"]
    ]
    return ConfirmedResults(dt.date.fromisoformat(data["held_on"]), data["term"], rows)


def apply_results(*, confirmed: ConfirmedResults, township: Township, by: User) -> RecordSummary:
    """Record every village of a confirmed preview in one transaction. Raises ResultsRefused (nothing written)."""
    return record_township_results(
        township=township, held_on=confirmed.held_on, term=confirmed.term, rows=confirmed.rows, by=by
    )
