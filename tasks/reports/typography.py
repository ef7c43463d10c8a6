"""Print typography: terms that must never break across lines, and the type scale of every report.

Chinese text may break between any two characters, so a cell can end in "书" and the next line begin with "记".
`keep_terms` joins the characters of every term of the product's vocabulary (posts, grades, education, flags,
health, political status), every printed name, every number with its unit, dates and document numbers with
U+2060 WORD JOINER, which forbids a line break (UAX #14) and is never drawn nor extracted. (Wrapping each term
in a `nowrap` span does the same, but every span is an inline box WeasyPrint lays out on its own: 400 of them
cost a village report about a third of its render time.) Cells holding a single term are `nowrap` instead.

The type scale follows GB/T 9704 where it fits an A4 report: body 五号 (10.5 pt), tables 小五 (9 pt) and no
smaller, titles 二号 (22 pt) in the serif face; the page is A4 with a 28 mm binding margin on the left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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
# Numbers with their unit, dates, document numbers ("巴组发〔2025〕12号"), report numbers and verification codes.
UNIT_PATTERN = (
    r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?"
    r"|[\u4e00-\u9fff]{1,6}〔\d{4}〕\d+号"
    r"|[A-Z]\d{4}-\d{6}|[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"
    r"|\d+社社长|\d+(?:\.\d+)?(?:周岁|岁|名|项|人|天|年|个|%|社)"
)
WORD_JOINER = "\u2060"


@cache
def vocabulary() -> tuple[str, ...]:
    labels: set[str] = set(EXTRA_TERMS)
    for choices in (Post, Grade, Education, Health, How, PersonFlag, VillageFlag, PoliticalStatus):
        labels.update(str(label) for label in choices.labels)
    return tuple(sorted(labels, key=len, reverse=True))


@dataclass(frozen=True)
class Terms:
    """What must stay on one line: numbers, dates and codes (a small regex) and words (looked up by first char)."""

    units: re.Pattern[str]
    words: dict[str, tuple[str, ...]]  # first character → words starting with it, longest first

    def spans(self, text: str) -> list[tuple[int, int]]:
        found = [m.span() for m in self.units.finditer(text)]
        taken = {i for start, end in found for i in range(start, end)}
        i = 0
        while i < len(text):
            word = next((w for w in self.words.get(text[i], ()) if text.startswith(w, i)), None)
            if word and not any(j in taken for j in range(i, i + len(word))):
                found.append((i, i + len(word)))
                i += len(word)
            else:
                i += 1
        return sorted(found)


def term_pattern(names: Iterable[str] = ()) -> Terms:
    """The vocabulary, the given names (people, villages) and numbers with units, ready for `keep_terms`."""
    words: dict[str, list[str]] = {}
    for word in sorted({*vocabulary(), *(n for n in names if len(n) > 1)}, key=len, reverse=True):
        words.setdefault(word[0], []).append(word)
    return Terms(re.compile(UNIT_PATTERN), {first: tuple(found) for first, found in words.items()})


@cache
def _default_terms() -> Terms:
    return term_pattern()


def keep_terms(text: object, terms: Terms | None = None) -> SafeString:
    """`text`, HTML-escaped, with the characters of every term joined so that no term breaks across lines."""
    raw = str(text)
    out: list[str] = []
    position = 0
    for start, end in (terms or _default_terms()).spans(raw):
        out.append(escape(raw[position:start]))
        out.append(WORD_JOINER.join(escape(char) for char in raw[start:end]))
        position = end
    out.append(escape(raw[position:]))
    return mark_safe("".join(out))
