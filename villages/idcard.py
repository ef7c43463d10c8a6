"""公民身份号码 (GB 11643-1999): normalise, validate, derive, mask.

Contract (docs/domain.md §4):
- normalise: full-width characters, spaces and a lowercase x are accepted; 15-digit numbers are converted to 18.
- hard errors (`InvalidIdNumber`): format, impossible or future birth date, age outside a sane range, check character.
- the region code is never a reason to reject: numbers keep the code where they were first issued, so an unknown
  or retired code, or one created after the birth year, is only a warning.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
MIN_AGE = 16
MAX_AGE = 100

# Bazhong's region codes. 5119xx: current (since 2000); 5137xx: 巴中地区 (1993–2000); 5130xx: 达县地区 (before 1993).
KNOWN_REGION_PREFIXES: dict[str, str] = {
    "5119": "巴中市",
    "5137": "巴中地区(1993–2000)",
    "5130": "达县地区(1993年前)",
}
PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}


class InvalidIdNumber(ValueError):
    """The number cannot be a valid 公民身份号码; the message says why, in Chinese, for the user."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    gender: str  # "male" / "female"
    converted_from_15: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def region_code(self) -> str:
        return self.number[:6]


def normalise(raw: str) -> str:
    """Full-width to half-width, drop every kind of space, upper-case the check character."""
    text = unicodedata.normalize("NFKC", str(raw))
    return re.sub(r"\s+", "", text).upper()


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15(number15: str) -> str:
    """Old 15-digit number (YYMMDD, no check character) → 18 digits (19YYMMDD + check)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def _birth_date(number: str) -> dt.date:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"出生日期 {number[6:14]} 不是有效日期") from None


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise a number; raise InvalidIdNumber with the reason if it cannot be valid."""
    today = today or dt.date.today()
    number = normalise(raw)
    if not number:
        raise InvalidIdNumber("身份证号码不能为空")
    converted = False
    if re.fullmatch(r"\d{15}", number):
        number = upgrade_15(number)
        converted = True
    elif not re.fullmatch(r"\d{17}[\dX]", number):
        raise InvalidIdNumber(
            f"身份证号码应为18位（前17位为数字，末位为数字或X）或15位数字，收到“{raw}”（{len(number)}位）"
        )
    born = _birth_date(number)
    if born > today:
        raise InvalidIdNumber(f"出生日期 {born:%Y-%m-%d} 晚于今天")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        raise InvalidIdNumber(f"按出生日期 {born:%Y-%m-%d} 计算年龄为 {age} 岁，不在 {MIN_AGE}–{MAX_AGE} 岁范围内")
    expected = check_character(number[:17])
    if not converted and number[17] != expected:
        raise InvalidIdNumber(f"校验码错误：末位应为 {expected}，实为 {number[17]}")
    gender = "male" if int(number[16]) % 2 else "female"
    return IdNumber(number, born, gender, converted, tuple(region_warnings(number)))


def region_warnings(number: str) -> list[str]:
    """Warnings only: a region code never invalidates a number (it records where it was issued)."""
    if number[:2] not in PROVINCE_CODES:
        return [f"地区码 {number[:6]} 不是已知省份代码（仅提示，不影响有效性）"]
    if number[:4] not in KNOWN_REGION_PREFIXES:
        return [f"地区码 {number[:6]} 不属于巴中市新旧代码（仅提示，不影响有效性）"]
    return []


def consistency_errors(parsed: IdNumber, *, gender: str | None, birth_date: dt.date | None) -> dict[str, str]:
    """Typed gender / birth date that disagree with the number: errors keyed by field name."""
    errors: dict[str, str] = {}
    if gender and gender != parsed.gender:
        label = "男" if parsed.gender == "male" else "女"
        errors["gender"] = f"性别与身份证号码不一致：号码显示为{label}"
    if birth_date and birth_date != parsed.birth_date:
        # Rosters often keep only year and month (1965.03): a typed first-of-month agrees with the month.
        same_month = (birth_date.year, birth_date.month) == (parsed.birth_date.year, parsed.birth_date.month)
        if not (same_month and birth_date.day == 1):
            errors["birth_date"] = f"出生日期与身份证号码不一致：号码显示为 {parsed.birth_date:%Y-%m-%d}"
    return errors


def mask(number: str) -> str:
    """5119**********123X: region prefix and last four only."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
