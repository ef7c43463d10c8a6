"""The risk list as .xlsx: the rows of the list's filters, village-level rows first in each village.

No ID numbers (people by name only), so an export needs no IdNumberView audit rows. A fixed number of queries
(the rows with their village, township, person and owner in one query).
"""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from villages.choices import Severity
from villages.models import Risk
from villages.risk import kind_label

HEADERS: list[tuple[str, int]] = [
    ("乡镇", 12), ("村", 12), ("层级", 8), ("人员", 10), ("类型", 16), ("程度", 6), ("说明", 40),
    ("处理状态", 11), ("责任人", 14), ("期限", 11), ("是否逾期", 8), ("备注", 30), ("整改情况", 40),
    ("整改答复时间", 16), ("首次发现", 11), ("数据仍支持", 9),
]  # fmt: skip
RED_FILL = PatternFill("solid", fgColor="F8D7DA")


def risk_workbook(*, risks: QuerySet[Risk], today: dt.date | None = None) -> bytes:
    """One sheet 风险清单: a header row, then a row per risk, grouped by township and village."""
    today = today or timezone.localdate()
    rows = risks.select_related("village__township", "person", "owner").order_by()
    ordered = sorted(
        rows, key=lambda r: (r.village.township.code, r.village.code, r.person_id is not None, r.severity != "red")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "风险清单"
    sheet.append([h for h, _ in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, width) in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for r in ordered:
        sheet.append(_row(r, today))
        if r.severity == Severity.RED:
            sheet.cell(row=sheet.max_row, column=6).fill = RED_FILL
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(r: Risk, today: dt.date) -> list[object]:
    return [
        r.village.township.name,
        r.village.name,
        "人员" if r.person_id else "村级",
        r.person.name if r.person else "",
        kind_label(r.kind),
        r.get_severity_display(),
        r.detail,
        r.get_review_status_display(),
        str(r.owner) if r.owner else "",
        r.due_on,
        "逾期" if r.is_overdue(today) else "",
        r.note,
        r.action_taken,
        timezone.localtime(r.rectified_at).strftime("%Y-%m-%d %H:%M") if r.rectified_at else "",
        timezone.localdate(r.first_seen_at),
        "是" if r.is_active else "否（已自动关闭）",
    ]
