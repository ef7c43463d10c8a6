"""The working day in Debian's chromium (issue 14, items 2, 3 and 5): the county hands a risk to the township's
secretary, the township answers it with a file, the county confirms it; the city admin creates a township account
that then logs in; the township secretary's landing page is their to-do list. Each flow counts its clicks (link
and button presses, not typing) and saves phone screenshots under test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests import factories as f
from tests.browser.conftest import log_in
from villages.choices import Education, Post, ReviewStatus, VillageFlag
from villages.models import Risk, RosterConfirmation, User
from villages.risk import recompute_risks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Clicks:
    """Counts what a person presses: every click goes through here."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


def build_township():
    """巴州区凌云乡青龙村: an old secretary with primary education, no reserve; two members, one unassessed."""
    county = f.CountyFactory(code="511902", name="巴州区")
    township = f.TownshipFactory(county=county, code="511902100", name="凌云乡")
    village = f.VillageFactory(township=township, code="511902100201", name="青龙村")
    f.VillageFactory(township=township, code="511902100202", name="白鹤村")
    old = f.PersonFactory(
        home_village=village, name="王书记", birth_date=dt.date(1960, 3, 1), education=Education.PRIMARY
    )
    f.PostAssignmentFactory(person=old, post=Post.PARTY_SECRETARY)
    for name, year in (("张委员", 1968), ("陈委员", 1985)):
        person = f.PersonFactory(home_village=village, name=name, birth_date=dt.date(year, 1, 1))
        f.PostAssignmentFactory(person=person, post=Post.COMMITTEE_MEMBER)
        if name == "张委员":
            f.AssessmentFactory(person=person, year=timezone.localdate().year - 1)
    recompute_risks()
    return county, township, village


def no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the phone screen"


def shot(page, artifacts: Path, name: str) -> None:
    no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / name), full_page=True)


def test_county_assigns_a_risk_township_answers_county_confirms(browser, live_server, artifacts, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    county, township, village = build_township()
    f.CountyStaffFactory(username="county_bz", county=county, display_name="县组织部小刘")
    f.TownshipSecretaryFactory(username="sec_lingyun", township=township, display_name="凌云乡李书记")
    gap = Risk.objects.get(village=village, kind=VillageFlag.NO_SECRETARY_RESERVE)
    due = timezone.localdate() + dt.timedelta(days=30)
    phone = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    clicks = {}

    # 1. County staff: menu → 风险清单 → 处理 on the village-level row → owner, due date, status → 保存.
    county_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = county_ctx.new_page()
    log_in(page, "county_bz")
    click = Clicks()
    click(page.locator(".mainnav summary", has_text="风险与换届"))  # the grouped menu opens its group
    click(page.locator(".mainnav").get_by_role("link", name="风险清单"))
    row = page.locator(f"#risk-{gap.pk}")
    assert row.is_visible()  # village-level rows are not folded away
    assert not page.locator("tr.person-fold details").first.evaluate("d => d.open")  # person rows folded
    shot(page, artifacts, "desktop-risks-grouped.png")
    click(row.get_by_role("link", name="处理"))
    form = row.locator("form.review")
    form.wait_for()
    form.locator("select[name=owner]").select_option(label="凌云乡李书记（凌云乡党委书记）")
    form.locator("input[name=due_on]").fill(f"{due:%Y-%m-%d}")
    form.locator("select[name=review_status]").select_option(ReviewStatus.IN_PROGRESS.value)
    form.locator("textarea[name=note]").fill("一个月内推荐书记后备人选")
    click(form.get_by_role("button", name="保存"))
    row.locator(".saved").wait_for()
    assert "已保存：处理中" in row.inner_text() and "凌云乡李书记" in row.inner_text()
    clicks["county_assign"] = click.count
    county_ctx.close()

    # 2. Township secretary on a phone: the landing to-do list → the assigned risk → what was done + a photo → 提交.
    township_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN", **phone)
    page = township_ctx.new_page()
    log_in(page, "sec_lingyun")
    assert "凌云乡待办事项" in page.locator("h1").inner_text()
    item = page.locator("#todo-risks_assigned")
    shot(page, artifacts, "phone-todo.png")
    click = Clicks()
    click(item.get_by_role("link", name=re.compile("青龙村 书记无后备")))
    form = page.locator("form.answer")
    form.wait_for()
    assert "一个月内推荐书记后备人选" in form.inner_text()  # the county's request is shown with the form
    form.locator("textarea[name=action_taken]").fill("已推荐赵青年、钱青年为书记后备人选，经支部研究")
    photo = tmp_path / "会议记录.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 meeting photo")
    form.locator("input[name=attachment]").set_input_files(str(photo))
    shot(page, artifacts, "phone-risk-answer.png")
    click(form.get_by_role("button", name=re.compile("提交整改情况")))
    saved = page.locator(f"#risk-{gap.pk} .saved")
    saved.wait_for()
    assert "已提交整改情况" in saved.inner_text() and "已整改待核" in page.locator(f"#risk-{gap.pk}").inner_text()
    shot(page, artifacts, "phone-risks-township.png")
    clicks["township_answer"] = click.count
    township_ctx.close()
    gap.refresh_from_db()
    assert gap.review_status == ReviewStatus.RECTIFIED and gap.attachment

    # 3. County staff: 风险清单 filtered to 已整改待核 → 确认已整改.
    county_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = county_ctx.new_page()
    log_in(page, "county_bz")
    click = Clicks()
    click(page.locator(".mainnav summary", has_text="风险与换届"))  # the grouped menu opens its group
    click(page.locator(".mainnav").get_by_role("link", name="风险清单"))
    page.locator("select[name=review_status]").select_option(ReviewStatus.RECTIFIED.value)
    row = page.locator(f"#risk-{gap.pk}")
    page.wait_for_url(re.compile(r"review_status=rectified"))
    assert "已推荐赵青年" in row.inner_text() and "会议记录" in row.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, artifacts, "phone-risks-county-rectified.png")
    click(row.get_by_role("button", name="确认已整改"))
    row.locator(".saved").wait_for()
    assert "已确认整改，风险已解决" in row.inner_text()
    clicks["county_confirm"] = click.count
    county_ctx.close()
    gap.refresh_from_db()
    assert gap.review_status == ReviewStatus.RESOLVED
    assert clicks == {"county_assign": 4, "township_answer": 2, "county_confirm": 3}, clicks


