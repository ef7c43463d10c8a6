"""Enrolling trainees in a class: one person, a pasted list, or a workbook (姓名 / 公民身份号码).

Contract of `enrol_people`: people are found by their normalised ID number (villages.idcard) among the
people the user may see; a name given with the number must match the person's name. Any bad line (invalid
number, unknown person, name mismatch) refuses the whole list with line-numbered errors and nothing is
written. People already in the class (or listed twice) are skipped and reported, not errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import load_workbook

from reserves.choices import EnrollmentStatus
from reserves.models import Enrollment, TrainingClass
from villages import idcard
from villages.models import Person

NAME_HEADERS = ("姓名",)
ID_HEADERS = ("公民身份号码", "身份证号", "身份证号码")
HEADER_SEARCH_ROWS = 10
ID_TOKEN = re.compile(r"^[0-9０-９]{15,17}[0-9０-９xXｘＸ]?$")


@dataclass(frozen=True)
class EnrolmentLine:
    number: int  # line (pasted list) or row (workbook) number the user sees
    id_number: str
    name: str = ""


@dataclass(frozen=True)
class LineError:
    number: int
    message: str

    def __str__(self) -> str:
        return f"第{self.number}行：{self.message}"


class EnrolmentRefused(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


@dataclass
class EnrolmentSummary:
    enrolled: list[Person] = field(default_factory=list)
    skipped: list[Person] = field(default_factory=list)


def parse_pasted(text: str) -> list[EnrolmentLine]:
    """One person per line: an ID number, or a name and an ID number (either order, separated by spaces,
    tabs or commas). Blank lines are ignored."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = [t for t in re.split(r"[\s,，;；]+", raw.strip()) if t]
        if not tokens:
            continue
        ids = [t for t in tokens if ID_TOKEN.match(idcard.normalise(t))]
        names = [t for t in tokens if t not in ids]
        lines.append(EnrolmentLine(number, ids[0] if ids else tokens[-1], "".join(names) if ids else ""))
    return lines


def read_workbook(file: BinaryIO) -> list[EnrolmentLine]:
    """Rows of the first sheet under a header row (a title row above it is allowed) with 姓名 and 公民身份号码."""
    sheet = load_workbook(file, read_only=True, data_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [str(cell).strip() if cell is not None else "" for cell in row]
        id_col = next((headers.index(h) for h in ID_HEADERS if h in headers), None)
        if id_col is None:
            continue
        name_col = next((headers.index(h) for h in NAME_HEADERS if h in headers), None)
        return [
            EnrolmentLine(
                index + offset + 2,
                _cell(data, id_col),
                _cell(data, name_col) if name_col is not None else "",
            )
            for offset, data in enumerate(rows[index + 1 :])
            if _cell(data, id_col)
        ]
    raise EnrolmentRefused([LineError(1, "未找到表头：需要“公民身份号码”（或“身份证号”）列")])


def _cell(row: tuple, col: int) -> str:
    value = row[col] if col < len(row) else None
    if isinstance(value, int | float):  # a number typed into a numeric cell
        return str(int(value))
    return "" if value is None else str(value).strip()


def enrol_people(
    *, training_class: TrainingClass, lines: list[EnrolmentLine], people: QuerySet[Person], on: dt.date | None = None
) -> EnrolmentSummary:
    """Enrol everyone listed, or nobody (see the module contract). Raises EnrolmentRefused."""
    errors: list[LineError] = []
    numbers: list[tuple[EnrolmentLine, str]] = []
    for line in lines:
        try:
            numbers.append((line, idcard.parse(line.id_number).number))
        except idcard.InvalidIdNumber as exc:
            errors.append(LineError(line.number, str(exc)))
    found = {p.id_number: p for p in people.filter(id_number__in=[n for _, n in numbers])}
    chosen: dict[int, Person] = {}
    for line, number in numbers:
        person = found.get(number)
        if person is None:
            errors.append(LineError(line.number, f"未找到身份证号码为 {idcard.mask(number)} 的人员（或无权查看）"))
        elif line.name and line.name != person.name:
            errors.append(LineError(line.number, f"姓名“{line.name}”与该身份证号码登记的姓名不一致"))
        else:
            chosen.setdefault(person.pk, person)
    if not lines:
        errors.append(LineError(1, "名单为空"))
    if errors:
        raise EnrolmentRefused(errors)
    return _enrol(training_class, list(chosen.values()), on=on)


def _enrol(training_class: TrainingClass, people: list[Person], *, on: dt.date | None) -> EnrolmentSummary:
    with transaction.atomic():
        existing = set(training_class.enrollments.filter(person__in=people).values_list("person_id", flat=True))
        summary = EnrolmentSummary(
            enrolled=[p for p in people if p.pk not in existing], skipped=[p for p in people if p.pk in existing]
        )
        for person in summary.enrolled:  # save() per row: Enrollment keeps history
            Enrollment.objects.create(
                training_class=training_class,
                person=person,
                status=EnrollmentStatus.ENROLLED,
                enrolled_on=on or training_class.starts_on,
            )
        return summary


def completion_date(
    *, enrollment: Enrollment, status: str, completed_on: dt.date | None, today: dt.date | None = None
) -> dt.date | None:
    """The 结业 date a trainee's status implies: given, else the class's end date when it has passed, else today,
    for `completed`; none for `enrolled` or `dropped` (web form and API alike). See `completion_refusal`."""
    if status != EnrollmentStatus.COMPLETED:
        return None
    today = today or timezone.localdate()
    ends_on = enrollment.training_class.ends_on
    return completed_on or (ends_on if ends_on and ends_on <= today else today)


def completion_refusal(
    *, enrollment: Enrollment, completed_on: dt.date | None, today: dt.date | None = None
) -> str | None:
    """Why a 结业 date cannot be: later than today, or before the class started (None when it can)."""
    if completed_on is None:
        return None
    today = today or timezone.localdate()
    starts_on = enrollment.training_class.starts_on
    if completed_on > today:
        return f"结业日期（{completed_on:%Y-%m-%d}）不能晚于今天"
    if starts_on and completed_on < starts_on:
        return f"结业日期不能早于开班日期（{starts_on:%Y-%m-%d}）"
    return None
