"""Roster workbook parsing without the database: date shapes, code aliases, header detection, merged cells."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tests.workbooks import build, person_row
from villages.choices import Education, Health, PoliticalStatus, Post, SourceCategory
from villages.workbook import codes
from villages.workbook.columns import match_header
from villages.workbook.dates import DateShapeError, parse_date
from villages.workbook.reader import count_data_rows, read_roster

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(1965, 3, 15), dt.date(1965, 3, 15)),
        (dt.date(1965, 3, 15), dt.date(1965, 3, 15)),
        ("1965.03", dt.date(1965, 3, 1)),
        ("1965.3", dt.date(1965, 3, 1)),
        ("1965.10", dt.date(1965, 10, 1)),
        ("1965-03", dt.date(1965, 3, 1)),
        ("1965年3月", dt.date(1965, 3, 1)),
        ("1965年03月15日", dt.date(1965, 3, 15)),
        ("196503", dt.date(1965, 3, 1)),
        ("19650315", dt.date(1965, 3, 15)),
        ("1965/3/15", dt.date(1965, 3, 15)),
        ("1965.03.15", dt.date(1965, 3, 15)),
        ("1965-03-15 00:00:00", dt.date(1965, 3, 15)),
        ("１９６５．０３", dt.date(1965, 3, 1)),  # full-width digits and dot
        (" 1965 . 03 ", dt.date(1965, 3, 1)),
        (196503, dt.date(1965, 3, 1)),
        (1965.03, dt.date(1965, 3, 1)),
        (1965.12, dt.date(1965, 12, 1)),
    ],
)
def test_date_shapes_are_understood(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1965.1, "无法区分1月和10月"),
        ("1965.13", "不是有效日期"),
        ("1965年", "无法识别"),
        ("三月", "无法识别"),
        ("1899.12", "早于 1900"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(value, message):
    with pytest.raises(DateShapeError, match=message):
        parse_date(value)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("大专", Education.ASSOCIATE),
        ("专科", Education.ASSOCIATE),
        ("函授大专", Education.ASSOCIATE),
        ("电大", Education.ASSOCIATE),
        ("大学专科", Education.ASSOCIATE),
        ("中专", Education.SECONDARY_VOCATIONAL),
        ("职高", Education.SECONDARY_VOCATIONAL),
        ("技校", Education.SECONDARY_VOCATIONAL),
        ("中专/中技/技校/职高", Education.SECONDARY_VOCATIONAL),
        ("函授本科", Education.BACHELOR),
        ("初小", Education.PRIMARY),
        (" 初 中 ", Education.JUNIOR_HIGH),
        ("文盲或半文盲", Education.NONE),
    ],
)
def test_education_aliases(text, code):
    assert codes.education(text) == code


def test_unmappable_education_names_the_value_and_the_choices():
    with pytest.raises(codes.UnknownCode, match=r"无法识别“扫盲班”.*大学专科"):
        codes.education("扫盲班")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("党员", PoliticalStatus.CPC_MEMBER),
        ("中共党员", PoliticalStatus.CPC_MEMBER),
        ("预备党员", PoliticalStatus.CPC_PROBATIONARY),
        ("团员", PoliticalStatus.CYL_MEMBER),
        ("九三学社", PoliticalStatus.DEMOCRATIC_PARTY),
        ("群众", PoliticalStatus.MASSES),
    ],
)
def test_political_status_aliases(text, code):
    assert codes.political_status(text) == code


def test_multi_post_cells_are_split_and_aliases_mapped():
    assert codes.posts("党支部书记、村委会主任") == [(Post.PARTY_SECRETARY, None), (Post.DIRECTOR, None)]
    assert codes.posts("支部书记，村主任") == [(Post.PARTY_SECRETARY, None), (Post.DIRECTOR, None)]
    assert codes.posts("村党支部书记;村文书") == [(Post.PARTY_SECRETARY, None), (Post.CLERK, None)]
    assert codes.posts("书记兼主任") == [(Post.PARTY_SECRETARY, None), (Post.DIRECTOR, None)]
    assert codes.posts("组长") == [(Post.GROUP_LEADER, None)]
    assert codes.posts("社长") == [(Post.GROUP_LEADER, None)]
    assert codes.posts("第三社社长") == [(Post.GROUP_LEADER, 3)]
    assert codes.posts("书记、书记") == [(Post.PARTY_SECRETARY, None)]


def test_ambiguous_or_unknown_post_is_refused():
    with pytest.raises(codes.UnknownCode, match="不明确"):
        codes.posts("委员")
    with pytest.raises(codes.UnknownCode, match="无法识别职务“护林员”"):
        codes.posts("书记、护林员")


def test_other_coded_columns():
    assert codes.group_number("第十二社") == 12
    assert codes.group_number("3社") == 3
    assert codes.group_number(3.0) == 3
    assert codes.yes_no("否") is False
    assert codes.yes_no(" 是 ") is True
    assert codes.health("良好") == Health.HEALTHY
    assert codes.source_categories("退伍军人、致富能手") == [SourceCategory.VETERAN, SourceCategory.ENTREPRENEUR]
    with pytest.raises(codes.UnknownCode):
        codes.yes_no("也许")


@pytest.mark.parametrize(
    ("header", "key", "year"),
    [
        ("村(社区)", "village", None),
        ("村（社区）", "village", None),
        ("身份证号", "id_number", None),
        ("身 份 证 号 码", "id_number", None),
        ("文化程度", "education", None),
        ("现任职务", "posts", None),
        ("社别", "group", None),
        ("考核等次", "assessment", None),
        ("2024年度考核", "assessment", 2024),
        ("出生年月\n(1965.03)", "birth_date", None),
        ("籍贯", None, None),
    ],
)
def test_header_aliases(header, key, year):
    assert match_header(header) == (key, year)


def test_header_is_found_below_title_rows_and_blank_rows_are_ignored():
    content = build(
        [person_row(), person_row(姓名="李小红", seq=8)],
        leading=[["填报单位：凌云乡", None, None, "填报时间：2026年11月"], []],
        blank_rows_after=[0],
    )
    sheet = read_roster(io.BytesIO(content), today=TODAY)
    assert sheet.problems == []
    assert sheet.header_row == 4
    assert [row.number for row in sheet.rows] == [5, 7]
    assert sheet.rows[1].cells["name"] == "李小红"
    assert sheet.assessment_year == 2025  # plain 年度考核 = last calendar year


def test_merged_village_cells_apply_to_every_row_they_cover():
    rows = [person_row(seq=1), person_row(村名称=None, seq=2), person_row(村名称=None, seq=3)]
    content = build(rows, merges=["A3:A5"])
    sheet = read_roster(io.BytesIO(content), today=TODAY)
    assert [row.cells["village"] for row in sheet.rows] == ["青龙村"] * 3


def test_two_row_header_under_a_merged_group_header():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["花名册"])
    sheet.append(["村名称", "姓名", "公民身份号码", "学历", None])
    sheet.append([None, None, None, "全日制", "在职"])
    sheet.merge_cells("D2:E2")
    for ref in ("A2:A3", "B2:B3", "C2:C3"):
        sheet.merge_cells(ref)
    sheet.append(["青龙村", "王大明", "511902197005200015", "高中", "大专"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    roster = read_roster(io.BytesIO(buffer.getvalue()), today=TODAY)
    assert roster.problems == []
    assert len(roster.rows) == 1
    assert roster.rows[0].cells["education"] == "高中"
    assert roster.rows[0].cells["education_in_service"] == "大专"


def test_footer_lines_are_not_people():
    content = build([person_row()], leading=[])
    workbook_rows = read_roster(io.BytesIO(content), today=TODAY).rows
    assert len(workbook_rows) == 1
    footer = build([person_row(), {"村名称": "填表人：张三"}])
    assert len(read_roster(io.BytesIO(footer), today=TODAY).rows) == 1


def test_a_file_without_the_required_headers_is_one_problem():
    content = build([person_row()], headers=["村名称", "姓名", "学历"])
    sheet = read_roster(io.BytesIO(content), today=TODAY)
    assert [str(p) for p in sheet.problems] == [
        "row 1: 表头: 未找到表头行：表格前20行中应有“姓名”“公民身份号码”“村名称”等列名"
    ]
    missing_village = build([person_row()], headers=["姓名", "公民身份号码", "学历"])
    assert [str(p) for p in read_roster(io.BytesIO(missing_village), today=TODAY).problems] == [
        "row 2: 村名称: 缺少此列"
    ]


def test_row_count_estimate_reads_no_cells():
    content = build([person_row(seq=n) for n in range(30)])
    assert count_data_rows(io.BytesIO(content)) == 32


def test_merged_ranges_are_found_when_the_xml_is_read_in_small_chunks(monkeypatch):
    from villages.workbook import reader

    monkeypatch.setattr(reader, "CHUNK_BYTES", 7)  # every tag spans chunks
    rows = [person_row(seq=n, 村名称=None if n % 4 else "青龙村") for n in range(12)]
    content = build(rows, merges=["A3:A5", "A7:A9", "A11:A13"])
    sheet = read_roster(io.BytesIO(content), today=TODAY)
    assert [row.cells["village"] for row in sheet.rows] == ["青龙村"] * 3 + [None] + ["青龙村"] * 3 + [None] + [
        "青龙村"
    ] * 3 + [None]
    assert count_data_rows(io.BytesIO(content)) == 14


def test_a_file_with_too_many_rows_is_refused_without_reading_it_all(monkeypatch):
    from villages.workbook import reader

    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    sheet = read_roster(io.BytesIO(build([person_row(seq=n) for n in range(10)])), today=TODAY)
    assert [str(p) for p in sheet.problems] == ["row 6: 文件: 超过 5 行，请按村拆分后分别导入"]
    assert sheet.rows == []
