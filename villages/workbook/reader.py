"""Reading a roster workbook: find the sheet and its header row, fill merged cells, skip blank and footer rows.

Read with `openpyxl.load_workbook(read_only=True, data_only=True)` for speed. Read-only worksheets do not expose
merged ranges (a merged cell's value sits in its top-left cell only), so the `<mergeCell ref=…>` elements are
read from the sheet's XML and the top-left value is copied into every cell of the range: a 村名称 merged down over
a village's rows applies to each of those rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from villages.workbook.columns import COLUMNS, Column, match_header, normalise_header
from villages.workbook.problems import RowProblem

HEADER_SEARCH_ROWS = 20  # the header row is looked for in the first rows of each sheet
MIN_HEADER_MATCHES = 3
MAX_COLUMNS = 80  # a roster has about 20 columns; cells formatted out to column XFD are not read
# A footer line ("填表人：张三  审核人：李四") is not a person.
FOOTER = re.compile(r"^(填表人|填报人|审核人|制表人|联系人|负责人|注|说明|备注)[:：]")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")
CHUNK_BYTES = 1 << 20
CARRY_BYTES = 256  # longer than any match of the patterns above
MAX_ROWS = 20_000  # a township's roster has a few thousand rows; more is a wrong file or a hostile one

Source = str | Path | IO[bytes]


@dataclass(frozen=True)
class SheetRow:
    number: int  # Excel row number (1-based)
    cells: dict[str, Any]  # column key → cell value (strings stripped; None when blank)


@dataclass
class RosterSheet:
    rows: list[SheetRow] = field(default_factory=list)
    sheet_title: str = ""
    header_row: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # column key → header as written
    positions: dict[str, int] = field(default_factory=dict)  # column key → 0-based column index
    assessment_year: int = 0
    problems: list[RowProblem] = field(default_factory=list)  # file-level: no header, a missing column
    columns: tuple[Column, ...] = COLUMNS  # the column set the sheet was read with

    def column_position(self, header: str) -> int:
        """Where a problem's column stands in the file (for listing a row's problems left to right)."""
        keys = [key for key, written in self.headers.items() if written == header]
        return self.positions.get(keys[0], len(self.columns)) if keys else -1

    def header(self, key: str) -> str:
        """The header as the file writes it (used in problems), or the canonical one if the column is absent."""
        return self.headers.get(key) or next(c.header for c in self.columns if c.key == key)


def default_assessment_year(today: dt.date) -> int:
    """`年度考核` without a year means the previous calendar year: the latest completed assessment."""
    return today.year - 1


def read_roster(source: Source, *, today: dt.date | None = None, columns: tuple[Column, ...] = COLUMNS) -> RosterSheet:
    """The roster's rows from the first sheet that has a header row (see module docstring).

    `columns` is the column set to look for: the roster's by default; another workbook read the same way (e.g.
    election results) passes its own, which must include 姓名 and 公民身份号码.

    The header row is the first row, within the first HEADER_SEARCH_ROWS rows, naming at least
    MIN_HEADER_MATCHES known columns; title rows and notes above it are ignored. A missing required column
    or a file without a header row gives a file-level problem and no rows.
    """
    today = today or dt.date.today()
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            max_col = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
            rows = islice(sheet.iter_rows(max_col=max_col, values_only=True), MAX_ROWS + 1)
            values = [list(row) for row in rows]
            if len(values) > MAX_ROWS:
                problem = RowProblem(MAX_ROWS + 1, "文件", f"超过 {MAX_ROWS} 行，请按村拆分后分别导入")
                return RosterSheet(problems=[problem], assessment_year=default_assessment_year(today))
            _fill_merged(values, _merged_ranges(sheet))
            header_index = _find_header(values, columns)
            if header_index is None:
                continue
            return _roster(values, header_index, title=sheet.title, today=today, columns=columns)
    finally:
        workbook.close()
    problem = RowProblem(1, "表头", "未找到表头行：表格前20行中应有“姓名”“公民身份号码”“村名称”等列名")
    return RosterSheet(problems=[problem], assessment_year=default_assessment_year(today))


def count_data_rows(source: Source) -> int:
    """How many rows the first sheet stores (title and header included): a cheap size estimate, no cell parsed."""
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            return 0
        return sum(1 for _ in _scan(workbook.worksheets[0], _ROW))
    finally:
        workbook.close()


def _find_header(values: list[list[Any]], columns: tuple[Column, ...]) -> int | None:
    for index, row in enumerate(values[:HEADER_SEARCH_ROWS]):
        keys = {match_header(cell, columns)[0] for cell in row} - {None}
        if len(keys) >= MIN_HEADER_MATCHES and {"name", "id_number"} <= keys:
            return index
    return None


def _scan(sheet: Any, pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """Matches of `pattern` in the sheet's XML, read in chunks (a hostile file cannot make us hold it whole).

    A match is reported in the chunk where it ends; the carried-over tail lets a match span two chunks.
    """
    tail = b""
    with sheet._get_source() as source:  # openpyxl's handle on this sheet's part of the .xlsx archive
        while chunk := source.read(CHUNK_BYTES):
            buffer = tail + chunk
            yield from (match for match in pattern.finditer(buffer) if match.end() > len(tail))
            tail = buffer[-CARRY_BYTES:]


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of each merged range, from the sheet XML (read-only mode)."""
    return [range_boundaries(match.group(1).decode()) for match in _scan(sheet, _MERGE_REF)]


