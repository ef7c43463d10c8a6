"""Print typography: terms that must never break across lines, and the type scale of every report.

Chinese text may break between any two characters, so a cell can end in "书" and the next line begin with "记".
`keep_terms` wraps every term of the product's vocabulary (posts, grades, education, flags, health, political
status), every printed name, dates and document numbers in a `<span class="term">`, which the report CSS keeps
on one line (`white-space: nowrap`). Cells holding a single term are `nowrap` as a whole instead.

The type scale follows GB/T 9704 where it fits an A4 report: body 五号 (10.5 pt), tables 小五 (9 pt) and no
smaller, titles 二号 (22 pt) in the serif face; the page is A4 with a 28 mm binding margin on the left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from villages.choices import Education, Grade, Health, How, PersonFlag, PoliticalStatus, Post, VillageFlag

BODY_PT = 10.5
TABLE_PT = 9.0
TITLE_PT = 22.0
BINDING_MARGIN_MM = 28
EXTRA_TERMS = (
    "两委",
    "村“两委”",
    "监委会",
    "村务监督委员会",
    "第一书记",
    "社长",
    "村民小组长",
    "后备干部",
    "一肩挑",
    "在库",
    "周岁",
    "红色",
    "黄色",
    "通过",
    "空缺",
    "代理",
    "不能正常履职",
    "能正常履职",
    "计划换届日期",
    "年龄基准日",
    "默认值（未经文件核实）",
)
# Dates, document numbers ("巴组发〔2025〕12号"), report numbers and verification codes. (Each wrapped term is
# an inline box WeasyPrint lays out on its own, ~0.5 ms each: numbers with units are left to break freely.)
UNIT_PATTERN = (
    r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?"
    r"|[\u4e00-\u9fff]{1,6}〔\d{4}〕\d+号"
    r"|[A-Z]\d{4}-\d{6}|[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"
)


@cache
def vocabulary() -> tuple[str, ...]:
    labels: set[str] = set(EXTRA_TERMS)
    for choices in (Post, Grade, Education, Health, How, PersonFlag, VillageFlag, PoliticalStatus):
        labels.update(str(label) for label in choices.labels)
    return tuple(sorted(labels, key=len, reverse=True))


def term_pattern(names: Iterable[str] = ()) -> re.Pattern[str]:
    """One regex for the vocabulary, the given names (people, villages) and numbers with units; longest first."""
    words = sorted({*vocabulary(), *(n for n in names if len(n) > 1)}, key=len, reverse=True)
    return re.compile(f"{UNIT_PATTERN}|" + "|".join(re.escape(escape(w)) for w in words))


def keep_terms(text: object, pattern: re.Pattern[str] | None = None) -> SafeString:
    """`text`, HTML-escaped, with every term wrapped so that it is never broken across lines."""
    escaped = str(escape(str(text)))
    found = (pattern or term_pattern()).sub(lambda m: f'<span class="term">{m.group(0)}</span>', escaped)
    return mark_safe(found)
