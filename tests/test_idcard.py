"""公民身份号码 rules, table-driven (docs/domain.md §4)."""

import datetime as dt

import pytest

from villages import idcard

TODAY = dt.date(2026, 11, 27)


def valid(first17: str) -> str:
    return first17 + idcard.check_character(first17)


def wrong_check(first17: str) -> str:
    return first17 + ("0" if idcard.check_character(first17) != "0" else "1")


@pytest.mark.parametrize(
    ("raw", "birth", "gender"),
    [
        (valid("51190219580312301"), dt.date(1958, 3, 12), "male"),  # current 巴州区 code, 1950s
        (valid("51370119630815202"), dt.date(1963, 8, 15), "female"),  # retired 巴中地区 code (1993–2000)
        (valid("51302419700101123"), dt.date(1970, 1, 1), "male"),  # pre-1993 达县地区 code
        (valid("51192119851230004"), dt.date(1985, 12, 30), "female"),  # 通江县
        (
            valid("51190319920229007"),
            dt.date(1992, 2, 29),
            "male",
        ),  # 恩阳区 code created 2013: born before it
        (valid("51192319990101213"), dt.date(1999, 1, 1), "male"),  # 平昌县, 1990s
    ],
)
def test_valid_bazhong_numbers_are_accepted(raw: str, birth: dt.date, gender: str) -> None:
    parsed = idcard.parse(raw, today=TODAY)
    assert parsed.birth_date == birth
    assert parsed.gender == gender
    assert parsed.warnings == ()


def test_known_check_character_x() -> None:
    # Sum for this 17-digit stem gives remainder 2 → check character X.
    stem = next(f"5119021958031230{d}" for d in range(10) if idcard.check_character(f"5119021958031230{d}") == "X")
    assert idcard.parse(stem + "x", today=TODAY).number == stem + "X"


def test_full_width_digits_spaces_and_lowercase_x_are_normalised() -> None:
    number = valid("51190219580312301")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:9]) + " " + number[9:]
    assert idcard.parse(full_width, today=TODAY).number == number


def test_fifteen_digit_number_is_upgraded() -> None:
    parsed = idcard.parse("511902580312301", today=TODAY)
    assert parsed.number == valid("51190219580312301")
    assert parsed.converted_from_15
    assert parsed.birth_date == dt.date(1958, 3, 12)


def test_unknown_region_code_is_only_a_warning() -> None:
    parsed = idcard.parse(valid("44030419800101001"), today=TODAY)
    assert parsed.birth_date == dt.date(1980, 1, 1)
    assert any("地区码" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (wrong_check("51190219580312301"), "校验码错误"),
        ("51190219580230301" + "0", "不是有效日期"),  # 30 Feb
        (valid("51190220300101301"), "晚于今天"),
        (valid("51190218800101301"), "不在"),  # 146 years old
        (valid("51190220150101301"), "不在"),  # 11 years old
        ("5119021958031230", "18位"),
        ("51190219580312301A", "18位"),
        ("", "不能为空"),
    ],
)
def test_invalid_numbers_are_rejected_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(idcard.InvalidIdNumber, match=message):
        idcard.parse(raw, today=TODAY)


def test_typed_gender_and_birth_date_must_agree() -> None:
    parsed = idcard.parse(valid("51190219580312301"), today=TODAY)
    assert idcard.consistency_errors(parsed, gender="male", birth_date=dt.date(1958, 3, 12)) == {}
    assert idcard.consistency_errors(parsed, gender="male", birth_date=dt.date(1958, 3, 1)) == {}  # 1958.03
    errors = idcard.consistency_errors(parsed, gender="female", birth_date=dt.date(1959, 3, 12))
    assert set(errors) == {"gender", "birth_date"}


def test_mask_keeps_prefix_and_last_four() -> None:
    assert idcard.mask("51190219580312301X") == "5119**********301X"
