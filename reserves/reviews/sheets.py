"""Department sheets (部门核查表): one workbook per department of the county round, to send out and read back.

Contract of the export (`department_sheets`):
- for each department, the reviews of the given villages that are pending and still lack that department's
  opinion, in 台账 order; the answer columns (审查结论, 理由或说明, 审查日期, 文号) are left blank for the department;
- whole ID numbers only for county staff and the city admin (the departments check people by number); everyone
  else gets the masked form. Each export is audited once (`ReviewAuditEntry`, kind `sheet_export`) and each
  whole number handed out is recorded in `IdNumberView` (context `review_sheet`);
- a zip of one .xlsx per department, or one workbook when a department is named; a constant number of queries.
The same columns (`SHEET_COLUMNS`) are what reserves/reviews/answers.py reads back with the roster's reader.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from reserves.choices import QualificationStatus, ReviewAuditKind, ReviewRound
from reserves.models import Review, ReviewAuditEntry
from reserves.reviews.enforcement import can_read_details
from reserves.reviews.ledger import ledger
from reserves.reviews.status import ReviewOutcome
from villages import idcard
from villages.choices import Post
from villages.models import County, IdNumberView, User, Village
from villages.workbook.columns import Column
from villages.workbook.dates import format_year_month

SHEET_COLUMNS: tuple[Column, ...] = (
    Column("review", "联审编号", ("编号",), required=True, width=9),
    Column("village", "村名称", ("村(社区)", "村"), width=12),
    Column("name", "姓名", required=True, width=10),
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码"), required=True, width=21, text=True),
    Column("gender", "性别", width=6),
    Column("birth_date", "出生年月", ("出生日期",), width=10),
    Column("post", "拟任职务", width=12),
    Column("purpose", "联审类别", width=14),
    Column("department", "审查部门", ("部门", "反馈部门"), required=True, width=12),
    Column("conclusion", "审查结论", ("结论", "审查意见"), required=True, width=10),
    Column("note", "理由或说明", ("理由", "说明", "备注"), width=30),
    Column("concluded_on", "审查日期", ("日期", "反馈日期"), width=12),
    Column("document_number", "文号", ("文号或回执号", "回执号"), width=20),
)
ANSWER_NOTE = "审查结论填写“通过”或“不通过”；不通过须写明理由；审查日期如2026-10-08；文号或回执号。请勿改动前9列。"


@dataclass(frozen=True)
class DepartmentSheet:
    department: str
    filename: str
    content: bytes
    people: int


def shows_whole_numbers(user: User) -> bool:
    return can_read_details(user)


def department_sheets(
    *,
    villages: QuerySet[Village],
    county: County,
    user: User,
    title: str,
    department: str = "",
    purpose: str = "",
    cycle: str = "",
    today: dt.date | None = None,
) -> list[DepartmentSheet]:
    """The sheets (see the module contract); audited here, so call it only to hand the files out."""
    today = today or timezone.localdate()
    book = ledger(villages=villages, detail=False, purpose=purpose, cycle=cycle, status=QualificationStatus.PENDING)
    owed: dict[str, list[ReviewOutcome]] = {}
    for row in book.materialize(book.rows):
        for slot in row.outcome.missing:
            if slot.round == ReviewRound.COUNTY and (not department or slot.department == department):
                owed.setdefault(slot.department, []).append(row.outcome)
    whole = shows_whole_numbers(user)
    sheets = [
        DepartmentSheet(
            name, f"{title}-{name}-资格联审核查表.xlsx", _workbook(name, outcomes, whole, title), len(outcomes)
        )
        for name, outcomes in owed.items()
    ]
    _audit(sheets, owed, county=county, user=user, whole=whole)
    return sheets


def zipped(sheets: list[DepartmentSheet]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in sheets:
            archive.writestr(sheet.filename, sheet.content)
    return buffer.getvalue()


def _audit(
    sheets: list[DepartmentSheet], owed: dict[str, list[ReviewOutcome]], *, county: County, user: User, whole: bool
) -> None:
    people = {outcome.review.person for outcomes in owed.values() for outcome in outcomes}
    if not sheets:
        return
    names = "、".join(sheet.department for sheet in sheets)
    ReviewAuditEntry.objects.create(
        kind=ReviewAuditKind.SHEET_EXPORT,
        user=user,
        county=county,
        context="department_sheets",
        detail=f"{names}核查表{len(sheets)}份，{len(people)}人，{'完整' if whole else '隐去部分数字的'}身份证号"[:300],
    )
    if whole:
        IdNumberView.objects.bulk_create(
            [IdNumberView(person=person, viewed_by=user, context="review_sheet") for person in people], batch_size=500
        )


def _workbook(department: str, outcomes: list[ReviewOutcome], whole: bool, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(department[:31])
    for index, column in enumerate(SHEET_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    heading = WriteOnlyCell(sheet, value=f"{title} 资格联审核查表（{department}）")
    heading.font = Font(bold=True, size=14)
    sheet.append([heading])
    sheet.append([ANSWER_NOTE])
    sheet.append([_header(sheet, column.header) for column in SHEET_COLUMNS])
    for outcome in outcomes:
        sheet.append(_row(sheet, outcome.review, department, whole))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header(sheet: object, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell


def _row(sheet: object, review: Review, department: str, whole: bool) -> list[object]:
    person = review.person
    number = WriteOnlyCell(sheet, value=person.id_number if whole else idcard.mask(person.id_number))
    number.number_format = "@"
    return [
        review.pk,
        review.village.name,
        person.name,
        number,
        person.get_gender_display(),
        format_year_month(person.birth_date),
        Post(review.post).label if review.post else "",
        f"{review.cycle}年{review.get_purpose_display()}",
        department,
    ]
