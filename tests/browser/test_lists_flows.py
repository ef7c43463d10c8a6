"""Flows of issue 14 items 4, 6 and 7 in Debian's chromium, each counting the user's actions (clicks, choices,
one typed search): the reserve list's filter and export, a person's roles and their direct edit, the roster row's
编辑 reaching the person's fields, my reports; and the phone (390 px) and 1366 px layout of the dashboard, the
menu and the reserve list (screenshots under test-artifacts/)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from reserves.choices import EnrollmentStatus, Readiness
from reserves.workbook import HEADERS
from tasks.models import JobStatus, ReportBatch, ReportJob, ReportKind
from tests import factories as f
from tests.browser.conftest import log_in
from villages.choices import Education, Post
from villages.models import IdNumberExport, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1366, "height": 900}
TODAY = timezone.localdate()


@dataclass
class Actions:
    """Counts what the user does: every click, choice and submitted search is one action."""

    page: object
    log: list[str] = field(default_factory=list)

    def click(self, locator, what: str) -> None:
        locator.click()
        self.log.append(f"click {what}")

    def choose(self, locator, value: str, what: str) -> None:
        locator.select_option(value)
        self.log.append(f"choose {what}")

    def search(self, locator, text: str) -> None:
        locator.fill(text)
        locator.press("Enter")
        self.log.append(f"search {text}")

    @property
    def count(self) -> int:
        return len(self.log)


def build_township():
    """巴州区凌云乡: 青龙村 with a secretary (张全能, also a reserve for director and a trainee) and three reserves
    (one eligible with a mentor, one 不符合 by education, one relaxed by age); 白鹤村 with one reserve."""
    county = f.CountyFactory(code="511902", name="巴州区")
    township = f.TownshipFactory(county=county, code="511902100", name="凌云乡")
    village = f.VillageFactory(township=township, code="511902100201", name="青龙村")
    other = f.VillageFactory(township=township, code="511902100202", name="白鹤村")
    cadre = f.PersonFactory(home_village=village, name="张全能", birth_date=dt.date(1990, 2, 2))
    f.PostAssignmentFactory(person=cadre, post=Post.PARTY_SECRETARY, start_on=dt.date(2021, 3, 15))
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=village, name="李主任"), post=Post.DIRECTOR)
    f.ReserveFactory(person=cadre, village=village, target_post=Post.DIRECTOR, readiness=Readiness.READY_NOW)
    f.EnrollmentFactory(person=cadre, training_class__county=county, training_class__name="首批中期班")
    mentor = f.PersonFactory(home_village=village, name="王帮带")
    f.ReserveFactory(person__home_village=village, person__name="赵青年", mentor=mentor)
    f.ReserveFactory(
        person__home_village=village,
        person__name="钱初中",
        person__education=Education.JUNIOR_HIGH,
        target_post=Post.COMMITTEE_MEMBER,
    )
    f.ReserveFactory(
        person__home_village=other,
        person__name="孙放宽",
        person__birth_date=dt.date(1986, 6, 6),
        target_post=Post.COMMITTEE_MEMBER,
    )
    enrolled = f.ReserveFactory(person__home_village=other, person__name="周在读", target_post=Post.CLERK)
    f.EnrollmentFactory(person=enrolled.person, training_class__county=county, status=EnrollmentStatus.ENROLLED)
    return county, township, village, cadre


def no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the screen"


def test_reserve_list_filter_and_export(page, artifacts):
    _, township, _, _ = build_township()
    f.TownshipSecretaryFactory(username="sec_list", township=township)
    log_in(page, "sec_list")
    you = Actions(page)

    you.click(page.locator(".mainnav summary", has_text="后备干部"), "menu 后备干部")
    you.click(page.locator(".mainnav").get_by_role("link", name="后备干部名单"), "后备干部名单")
    page.wait_for_url(re.compile(r"/reserves/$"))
    assert page.locator("#reserve-results tbody tr").count() == 5
    you.choose(page.locator("select[name=eligibility]"), "ineligible", "资格 不符合")
    page.wait_for_url(re.compile(r"eligibility=ineligible"))
    rows = page.locator("#reserve-results tbody tr")
    rows.first.wait_for()
    page.wait_for_function("document.querySelectorAll('#reserve-results tbody tr').length === 1")
    assert "钱初中" in rows.first.inner_text() and "不符合" in rows.first.inner_text()
    export = page.locator("#reserve-export")
    assert export.get_attribute("href") == "/reserves/export.xlsx?eligibility=ineligible&status=active"
    with page.expect_download() as download:
        you.click(export, "导出Excel")
    assert download.value.suggested_filename.startswith("凌云乡后备干部名单_")
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))  # the saved file has no suffix
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(sheet[1]) == HEADERS and [row[3] for row in sheet[2:]] == ["钱初中"]
    assert sheet[2][5] == Person.objects.get(name="钱初中").id_number  # the township's own secretary
    assert IdNumberExport.objects.get().count == 1
    assert you.count == 4, you.log


def test_person_page_shows_roles_and_edits_directly(page):
    _, _, village, cadre = build_township()
    f.TownshipSecretaryFactory(username="sec_person", township=village.township)
    log_in(page, "sec_person")
    you = Actions(page)

    you.search(page.locator("header .search input[name=q]"), "张全能")
    page.wait_for_url(re.compile(r"/people/\?q="))
    you.click(page.locator("#people-results").get_by_role("link", name="张全能"), "张全能")
    roles = page.locator("#person-roles")
    for role in ("青龙村书记", "后备干部（青龙村，目标：村委会主任）", "专修班学员（结业）"):
        assert role in roles.inner_text()
    assert "首批中期班" in page.locator("#person-training").inner_text()
    assert "村委会主任" in page.locator("#person-reserves").inner_text()

    you.click(page.locator("#posts tr", has_text="书记").get_by_role("link", name="编辑"), "任职 编辑")
    form = page.locator("#roster-form form")
    you.choose(form.locator("select[name=person-education]"), Education.ASSOCIATE.value, "学历 大学专科")
    you.click(form.get_by_role("button", name="保存"), "保存")
    page.wait_for_url(re.compile(rf"/villages/{village.code}/$"))
    assert "已保存张全能（书记）的任职和人员信息" in page.locator("#messages").inner_text()
    cadre.refresh_from_db()
    assert cadre.education == Education.ASSOCIATE
    assert you.count == 5, you.log


def test_roster_row_edit_reaches_the_person_fields_in_three_actions(page):
    _, _, village, cadre = build_township()
    f.TownshipSecretaryFactory(username="sec_row", township=village.township)
    log_in(page, "sec_row")
    page.goto(f"/villages/{village.code}/")
    you = Actions(page)

    you.click(page.locator("#roster tr", has_text="张全能").get_by_role("link", name="编辑"), "编辑")
    form = page.locator("#roster-form form")
    birth = form.locator("input[name=person-birth_date]")
    birth.wait_for()
    assert form.locator("select[name=person-education]").input_value() == Education.HIGH_SCHOOL
    you.choose(form.locator("select[name=person-education]"), Education.BACHELOR.value, "学历 大学本科")
    you.click(form.get_by_role("button", name="保存"), "保存")
    page.locator("#messages", has_text="已保存张全能").wait_for()
    assert page.locator("#roster-form form").count() == 0
    cadre.refresh_from_db()
    assert cadre.education == Education.BACHELOR
    assert you.count == 3, you.log


def test_my_reports_lists_names_status_and_downloads(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _, township, village, _ = build_township()
    user = f.TownshipSecretaryFactory(username="sec_reports", township=township)
    done = ReportJob.objects.create(
        kind=ReportKind.VILLAGE, scope=village.code, as_of=TODAY, status=JobStatus.DONE, created_by=user
    )
    done.file.save("village.pdf", ContentFile(b"%PDF-1.7 test"))
    batch = ReportBatch.objects.create(kind=ReportKind.TOWNSHIP, scope=township.code, as_of=TODAY, created_by=user)
    for n in range(10):
        part = f.VillageFactory(township=township, name=f"报告村{n}")
        status = JobStatus.DONE if n < 8 else JobStatus.QUEUED
        ReportJob.objects.create(kind=ReportKind.VILLAGE, scope=part.code, status=status, batch=batch, created_by=user)
    ReportJob.objects.create(kind=ReportKind.TOWNSHIP, scope=township.code, as_of=TODAY, batch=batch, created_by=user)
    log_in(page, "sec_reports")
    you = Actions(page)

    you.click(page.locator(".mainnav").get_by_role("link", name="我的报告"), "我的报告")
    page.wait_for_url(re.compile(r"/reports/$"))
    rows = page.locator("#report-list tbody tr")
    assert rows.count() == 2
    edition = rows.nth(0).inner_text()
    assert "凌云乡（巴州区）换届前村情报告汇编" in edition and "生成中" in edition and "8/10" in edition
    assert "排队中" not in edition
    name = f"凌云乡-青龙村-换届前村情报告-{TODAY:%Y-%m-%d}.pdf"
    with page.expect_download() as download:
        you.click(rows.nth(1).get_by_role("link", name=name), "文件名")
    assert download.value.suggested_filename == name
    assert you.count == 2, you.log


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_layout_of_dashboard_menu_and_reserve_list(browser, live_server, artifacts, size):
    county, _, _, _ = build_township()
    f.CountyStaffFactory(username=f"county_{size}", county=county, display_name="巴州区委组织部")
    viewport = {"width": 390, "height": 844} if size == "phone" else DESKTOP
    phone = size == "phone"
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    width = viewport["width"]
    try:
        log_in(page, f"county_{size}")
        page.wait_for_load_state("networkidle")
        no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts / f"lists-dashboard-{width}.png"), full_page=True)
        nav = page.locator(".mainnav")
        if size == "desktop":
            items = nav.locator(":scope > a, :scope > details > summary")
            boxes = [items.nth(i).bounding_box() for i in range(items.count())]
            assert len({round(b["y"]) for b in boxes}) == 1, "the menu wraps at 1366 px"
        page.locator(".mainnav summary", has_text="后备干部").click()
        panel = page.locator(".mainnav details[open] .menu-panel")
        panel.wait_for()
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        page.screenshot(path=str(artifacts / f"lists-menu-{width}.png"))
        page.keyboard.press("Escape")
        assert page.locator(".mainnav details[open]").count() == 0
        page.goto("/reserves/")
        page.locator("#reserve-results").wait_for()
        no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts / f"lists-reserves-{width}.png"), full_page=True)
        page.goto("/")
        sizes = page.evaluate(
            "[...document.querySelectorAll('.chart-card svg')].map(s => Math.round(s.getBoundingClientRect().width))"
        )
        assert len(sizes) == 7 and max(sizes) - min(sizes) <= 2, sizes  # every chart at one scale
        cell = page.locator("#units tbody tr").first.locator("td").first
        assert cell.bounding_box()["height"] < 60, "unit names wrap one character a line"
    finally:
        context.close()