def _fill_merged(values: list[list[Any]], ranges: list[tuple[int, int, int, int]]) -> None:
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(values):
            continue
        top_left = values[min_row - 1]
        value = top_left[min_col - 1] if min_col - 1 < len(top_left) else None
        for row_number in range(min_row, min(max_row, len(values)) + 1):
            row = values[row_number - 1]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for col in range(min_col, max_col + 1):
                if row[col - 1] is None:
                    row[col - 1] = value


def _roster(
    values: list[list[Any]], header_index: int, *, title: str, today: dt.date, columns: tuple[Column, ...]
) -> RosterSheet:
    sheet = RosterSheet(
        sheet_title=title,
        header_row=header_index + 1,
        assessment_year=default_assessment_year(today),
        columns=columns,
    )
    header = values[header_index]
    below = values[header_index + 1] if header_index + 1 < len(values) else []
    sub_header = _sub_header(header, below, columns)
    positions = sheet.positions
    for position, cell in enumerate(header):
        key, year = match_header(cell, columns)
        written = normalise_header(cell)
        if sub_header.get(position):
            (key, year), written = sub_header[position]
        if key and key not in positions:  # the first of two same-named columns wins; other columns are ignored
            positions[key] = position
            sheet.headers[key] = written
            sheet.assessment_year = year or sheet.assessment_year
    for column in columns:
        if column.required and column.key not in positions:
            sheet.problems.append(RowProblem(sheet.header_row, column.header, "缺少此列"))
    if sheet.problems:
        return sheet
    first_data = header_index + (3 if sub_header else 2)
    for number, row in enumerate(values[first_data - 1 :], start=first_data):
        cells = {key: _clean(row[pos]) if pos < len(row) else None for key, pos in positions.items()}
        if not any(value is not None for value in cells.values()) or _is_footer(row):
            continue
        sheet.rows.append(SheetRow(number, cells))
    return sheet


def _sub_header(
    header: list[Any], below: list[Any], columns: tuple[Column, ...]
) -> dict[int, tuple[tuple[str | None, int | None], str]]:
    """A second header row under merged group headers: 学历 over 全日制 | 在职 → 全日制学历, 在职学历.

    Returns {position: (match, header as written)} for the cells of `below` that name a column on their own or
    with the group header after them; empty when `below` is a data row.
    """
    found: dict[int, tuple[tuple[str | None, int | None], str]] = {}
    for position, cell in enumerate(below):
        text = normalise_header(cell)
        if not text or _looks_like_id(text):
            if text:
                return {}
            continue
        parent = normalise_header(header[position]) if position < len(header) else ""
        for candidate in (text + parent, text):
            if text != parent and match_header(candidate, columns)[0]:
                found[position] = (match_header(candidate, columns), candidate)
                break
    return found


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _is_footer(row: list[Any]) -> bool:
    texts = [str(cell).strip() for cell in row if cell is not None and str(cell).strip()]
    return bool(texts) and bool(FOOTER.match(texts[0])) and not any(_looks_like_id(t) for t in texts)


def _looks_like_id(text: str) -> bool:
    return bool(re.search(r"\d{15}", text))
