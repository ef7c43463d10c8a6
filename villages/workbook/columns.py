"""The roster workbook's columns: header names, their aliases (docs/roster-workbook.md), in one place.

The template, the exporter and the reader all use `COLUMNS`, so an exported workbook has exactly the headers
the importer looks for. Headers are compared after `normalise_header` (full-width → half-width, no spaces).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # the importer's name for the value
    header: str  # the canonical header (what the template and exports write)
    aliases: tuple[str, ...] = ()
    required: bool = False  # the header must be present
    width: int = 10  # column width in the template
    text: bool = False  # formatted as text ("@") so Excel keeps leading zeros and long digit strings


COLUMNS: tuple[Column, ...] = (
    Column("village", "村名称", ("村(社区)", "村", "村名", "村(社区)名称", "所在村"), required=True, width=12),
    Column("name", "姓名", required=True, width=10),
    Column("gender", "性别", width=6),
    Column("ethnicity", "民族", width=8),
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "身份证"), required=True, width=21, text=True),
    Column("birth_date", "出生年月", ("出生日期",), width=10),
    Column("education", "学历", ("文化程度", "最高学历", "全日制学历"), width=12),
    Column("education_in_service", "在职学历", width=12),
    Column("political_status", "政治面貌", width=12),
    Column("party_joined_on", "入党时间", width=10),
    Column("posts", "职务", ("现任职务",), width=22),
    Column("start_on", "任职时间", width=10),
    Column("group", "所在社", ("社别", "村民小组"), width=8),
    Column("health", "健康状况", width=10),
    Column("able_to_serve", "能否正常履职", width=8),
    Column("assessment", "年度考核", ("考核等次",), width=10),
    Column("phone", "联系电话", width=14, text=True),
    Column("source_categories", "来源类别", width=16),
    Column("source", "干部来源", width=12),
    Column("notes", "备注", width=20),
)
COLUMN_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)

# "2025年度考核", "2025年考核等次": the assessment column names its year.
ASSESSMENT_YEAR_HEADER = re.compile(r"^(\d{4})年度?(?:考核|考核等次|考核结果|民主评议)$")


def normalise_header(text: object) -> str:
    """Full-width → half-width, every space and line break removed, a trailing colon dropped."""
    if text is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).rstrip(":")


@functools.cache
def _lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            table[normalise_header(name)] = column.key
    return table


def match_header(text: object, columns: tuple[Column, ...] = COLUMNS) -> tuple[str | None, int | None]:
    """(column key, assessment year named in the header) for one header cell; (None, None) if not a column.

    `columns` is the sheet's column set (the roster's by default; other workbooks, e.g. election results, pass
    theirs). A hint in brackets after a known header is allowed: "出生年月(1965.03)" is 出生年月.
    """
    name = normalise_header(text)
    if not name:
        return None, None
    table = _lookup(columns)
    if name in table:
        return table[name], None
    if "assessment" in table.values() and (found := ASSESSMENT_YEAR_HEADER.match(name)):
        return "assessment", int(found.group(1))
    without_hint = re.sub(r"\(.*?\)$", "", name)
    if without_hint != name and without_hint in table:
        return table[without_hint], None
    return None, None
