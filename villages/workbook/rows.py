"""One roster row's cells → typed values and the problems found in them (no database access).

The roster's rules on these values (a valid ID number, gender and birth date that agree with it, 入党时间 not in
the future nor before birth) are villages.roster.invariants', applied here as the cells are read; the rules on
posts need the database and are applied by the importer.

Blank cells: in a column that may be empty (在职学历, 入党时间, 联系电话, 来源类别, 备注) a blank cell means "empty"
and clears the value; in the others (民族, 政治面貌, 学历, 健康状况, 能否正常履职) it means "not stated": a new
person gets the default, an existing person keeps what is recorded. 性别 and 出生年月 are taken from the ID number;
typed values are only checked against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from villages import idcard
from villages.models import Person, concrete_field
from villages.roster.invariants import RosterRefused, derived_field_refusals, party_joined_refusal, valid_id_number
from villages.workbook import codes
from villages.workbook.dates import DateShapeError, parse_date
from villages.workbook.problems import RowProblem
from villages.workbook.reader import RosterSheet, SheetRow

# Columns whose blank cell clears the value, and what "empty" is for each.
CLEARABLE: dict[str, Any] = {
    "education_in_service": "",
    "party_joined_on": None,
    "phone": "",
    "source_categories": [],
    "notes": "",
}
# Column key → parser of a non-blank cell (each raises UnknownCode or DateShapeError with a Chinese message).
PARSERS: dict[str, Callable[..., Any]] = {
    "ethnicity": lambda value, today: _ethnicity(value),
    "political_status": lambda value, today: codes.political_status(value),
    "party_joined_on": lambda value, today: parse_date(value),
    "education": lambda value, today: codes.education(value),
    "education_in_service": lambda value, today: codes.education(value),
    "health": lambda value, today: codes.health(value),
    "able_to_serve": lambda value, today: codes.yes_no(value),
    "phone": lambda value, today: _phone(value),
    "source_categories": lambda value, today: codes.source_categories(value),
    "notes": lambda value, today: str(value).strip(),
}
# Values used only inside the row (not Person fields).
ROW_PARSERS: dict[str, Callable[..., Any]] = {
    "gender": lambda value, today: codes.gender(value),
    "birth_date": lambda value, today: parse_date(value),
    "posts": lambda value, today: codes.posts(value),
    "start_on": lambda value, today: parse_date(value),
    "group": lambda value, today: codes.group_number(value),
    "assessment": lambda value, today: codes.grade(value),
    "source": lambda value, today: codes.cadre_source(value),
}

ALL_PARSERS = PARSERS | ROW_PARSERS


@dataclass
class ParsedRow:
    number: int
    name: str = ""
    village_text: str = ""
    id: idcard.IdNumber | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # Person field → value, only what the row states
    posts: list[tuple[str, int | None]] = field(default_factory=list)
    group_number: int | None = None
    start_on: dt.date | None = None
    grade: str = ""
    source: str = ""  # 干部来源 of the posts the row creates (or restates)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_row(row: SheetRow, *, sheet: RosterSheet, today: dt.date) -> ParsedRow:
    """Typed values of one row; every cell that cannot be read becomes a RowProblem (the row keeps going)."""
    parsed = ParsedRow(row.number)
    cells = row.cells

    def problem(key: str, message: str) -> None:
        parsed.problems.append(RowProblem(row.number, sheet.header(key), message))

    parsed.village_text = codes.normalise_text(cells.get("village"))
    if not parsed.village_text:
        problem("village", "不能为空")
    parsed.name = codes.normalise_text(cells.get("name"))
    if not parsed.name:
        problem("name", "不能为空")
    parsed.id = id_number_cell(cells.get("id_number"), today=today, report=lambda text: problem("id_number", text))
    extras: dict[str, Any] = {}
    for key, parser in ALL_PARSERS.items():
        if key not in cells:
            continue
        value = cells[key]
        if value is None:
            if key in CLEARABLE:
                parsed.fields[key] = CLEARABLE[key]
            continue
        try:
            result = parser(value, today)
        except (codes.UnknownCode, DateShapeError) as error:
            problem(key, str(error))
            continue
        (parsed.fields if key in PARSERS else extras)[key] = result
    _row_values(parsed, extras)
    _check_lengths(parsed, problem)
    if parsed.id:  # a row without a valid number is refused for that alone, as every entry path does
        _check_against_id(parsed, parsed.id, extras, problem, today=today)
    return parsed


def _row_values(parsed: ParsedRow, extras: dict[str, Any]) -> None:
    parsed.posts = extras.get("posts", [])
    parsed.group_number = extras.get("group")
    parsed.start_on = extras.get("start_on")
    parsed.grade = extras.get("assessment", "")
    parsed.source = extras.get("source", "")
    if parsed.name:
        parsed.fields["name"] = parsed.name


def _check_against_id(
    parsed: ParsedRow,
    number: idcard.IdNumber,
    extras: dict[str, Any],
    problem: Callable[[str, str], None],
    *,
    today: dt.date,
) -> None:
    typed_gender, typed_birth = extras.get("gender"), extras.get("birth_date")
    for refusal in derived_field_refusals(identity=number, gender=typed_gender, birth_date=typed_birth):
        problem(refusal.field, refusal.message)
    parsed.fields["gender"] = number.gender
    parsed.fields["birth_date"] = number.birth_date
    joined_on = parsed.fields.get("party_joined_on")
    if joined := party_joined_refusal(party_joined_on=joined_on, birth_date=number.birth_date, today=today):
        problem(joined.field, joined.message)
    if number.converted_from_15:
        parsed.warnings.append(f"15位身份证号码已转换为18位：{idcard.mask(number.number)}")


def _check_lengths(parsed: ParsedRow, problem: Callable[[str, str], None]) -> None:
    for key in ("name", "ethnicity", "phone"):
        value = parsed.fields.get(key)
        limit = concrete_field(Person, key).max_length
        if isinstance(value, str) and limit is not None and len(value) > limit:
            problem(key, f"过长（最多{limit}个字）")


def id_number_cell(value: Any, *, today: dt.date, report: Callable[[str], None]) -> idcard.IdNumber | None:
    """The ID number in a cell, or None after `report`ing why it cannot be read (blank, lost digits, masked) or
    is not valid (villages.roster.invariants.valid_id_number)."""
    if value is None:
        report("不能为空")
        return None
    if isinstance(value, float):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has lost its last digits.
        if value >= 1e15:
            report("号码被Excel存成了数字，末几位已丢失；请把该列设为文本后重新填写")
            return None
        value = int(value)
    text = str(value)
    if "*" in text:
        report("号码已脱敏（含*），请填写完整号码")
        return None
    try:
        return valid_id_number(id_number=text, today=today)
    except RosterRefused as refused:
        report(refused.refusals[0].message)
        return None


def _ethnicity(value: Any) -> str:
    text = codes.normalise_text(value)
    # "汉" and "汉族" are the same; stored with 族 (the model's default is 汉族).
    return text if text.endswith("族") else f"{text}族"


def _phone(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = codes.normalise_text(value)
    if not all(ch.isdigit() or ch in "-+()" for ch in text):
        raise codes.UnknownCode(f"“{value}”不是电话号码")
    return text
