"""The statistics forms as .xlsx (docs/exports.md "换届统计表"): one sheet, a title row, a note row, the header
row, one row per reporting unit, and the total. The numbers are dashboards.election_statistics's, the same the
structure page shows."""

from __future__ import annotations

import io
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboards.election_statistics import MINZHENG_HEADERS, PARTY_HEADERS, UnitReport, minzheng_row, party_row

Form = Literal["minzheng", "party"]
TITLES: dict[str, str] = {
    "minzheng": "村（社区）“两委”换届选举情况统计表",
    "party": "党内统计 村党组织书记和班子情况（村级部分）",
}
FILE_NAMES: dict[str, str] = {"minzheng": "换届选举情况统计表", "party": "党内统计村级部分"}
_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)


def statistics_workbook(report: UnitReport, *, form: Form) -> bytes:
    headers = MINZHENG_HEADERS if form == "minzheng" else PARTY_HEADERS
    book = Workbook()
    sheet = book.active
    if sheet is None:  # a new Workbook always has one sheet
        raise RuntimeError("openpyxl returned a workbook without a sheet")
    sheet.title = FILE_NAMES[form][:31]
    sheet.append([f"{report.label}{TITLES[form]}"])
    sheet["A1"].font = _TITLE
    note = f"统计{report.since:%Y-%m-%d}及以后举行换届的村；两委成员为换届日在任者，年龄按各村换届日计算（周岁）"
    sheet.append([note])
    sheet.append([header if i else report.child_label for i, header in enumerate(headers)])
    for cell in sheet[3]:
        cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _WRAP
    for unit in report.rows:
        sheet.append(minzheng_row(unit, level=report.level) if form == "minzheng" else party_row(unit))
    total = (
        minzheng_row(report.total, level=report.level, total=True) if form == "minzheng" else party_row(report.total)
    )
    sheet.append(total)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    sheet.column_dimensions["A"].width = 16
    for index in range(2, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 10
    sheet.freeze_panes = "B4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(report: UnitReport, *, form: Form) -> str:
    return f"{report.label}{FILE_NAMES[form]}.xlsx"