def test_city_admin_creates_a_township_account_that_then_logs_in(page, live_server, artifacts):
    _, township, _ = build_township()
    f.CityAdminFactory(username="city_admin", display_name="市委组织部老周")
    log_in(page, "city_admin")
    click = Clicks()
    click(page.locator(".mainnav").get_by_role("link", name="用户管理"))
    click(page.get_by_role("link", name="新建账号"))
    page.fill("input[name=username]", "lingyun_sj")
    page.fill("input[name=display_name]", "凌云乡新书记")
    page.select_option("select[name=role]", "township_secretary")
    page.select_option("select[name=township]", label="巴州区 凌云乡")
    click(page.get_by_role("button", name="创建账号"))
    assert "已创建账号" in page.locator(".messages").inner_text()
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) >= 12
    assert click.count == 3  # 用户管理 → 新建账号 → 创建账号 (typing and the two selects not counted)
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, artifacts, "phone-user-created.png")
    page.goto("/users/")
    shot(page, artifacts, "phone-users.png")
    page.goto(f"/users/{User.objects.get(username='lingyun_sj').pk}/")
    shot(page, artifacts, "phone-user-detail.png")
    page.goto("/users/new/")
    shot(page, artifacts, "phone-user-new.png")

    page.locator(".who").get_by_role("button", name="退出").click()
    log_in(page, "lingyun_sj", password)
    assert "凌云乡待办事项" in page.locator("h1").inner_text()
    assert "凌云乡新书记" in page.locator(".who").inner_text()
    user = User.objects.get(username="lingyun_sj")
    assert (user.role, user.township, user.is_staff) == ("township_secretary", township, False)


def test_township_landing_page_shows_the_todo_items(phone_page, live_server, artifacts):
    page = phone_page
    _, township, village = build_township()
    secretary = f.TownshipSecretaryFactory(username="sec_todo", township=township, display_name="待办书记")
    RosterConfirmation.objects.create(village=village, confirmed_by=secretary)  # 白鹤村 never confirmed
    f.ReserveFactory(village=village, person__home_village=village, person__name="赵青年")
    gap = Risk.objects.get(village=village, kind=VillageFlag.RESERVE_SHORTFALL)  # one reserve: still short
    Risk.objects.filter(pk=gap.pk).update(owner=secretary, due_on=timezone.localdate() - dt.timedelta(days=3))
    log_in(page, "sec_todo")

    assert "凌云乡待办事项" in page.locator("h1").inner_text()
    expected = {
        "confirmations": ("花名册确认逾期的村", "白鹤村"),
        "risks_overdue": ("已逾期的指派风险", "青龙村 后备干部不足"),
        "missing_assessment": ("的两委成员", "陈委员（青龙村）"),
        "reserves_without_mentor": ("没有帮带人的后备干部", "赵青年"),
    }
    for key, (title, entry) in expected.items():
        item = page.locator(f"#todo-{key}")
        assert title in item.locator("h2").inner_text() and entry in item.inner_text(), key
    shot(page, artifacts, "phone-todo-items.png")

    click = Clicks()
    click(page.locator("#todo-missing_assessment").get_by_role("link", name="陈委员（青龙村）"))
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert "陈委员" in page.locator("h1").inner_text()
    page.go_back()
    click(page.locator("#todo-confirmations").get_by_role("link", name="白鹤村"))
    page.wait_for_url(re.compile(r"/villages/511902100202/confirm/$"))
    click(page.get_by_role("button", name=re.compile("确认")).first)
    assert "已确认白鹤村花名册" in page.locator(".messages").inner_text()
    page.goto("/")
    assert page.locator("#todo-confirmations").count() == 0  # done: moved to 已办结
    assert "花名册确认逾期的村" in page.locator(".todo-done").inner_text()
    assert click.count == 3
