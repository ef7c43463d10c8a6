"""Department sheets round trip (export → departments fill in → preview → atomic apply) and the 台账 workbook."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reserves.choices import QualificationStatus, ReviewAuditKind
from reserves.models import Review, ReviewAuditEntry, ReviewOpinion
from reserves.reviews import outcome_of
from tests import factories as f
from tests.review_support import answer, departments, open_review
from villages.models import IdNumberView

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world, county_staff):
    """Three candidates of village A whose county round still lacks 公安局 (and 法院 for the third)."""
    reviews = []
    for n, name in enumerate(("周一", "周二", "周三")):
        person = f.PersonFactory(home_village=world.village_a, name=name)
        review = open_review(person, by=county_staff, opinions_due_on=dt.date(2026, 10, 15))
        answer(review, skip=("公安局", "法院") if n == 2 else ("公安局",))
        reviews.append(review)
    return reviews


def sheets_url(level: str = "township", code: str = "511902100") -> str:
    return reverse("reserves:review_sheets", args=[level, code])


def answers_url(level: str = "township", code: str = "511902100") -> str:
    return reverse("reserves:review_answers", args=[level, code])


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_one_sheet_per_department_with_whole_numbers_for_the_county_audited_once(pending, client_county):
    response = client_county.get(sheets_url())
    assert response["Content-Type"] == "application/zip"
    files = unzip(response.content)
    assert sorted(files) == ["凌云乡-公安局-资格联审核查表.xlsx", "凌云乡-法院-资格联审核查表.xlsx"]
    rows = rows_of(files["凌云乡-公安局-资格联审核查表.xlsx"])
    assert rows[2][:10] == (
        "联审编号",
        "村名称",
        "姓名",
        "公民身份号码",
        "性别",
        "出生年月",
        "拟任职务",
        "联审类别",
        "审查部门",
        "审查结论",
    )
    assert [(r[0], r[2], r[3], r[8]) for r in rows[3:]] == [
        (review.pk, review.person.name, review.person.id_number, "公安局") for review in pending
    ]
    assert len(rows_of(files["凌云乡-法院-资格联审核查表.xlsx"])) == 4
    (entry,) = ReviewAuditEntry.objects.filter(kind=ReviewAuditKind.SHEET_EXPORT)
    assert entry.user.username == "county_staff" and "3人，完整身份证号" in entry.detail
    assert IdNumberView.objects.filter(context="review_sheet").count() == 3


def test_the_township_gets_masked_numbers_and_one_department_alone(pending, client_a):
    response = client_a.get(sheets_url() + "?department=法院")
    rows = rows_of(response.content)
    assert [r[3] for r in rows[3:]] == [re.sub(r"(?<=^.{4}).{10}", "*" * 10, pending[2].person.id_number)]
    assert not IdNumberView.objects.exists()
    assert "隐去部分数字" in ReviewAuditEntry.objects.get().detail


def fill(content: bytes, answers: dict[int, tuple]) -> io.BytesIO:
    """The department's answers in the answer columns (审查结论, 理由或说明, 审查日期, 文号) of the given rows."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    for row, values in answers.items():
        for offset, value in enumerate(values):
            sheet.cell(row=row, column=10 + offset, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.name = "公安局.xlsx"
    buffer.seek(0)
    return buffer


def test_the_round_trip_previews_then_applies_everything(pending, client_county):
    content = client_county.get(sheets_url() + "?department=公安局").content
    returned = fill(
        content,
        {
            4: ("通过", None, "2026-10-08", "巴公函〔2026〕31号"),
            5: ("不通过", "有涉黑涉恶线索", dt.date(2026, 10, 9), "巴公函〔2026〕32号"),
        },
    )
    preview = client_county.post(answers_url(), {"workbook": returned})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "可录入 2 条意见；未填写结论（跳过） 1 行" in text
    assert not ReviewOpinion.objects.filter(department="公安局").exists()
    payload = re.search(r'name="payload" value="([^"]+)"', text).group(1)
    applied = client_county.post(answers_url(), {"payload": payload})
    assert applied.status_code == 302
    statuses = [outcome_of(review).status for review in Review.objects.order_by("pk")]
    assert statuses == [QualificationStatus.PASSED, QualificationStatus.FAILED, QualificationStatus.PENDING]
    stored = ReviewOpinion.objects.get(review=pending[1], department="公安局")
    assert (stored.note, stored.concluded_on, stored.document_number) == (
        "有涉黑涉恶线索",
        dt.date(2026, 10, 9),
        "巴公函〔2026〕32号",
    )
    again = client_county.post(
        answers_url(), {"workbook": fill(content, {4: ("通过", None, "2026-10-08", "巴公函〔2026〕31号")})}
    )
    assert "可录入 0 条意见" in again.content.decode() and "已录入过（跳过） 1 行" in again.content.decode()


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(pending, client_county):
    content = client_county.get(sheets_url() + "?department=公安局").content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    sheet["C4"] = "周四"  # the name no longer matches the review number
    sheet["I5"] = "税务局"  # not a department of the list
    sheet["J5"] = "通过"
    sheet["J4"] = "同意"
    sheet["L4"] = "2026-10-08"
    sheet["J6"] = "不通过"  # no reason
    sheet["L6"] = "去年"  # not a date
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.name = "公安局.xlsx"
    buffer.seek(0)
    response = client_county.post(answers_url(), {"workbook": buffer})
    assert response.status_code == 422
    problems = re.findall(r"<li>(第 \d+ 行：[^<]+)</li>", response.content.decode())
    assert problems == [
        f"第 4 行：姓名：姓名与联审编号 {pending[0].pk} 不符（应为周一）",
        "第 5 行：审查日期：须填写审查日期",
        "第 5 行：审查部门：“税务局”不是该人县级联审需要的部门（" + "、".join(departments(pending[0].village)) + "）",
        "第 6 行：审查日期：无法识别的日期“去年”（可写作 1965.03、1965-03、1965年3月、196503 或 1965/3/15）",
        "第 6 行：理由或说明：结论为不通过时须写明理由",
    ]
    assert 'name="payload"' not in response.content.decode()
    assert not ReviewOpinion.objects.filter(department__in=["公安局", "税务局"]).exists()


def test_only_the_county_side_imports_and_a_tampered_preview_is_refused(pending, client_a, client_county):
    assert client_a.get(answers_url()).status_code == 403
    response = client_county.post(answers_url(), {"payload": "not-signed"})
    assert response.status_code == 422 and "预览已过期或被改动" in response.content.decode()


def test_a_withdrawn_review_between_preview_and_apply_refuses_the_whole_sheet(pending, client_county):
    content = client_county.get(sheets_url() + "?department=公安局").content
    returned = fill(content, {4: ("通过", None, "2026-10-08", "文1"), 5: ("通过", None, "2026-10-08", "文2")})
    text = client_county.post(answers_url(), {"workbook": returned}).content.decode()
    payload = re.search(r'name="payload" value="([^"]+)"', text).group(1)
    Review.objects.filter(pk=pending[1].pk).update(withdrawn_on=dt.date(2026, 10, 10), withdrawn_reason="本人放弃")
    response = client_county.post(answers_url(), {"payload": payload})
    assert response.status_code == 422 and "该资格联审已撤回" in response.content.decode()
    assert not ReviewOpinion.objects.filter(department="公安局").exists()


def test_the_ledger_workbook_has_the_documented_shape(pending, client_a):
    response = client_a.get(reverse("reserves:review_ledger_export", args=["township", "511902100"]))
    rows = rows_of(response.content)
    assert rows[0][0].startswith("凌云乡资格联审台账")
    header = rows[1]
    assert header[:10] == (
        "序号",
        "乡镇",
        "村名称",
        "姓名",
        "公民身份号码",
        "拟任职务",
        "联审类别",
        "届次",
        "村党组织自审",
        "乡镇初审",
    )
    assert header[-6:] == ("党委考察", "状态", "尚缺意见", "不通过原因", "发起日期", "部门意见反馈期限")
    third = rows[4]
    assert third[3] == "周三" and third[4].count("*") == 10
    assert third[header.index("公安局")] == "未反馈" and third[header.index("纪委监委")] == "通过"
    assert third[header.index("尚缺意见")] == "公安局、法院"


def test_a_sheet_with_masked_numbers_is_read_back_too(pending, client_a, client_county):
    content = client_a.get(sheets_url() + "?department=公安局").content  # the township's copy: masked numbers
    returned = fill(content, {4: ("无异议", None, "2026年10月8日", "巴公函〔2026〕40号")})
    text = client_county.post(answers_url(), {"workbook": returned}).content.decode()
    assert "可录入 1 条意见" in text, text[:3000]
    payload = re.search(r'name="payload" value="([^"]+)"', text).group(1)
    assert client_county.post(answers_url(), {"payload": payload}).status_code == 302
    assert ReviewOpinion.objects.get(department="公安局").concluded_on == dt.date(2026, 10, 8)
