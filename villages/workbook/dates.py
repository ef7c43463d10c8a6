"""Dates as rosters write them: real date cells, 1965.03, 1965-03, 1965年3月, 196503, 1965/3/15.

Year-and-month values become the first of that month; `villages.idcard.consistency_errors` accepts a first-of-month
birth date that agrees with the number's month. A number cell like 1965.1 is refused: Excel stores both "1965.1"
(January) and "1965.10" (October) as 1965.1, so the month cannot be known.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

SHAPES_HINT = "可写作 1965.03、1965-03、1965年3月、196503 或 1965/3/15"

_SEPARATED = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:月|(?:[.\-/月]\s*(\d{1,2})\s*日?))?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")
MIN_YEAR = 1900


class DateShapeError(ValueError):
    """The value is not a date in one of the accepted shapes; the message (Chinese) says why."""


def parse_date(value: object, *, today: dt.date | None = None) -> dt.date:
    """A date from a cell value (see module docstring); DateShapeError if it is not one or is in the future."""
    return _parse(value, today or dt.date.today())


@functools.lru_cache(maxsize=4096, typed=True)  # rosters repeat dates ("2021.03") thousands of times
def _parse(value: object, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, bool):
        raise DateShapeError(f"无法识别的日期“{value}”（{SHAPES_HINT}）")
    elif isinstance(value, int | float):
        result = _from_number(value)
    else:
        result = _from_text(str(value))
    if result.year < MIN_YEAR:
        raise DateShapeError(f"日期 {result:%Y-%m-%d} 早于 {MIN_YEAR} 年")
    if result > today:
        raise DateShapeError(f"日期 {result:%Y-%m-%d} 晚于今天")
    return result


def _from_number(value: float) -> dt.date:
    if isinstance(value, float) and not value.is_integer():
        text = repr(value)
        if re.fullmatch(r"\d{4}\.1", text):
            raise DateShapeError(
                f"数值 {text} 无法区分1月和10月，请把单元格设为文本，写作 {text[:4]}.01 或 {text[:4]}.10"
            )
        return _from_text(f"{value:.2f}") if re.fullmatch(r"\d{4}\.\d{1,2}", text) else _invalid(value)
    return _from_text(str(int(value)))


def _from_text(raw: str) -> dt.date:
    text = _TIME_SUFFIX.sub("", unicodedata.normalize("NFKC", raw).strip())
    found = _SEPARATED.match(text) or _COMPACT.match(text)
    if not found:
        return _invalid(raw)
    year, month, day = int(found.group(1)), int(found.group(2)), int(found.group(3) or 1)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateShapeError(f"“{raw}”不是有效日期") from None


def _invalid(raw: object) -> dt.date:
    raise DateShapeError(f"无法识别的日期“{raw}”（{SHAPES_HINT}）")


def format_year_month(value: dt.date | None) -> str:
    """How exports write a date: 1965.03 when it is a first of month (usually year-month data), else 1965.03.15."""
    if value is None:
        return ""
    return f"{value:%Y.%m}" if value.day == 1 else f"{value:%Y.%m.%d}"
