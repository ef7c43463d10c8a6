"""Election results from an Excel sheet (reserves/results_workbook.py): template → fill → preview → confirm, every
village or none; bad rows reported with row, column and reason; scoped like the results pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from reserves.models import Election, ElectionResult
from reserves.results_workbook import FIRST_DATA_ROW, RESULT_COLUMNS, plan_results
from reserves.views.elections import township_people
from tests import factories as f
from tests.review_support import reviewed
from villages.choices import Post
from villages.models import PostAssignment
from villages.workbook.problems import RowProblem

HELD_ON = "2026-11-15"


@pytest.fixture
def township(world):
    """青龙村 (书记, 主任, 村委委员) and 白马村 (书记) in 凌云乡, and the people who won."""
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白马村")
    for post in (Post.COMMITTEE_MEMBER, Post.DIRECTOR, Post.PARTY_SECRETARY):
        f.PostAssignmentFactory(person__home_village=world.village_a, post=post)
    f.PostAssignmentFactory(person__home_village=second, post=Post.PARTY_SECRETARY)
    winners = {
        "qinglong_secretary": f.PersonFactory(
            home_village=world.village_a, name="赵书记", political_status="cpc_member"
        ),
        "qinglong_member": f.PersonFactory(home_village=world.village_a, name="钱委员", political_status="cpc_member"),
        "baima_secretary": f.PersonFactory(home_village=second, name="孙书记", political_status="cpc_member"),
    }
    reviewed(*winners.values(), on=dt.date.fromisoformat(HELD_ON))  # 未经联审不得任职
    return world.township_a, second, winners


def urls(code: str) -> dict[str, str]:
    return {
        name: reverse(f"reserves:{name}", args=[code])
        for name in ("results_template", "results_upload", "results_upload_confirm")
    }


def template_sheet(client: Client, code: str):
    response = client.get(urls(code)["results_template"])
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook, workbook["换届结果"]


def upload(client: Client, code: str, workbook, **extra):
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("结果.xlsx", buffer.getvalue())
    return client.post(urls(code)["results_upload"], {"held_on": HELD_ON, "term": "第十二届", "file": file, **extra})


def row_of(sheet, village: str, post: str) -> int:
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        if sheet.cell(row, 1).value == village and sheet.cell(row, 4).value == post:
            return row
    raise AssertionError(f"no {village} {post} row")


def test_template_lists_each_villages_seats_with_dropdowns_and_instructions(client_a, township):
    code = township[0].code
    workbook, sheet = template_sheet(client_a, code)
    assert [cell.value for cell in sheet[2]] == [column.header for column in RESULT_COLUMNS]
    assert [(sheet.cell(r, 1).value, sheet.cell(r, 4).value) for r in range(FIRST_DATA_ROW, sheet.max_row + 1)] == [
        ("青龙村", "书记"),
        ("青龙村", "村委会主任"),
        ("青龙村", "村委委员"),
        ("白马村", "书记"),
    ]
    assert "填写说明" in workbook.sheetnames
    validated = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert set(validated) == {"A", "D"}  # 村名称, 职务
    posts = [cell.value for cell in workbook["代码表"]["A"][1:] if cell.value]
    assert posts[0] == "书记" and "社长" in posts and "第一书记" not in posts


def test_sheet_round_trip_previews_then_applies_every_village(client_a, township):
    township_, second, winners = township
    workbook, sheet = template_sheet(client_a, township_.code)
    sheet.cell(row_of(sheet, "青龙村", "书记"), 2, "赵书记")
    sheet.cell(row_of(sheet, "青龙村", "书记"), 6, 812)
    member_row = row_of(sheet, "青龙村", "村委委员")
    sheet.cell(member_row, 3, winners["qinglong_member"].id_number)
    sheet.cell(row_of(sheet, "白马村", "书记"), 3, winners["baima_secretary"].id_number)
    sheet.cell(row_of(sheet, "白马村", "书记"), 2, "孙书记")

    preview = upload(client_a, township_.code, workbook)
    assert preview.status_code == 200, preview.context["plan"].problems
    plan = preview.context["plan"]
    assert [(g["village"].name, [w["row"].person.name for w in g["winners"]]) for g in plan.villages()] == [
        ("青龙村", ["赵书记", "钱委员"]),
        ("白马村", ["孙书记"]),
    ]
    assert plan.summary.ended == 3  # 青龙村 书记 and 村委委员, 白马村 书记
    assert not Election.objects.exists() and not ElectionResult.objects.exists()  # the preview was a dry run
    assert PostAssignment.objects.filter(end_on__isnull=False).count() == 0

    payload = preview.context["confirm_form"].initial["payload"]
    response = client_a.post(urls(township_.code)["results_upload_confirm"], {"payload": payload})
    assert response.status_code == 302
    assert response["Location"] == reverse("reserves:township_progress", args=[township_.code])
    assert Election.objects.count() == 2
    assert ElectionResult.objects.get(person=winners["qinglong_secretary"]).votes == 812
    assert Election.objects.get(village=second).results.get().post == Post.PARTY_SECRETARY


def test_a_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(client_a, township):
    township_, _, winners = township
    workbook, sheet = template_sheet(client_a, township_.code)
    sheet.cell(row_of(sheet, "青龙村", "书记"), 2, "赵书记")
    bad = row_of(sheet, "青龙村", "村委委员")
    sheet.cell(bad, 3, winners["qinglong_member"].id_number)
    sheet.cell(bad, 4, "委员")
    sheet.cell(bad, 6, "很多")
    mismatch = row_of(sheet, "白马村", "书记")
    sheet.cell(mismatch, 2, "李四")
    sheet.cell(mismatch, 3, winners["baima_secretary"].id_number)

    response = upload(client_a, township_.code, workbook)
    assert response.status_code == 400
    plan = response.context["plan"]
    assert plan.problems == [
        RowProblem(bad, "职务", "“委员”不明确，请写明“支委委员”“村委委员”或“监委委员”"),
        RowProblem(bad, "得票", "得票应为不小于0的整数，收到“很多”"),
        RowProblem(mismatch, "姓名", "与身份证号码不符：花名册中此号码为“孙书记”"),
    ]
    html = response.content.decode()
    assert f"第 {bad} 行" in html and "确认录入" not in html
    assert not Election.objects.exists() and not ElectionResult.objects.exists()


def test_a_seat_filled_twice_is_refused_by_the_dry_run_with_its_row(client_a, township):
    township_ = township[0]
    workbook, sheet = template_sheet(client_a, township_.code)
    sheet.cell(row_of(sheet, "青龙村", "书记"), 2, "赵书记")
    twice = row_of(sheet, "青龙村", "村委会主任")
    sheet.cell(twice, 2, "钱委员")
    sheet.cell(twice, 4, "书记")
    response = upload(client_a, township_.code, workbook)
    assert response.status_code == 400
    assert response.context["plan"].problems == [
        # The one seat rule (villages.roster.invariants.seat_refusal), as for every entry path.
        RowProblem(
            twice, "职务", f"本村书记已由赵书记担任（{HELD_ON}起），同一时间只能一人担任；如其已离任，请先登记离任"
        )
    ]
    assert not Election.objects.exists()


def test_a_sheet_with_only_blank_seats_is_refused(client_a, township):
    workbook, _ = template_sheet(client_a, township[0].code)
    response = upload(client_a, township[0].code, workbook)
    assert response.status_code == 400
    assert "表格中没有填写当选人" in response.content.decode()


def test_a_village_of_another_township_is_not_found(client_a, township, world):
    workbook, sheet = template_sheet(client_a, township[0].code)
    sheet.cell(FIRST_DATA_ROW, 1, world.village_b.name)
    sheet.cell(FIRST_DATA_ROW, 2, "赵书记")
    plan = upload(client_a, township[0].code, workbook).context["plan"]
    assert plan.problems[0] == RowProblem(
        FIRST_DATA_ROW, "村名称", "凌云乡没有名为“白鹤村”的村（可填村名或12位村代码）"
    )


def test_a_changed_or_foreign_payload_writes_nothing(client_a, client_county, township):
    township_, _, _ = township
    workbook, sheet = template_sheet(client_a, township_.code)
    sheet.cell(row_of(sheet, "青龙村", "书记"), 2, "赵书记")
    payload = upload(client_a, township_.code, workbook).context["confirm_form"].initial["payload"]
    confirm = urls(township_.code)["results_upload_confirm"]
    for client, data in ((client_a, {"payload": payload + "x"}), (client_county, {"payload": payload})):
        response = client.post(confirm, data, follow=True)
        assert "预览已过期或无效，请重新上传" in response.content.decode()
    assert not Election.objects.exists()


@pytest.mark.parametrize(
    ("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 200), ("client_city", 200)]
)
def test_who_may_use_the_results_sheet(request, township, persona, code):
    client: Client = request.getfixturevalue(persona)
    pages = urls(township[0].code)
    assert client.get(pages["results_template"]).status_code == code
    assert client.get(pages["results_upload"]).status_code == code
    if code == 404:
        assert client.post(pages["results_upload_confirm"], {"payload": "x"}).status_code == 404


def test_county_staff_of_another_county_get_404(world, township):
    other = Client()
    other.force_login(f.CountyStaffFactory(username="other_county", county=world.other_county))
    assert other.get(urls(township[0].code)["results_upload"]).status_code == 404


def test_anonymous_users_are_sent_to_log_in(world, township):
    response = Client().get(urls(township[0].code)["results_template"])
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_hand_made_sheet_with_codes_aliases_and_a_group_leader_is_understood(township, world):
    township_, _, winners = township
    f.GroupFactory(village=world.village_a, number=3)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["凌云乡换届结果（手工表）"])
    sheet.append(["村代码", "姓名", "身份证号", "当选职务", "得票数"])
    sheet.append([world.village_a.code, "赵书记", None, "党支部书记、村委会主任", "８１２"])
    sheet.append([world.village_a.code, "钱委员", winners["qinglong_member"].id_number, "3社社长", 95.0])
    sheet.append(["填表人：张三"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    plan = plan_results(
        source=buffer,
        township=township_,
        people=township_people(township_),
        held_on=dt.date(2026, 11, 15),
        term="",
    )
    assert plan.problems == []
    assert [(r.number, r.person.name, r.post, r.group_number, r.votes) for r in plan.rows] == [
        (3, "赵书记", Post.PARTY_SECRETARY, None, 812),
        (3, "赵书记", Post.DIRECTOR, None, 812),
        (4, "钱委员", Post.GROUP_LEADER, 3, 95),
    ]
    assert not Election.objects.exists()
