"""Roster workbooks built by the tests (openpyxl), the way township secretaries' files look."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.factories import make_id_number
from villages.choices import Gender
from villages.workbook.columns import HEADERS

TITLE = "凌云乡村“两委”干部花名册"


def person_row(**values: Any) -> dict[str, Any]:
    """A valid row for the world's 青龙村 (canonical headers → cell values); override any column."""
    birth = values.pop("birth", dt.date(1970, 5, 20))
    gender = values.pop("id_gender", Gender.FEMALE if values.get("性别") == "女" else Gender.MALE)
    row: dict[str, Any] = {
        "村名称": "青龙村",
        "姓名": "王大明",
        "性别": "男",
        "民族": "汉族",
        "公民身份号码": make_id_number(birth, gender=gender, seq=values.pop("seq", 7)),
        "出生年月": f"{birth:%Y.%m}",
        "学历": "高中",
        "政治面貌": "中共党员",
        "入党时间": "1995.07",
        "职务": "村委委员",
        "任职时间": "2021.03",
        "健康状况": "健康",
        "能否正常履职": "是",
        "年度考核": "称职",
        "联系电话": "13800001111",
    }
    row.update(values)
    return row


def build(
    rows: Sequence[dict[str, Any]],
    *,
    headers: Sequence[str] = HEADERS,
    title: str | None = TITLE,
    merges: Sequence[str] = (),
    blank_rows_after: Sequence[int] = (),
    leading: Sequence[Sequence[Any]] = (),
) -> bytes:
    """An .xlsx: optional title row (merged across the header width), extra leading rows, headers, rows.

    `rows` are keyed by header (canonical names; an alias header picks the canonical key's value when the row
    has no key under the alias). `blank_rows_after` inserts an empty row after those data-row indexes.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    if title is not None:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for extra in leading:
        sheet.append(list(extra))
    sheet.append(list(headers))
    canonical = dict(zip(headers, HEADERS, strict=False)) if len(headers) == len(HEADERS) else {}
    for index, row in enumerate(rows):
        sheet.append([row.get(h, row.get(canonical.get(h, h))) for h in headers])
        if index in blank_rows_after:
            sheet.append([])
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_back(content: bytes) -> list[list[Any]]:
    """All values of the first sheet (for checking exports)."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
