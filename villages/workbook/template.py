"""The roster workbook's layout, shared by the blank template and every export (so exports re-import unchanged).

Sheet `花名册`: a title row (merged across all columns), the header row (`COLUMNS`, with the assessment column
named by its year, e.g. `2025年度考核`), then one row per person. Drop-downs (data validation, warning style so
the aliases the importer understands can still be typed) on the coded columns and on 村名称 when the township is
known. Sheet `填写说明`: what each column means and its allowed values. Hidden sheet `代码表`: the drop-down lists.
Written with openpyxl's write-only mode (streaming; exports of thousands of rows stay fast and small in memory).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from villages.choices import CadreSource, Education, Gender, Grade, Health, PoliticalStatus, Post, SourceCategory
from villages.workbook.columns import COLUMNS
from villages.workbook.dates import SHAPES_HINT

ROSTER_SHEET = "花名册"
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "代码表"
FIRST_DATA_ROW = 3
VALIDATED_ROWS = 2000  # drop-downs cover at least this many data rows
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

YES_NO_LABELS = ("是", "否")
# Column key → the labels offered in its drop-down.
DROPDOWNS: dict[str, Sequence[str]] = {
    "gender": Gender.labels,
    "education": Education.labels,
    "education_in_service": Education.labels,
    "political_status": PoliticalStatus.labels,
    "health": Health.labels,
    "able_to_serve": YES_NO_LABELS,
    "assessment": Grade.labels,
    "source": CadreSource.labels,
}
NOTES: dict[str, str] = {
    "village": "本乡镇的村（社区）名称，或12位统计用区划代码。同一村的多行可合并单元格。",
    "name": "必填。",
    "gender": "可不填；填写时须与身份证号码一致。",
    "ethnicity": "如“汉族”；不填则为汉族（已有人员保持不变）。",
    "id_number": "必填。18位（末位可为X），旧15位号码自动转换；请把该列设为文本，以免Excel丢失末几位。",
    "birth_date": f"可不填；填写时须与身份证号码一致（只写年月即可）。{SHAPES_HINT}。",
    "education": "全日制最高学历。新增人员必填。也可写 大专、专科、函授大专、电大、中专、职高、技校 等常见写法。",
    "education_in_service": "在职教育取得的学历，可不填。",
    "political_status": "也可写“党员”“预备党员”“团员”。",
    "party_joined_on": SHAPES_HINT + "。",
    "posts": (
        "现任职务，多个用“、”分隔，如“党支部书记、村委会主任”。社长须填所在社。"
        "导入只新增或保留职务，不会结束未列出的职务。"
    ),
    "start_on": "新增职务的任职时间（已有职务的时间不变）。" + SHAPES_HINT + "。",
    "group": "社长所在的社，如“3”或“3社”。",
    "health": "",
    "able_to_serve": "是 / 否。",
    "assessment": "列名中的年份即考核年度（如“2025年度考核”）；列名只写“年度考核”时指上一年度。",
    "phone": "",
    "source_categories": "多个用“、”分隔。",
    "source": "本行新增职务的干部来源（换届统计用），可不填；填写时已有职务也改为此来源。",
    "notes": "",
}
ALLOWED: dict[str, Sequence[str]] = DROPDOWNS | {"posts": Post.labels, "source_categories": SourceCategory.labels}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def assessment_header(year: int) -> str:
    return f"{year}年度考核"


def headers(*, assessment_year: int) -> list[str]:
    return [assessment_header(assessment_year) if c.key == "assessment" else c.header for c in COLUMNS]


def roster_workbook(
    *, title: str, rows: Iterable[Sequence[Any]], assessment_year: int, villages: Sequence[str] = ()
) -> bytes:
    """The .xlsx bytes of a roster: `rows` are value lists in `COLUMNS` order (empty for the template)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(ROSTER_SHEET)
    lists = _lists_sheet(workbook, villages)
    _layout(sheet, title=title, assessment_year=assessment_year)
    count = 0
    for values in rows:
        sheet.append(list(values))
        count += 1
    _validations(sheet, lists, last_row=FIRST_DATA_ROW + max(count, VALIDATED_ROWS), villages=villages)
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), assessment_year=assessment_year)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _layout(sheet: Any, *, title: str, assessment_year: int) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.text:
            dimension.number_format = "@"
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font, title_cell.alignment = _TITLE, _CENTER
    sheet.append([title_cell])
    sheet.merged_cells.add(f"A1:{get_column_letter(len(COLUMNS))}1")
    sheet.append([_styled(sheet, text) for text in headers(assessment_year=assessment_year)])


def _styled(sheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _CENTER
    return cell


def _lists_sheet(workbook: Workbook, villages: Sequence[str]) -> dict[str, str]:
    """The hidden 代码表 sheet: one column per drop-down list; returns column key → range formula."""
    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet.sheet_state = "hidden"
    columns: dict[str, Sequence[str]] = dict(DROPDOWNS)
    if villages:
        columns["village"] = villages
    keys = list(columns)
    depth = max(len(values) for values in columns.values())
    sheet.append([next(c.header for c in COLUMNS if c.key == key) for key in keys])
    for index in range(depth):
        sheet.append([columns[key][index] if index < len(columns[key]) else None for key in keys])
    return {
        key: f"'{LISTS_SHEET}'!${get_column_letter(i)}$2:${get_column_letter(i)}${len(columns[key]) + 1}"
        for i, key in enumerate(keys, start=1)
    }


def _validations(sheet: Any, lists: dict[str, str], *, last_row: int, villages: Sequence[str]) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        if column.key not in lists:
            continue
        validation = DataValidation(
            type="list",
            formula1=lists[column.key],
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="不在下拉列表中",
            error="该值不在下拉列表中；导入时会尝试识别常见写法，无法识别的会被指出。",
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        sheet.data_validations.append(validation)


def _instructions(sheet: Any, *, assessment_year: int) -> None:
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 60
    sheet.column_dimensions["D"].width = 60
    sheet.append([WriteOnlyCell(sheet, value="花名册填写说明")])
    sheet.append(["一行一人；表头以上可以有标题行；空行会被忽略。导入前会逐行预览，任何一行有问题都不会写入数据。"])
    sheet.append([_styled(sheet, text) for text in ("列名", "必填", "说明", "可填写的值")])
    for column, header in zip(COLUMNS, headers(assessment_year=assessment_year), strict=True):
        allowed = "、".join(str(label) for label in ALLOWED.get(column.key, ()))
        sheet.append([header, "是" if column.required else "", NOTES.get(column.key, ""), allowed])
