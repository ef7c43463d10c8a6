"""The reserve list as .xlsx (docs/exports.md "后备干部名单"): one sheet, a title row, the header row, one row per
reserve entry, in the list page's order and with its filters.

- ID numbers are whole only for people the user may edit (the township's own secretary); everyone else gets the
  masked form. An export that holds whole numbers writes one `IdNumberExport` audit row listing whose.
- Ages and eligibility are on each village's reference date (its planned election date, else its county's, else
  today), the date the eligibility rules use; the date is its own column.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reserves.reserve_list import ReserveRow
from villages import idcard
from villages.choices import Education
from villages.models import IdNumberExport, Person, User

SHEET = "后备干部"
CONTEXT = "reserve_export"
# (header, column width): the documented shape; tests and docs/exports.md name the same columns in this order.
COLUMNS: list[tuple[str, int]] = [
    ("区/县", 10),
    ("乡镇", 12),
    ("村/社区", 14),
    ("姓名", 10),
    ("性别", 6),
    ("公民身份号码", 21),
    ("出生年月", 10),
    ("年龄", 6),
    ("最高学历", 14),
    ("政治面貌", 12),
    ("联系电话", 14),
    ("目标岗位", 12),
    ("排序", 6),
    ("成熟度", 12),
    ("应急接替人选", 8),
    ("产生方式", 8),
    ("入库日期", 12),
    ("帮带人", 10),
    ("资格", 8),
    ("资格说明", 40),
    ("参训情况", 10),
    ("状态", 8),
    ("资格参照日", 12),
]
HEADERS = [header for header, _ in COLUMNS]
_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def reserve_workbook(*, title: str, rows: Sequence[ReserveRow], user: User, editable: set[int]) -> bytes:
    """The .xlsx bytes; `editable` holds the ids of the people whose whole ID number the user may see."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.column_dimensions["F"].number_format = "@"  # ID numbers stay text (Excel drops digits past 15)
    sheet.freeze_panes = "E3"
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font, title_cell.alignment = _TITLE, _CENTER
    sheet.append([title_cell])
    sheet.merged_cells.add(f"A1:{get_column_letter(len(COLUMNS))}1")
    sheet.append([_header(sheet, text) for text in HEADERS])
    shown: list[Person] = []
    for row in rows:
        whole = row.reserve.person_id in editable
        if whole:
            shown.append(row.reserve.person)
        sheet.append(row_values(row, whole_id=whole))
    IdNumberExport.objects.record(user=user, people=shown, context=CONTEXT)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header(sheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _CENTER
    return cell


def row_values(row: ReserveRow, *, whole_id: bool) -> list[Any]:
    """One reserve's cells in COLUMNS order (empty cells as None)."""
    reserve, person, village = row.reserve, row.reserve.person, row.reserve.village
    explanation = "；".join(row.eligibility.reasons)
    if reserve.eligibility_override_reason:
        explanation = "；".join(filter(None, [explanation, f"纳入理由：{reserve.eligibility_override_reason}"]))
    education = Education(person.highest_education).label
    if person.highest_education != person.education:
        education += "（在职）"
    if person.education_in_progress:
        education += f"，{person.get_education_in_progress_display()}在读"
    values = [
        village.township.county.name,
        village.township.name,
        village.name,
        person.name,
        person.get_gender_display(),
        person.id_number if whole_id else idcard.mask(person.id_number),
        f"{person.birth_date:%Y.%m}",
        row.age,
        education,
        person.get_political_status_display(),
        person.phone,
        reserve.get_target_post_display(),
        reserve.rank,
        reserve.get_readiness_display(),
        "是" if reserve.emergency_successor else "否",
        reserve.get_added_how_display(),
        reserve.added_on,
        reserve.mentor.name if reserve.mentor else "",
        row.eligibility_label,
        explanation,
        row.training_label,
        reserve.get_status_display() + (f"（{reserve.withdrawn_reason}）" if reserve.withdrawn_reason else ""),
        row.on,
    ]
    return [value if value != "" else None for value in values]
