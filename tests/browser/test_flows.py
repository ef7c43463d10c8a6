"""End-to-end flows in Debian's chromium: the township secretary's day, the county's risk work, slate simulation,
and the phone layout (screenshots saved under test-artifacts/)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from reserves.models import Slate
from tests import factories as f
from tests.browser.conftest import log_in
from villages.choices import Education, Gender, How, Post, ReviewStatus, VillageFlag
from villages.models import Person, Risk
from villages.risk import recompute_risks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def build_township():
    """巴州区凌云乡青龙村: an acting (代理) secretary, a director, two members over 35; a young reserve."""
    county = f.CountyFactory(code="511902", name="巴州区")
    township = f.TownshipFactory(county=county, code="511902100", name="凌云乡")
    village = f.VillageFactory(township=township, code="511902100201", name="青龙村")
    f.VillageFactory(township=township, code="511902100202", name="白鹤村")
    acting = f.PersonFactory(home_village=village, name="王代理", birth_date=dt.date(1975, 1, 1))
    f.PostAssignmentFactory(
        person=acting, post=Post.PARTY_SECRETARY, how=How.ACTING, start_on=timezone.localdate() - dt.timedelta(days=150)
    )
    director = f.PersonFactory(home_village=village, name="李主任", birth_date=dt.date(1972, 1, 1))
    f.PostAssignmentFactory(person=director, post=Post.DIRECTOR)
    for name, year in (("张委员", 1968), ("陈委员", 1980)):
        member = f.PersonFactory(home_village=village, name=name, birth_date=dt.date(year, 1, 1), gender=Gender.FEMALE)
        f.PostAssignmentFactory(person=member, post=Post.COMMITTEE_MEMBER)
    f.ReserveFactory(
        village=village,
        person__home_village=village,
        person__name="赵青年",
        person__birth_date=dt.date(1997, 3, 3),
        person__education=Education.ASSOCIATE,
        target_post=Post.COMMITTEE_MEMBER,
    )
    recompute_risks()
    return county, township, village


def test_secretary_dashboard_to_village_inline_edit_changes_the_flag(page):
    _, township, village = build_township()
    f.TownshipSecretaryFactory(username="sec_lingyun", township=township)
    log_in(page, "sec_lingyun")
    assert "凌云乡待办事项" in page.locator("h1").inner_text()  # the secretary's landing page (test_todo_flow.py)
    page.get_by_role("link", name="查看本乡镇概览").click()

    assert "凌云乡概览" in page.locator("h1").inner_text()
    page.locator("#units").get_by_role("link", name="青龙村").click()
    page.wait_for_url(re.compile(rf"/villages/{village.code}/$"))

    secretary_row = page.locator("#roster tr", has_text="王代理").first
    assert secretary_row.locator(".badge.amber", has_text="代理").is_visible()
    rule = page.locator("#structure-panel tr", has_text="关键岗位空缺或代理")
    rule.wait_for()
    assert "通过" not in rule.locator("td").nth(1).inner_text()

    secretary_row.get_by_role("link", name="编辑").click()
    form = page.locator("#roster-form form")
    form.wait_for()
    form.locator("select[name=how]").select_option(How.ELECTED.value)
    form.locator("button[type=submit]").click()
    page.locator("#roster tr", has_text="王代理").locator(".badge.amber").wait_for(state="detached")
    assert "选举" in page.locator("#roster tr", has_text="王代理").first.inner_text()

    page.reload()
    rule = page.locator("#structure-panel tr", has_text="关键岗位空缺或代理")
    rule.wait_for()
    assert "通过" in rule.locator("td").nth(1).inner_text()


def test_county_staff_works_a_risk_through_to_resolved(page):
    county, _, village = build_township()
    f.CountyStaffFactory(username="county_bz", county=county, display_name="县组织部小刘")
    log_in(page, "county_bz")
    assert "巴州区概览" in page.locator("h1").inner_text()

    page.locator(".stat-card", has_text="待处理风险").click()
    page.wait_for_url(re.compile(r"/risks/\?county=511902&state=open"))
    risk = Risk.objects.get(village=village, kind=VillageFlag.VACANT_OR_ACTING_POST)
    row = page.locator(f"#risk-{risk.pk}")

    for status, label in ((ReviewStatus.IN_PROGRESS, "处理中"), (ReviewStatus.RESOLVED, "已解决")):
        row.get_by_role("link", name="处理").click()
        form = row.locator("form.review")
        form.wait_for()
        form.locator("select[name=review_status]").select_option(status.value)
        form.locator("textarea[name=note]").fill(f"已约谈乡镇：{label}")
        form.get_by_role("button", name="保存").click()
        row.locator("form.review").wait_for(state="detached")
        assert label in row.inner_text()

    risk.refresh_from_db()
    assert risk.review_status == ReviewStatus.RESOLVED
    assert risk.note == "已约谈乡镇：已解决"


def test_slate_simulation_turns_a_failing_rule_to_pass(page):
    _, township, village = build_township()
    f.TownshipSecretaryFactory(username="sec_slate", township=township)
    log_in(page, "sec_slate")
    page.goto(f"/villages/{village.code}/")
    page.get_by_role("link", name="预备人选方案（换届模拟）").click()
    page.get_by_role("button", name="新建并模拟").click()
    page.wait_for_url(re.compile(r"/slates/\d+/$"))

    rule = page.locator('#slate-rules tr[data-rule="no_young_member"]')
    assert "未通过" in rule.locator(".result-proposed").inner_text()

    form = page.locator("#seat-form")
    form.locator("select[name=seat_key]").select_option(label="村委委员2")
    young = Person.objects.get(name="赵青年")
    form.locator("select[name=person]").select_option(value=str(young.pk))
    form.get_by_role("button", name="保存并重新模拟").click()

    rule = page.locator('#slate-rules tr[data-rule="no_young_member"]')
    rule.locator(".badge", has_text="转为通过").wait_for()
    assert "通过" in rule.locator(".result-proposed").inner_text()
    assert "未通过" in rule.locator(".result-today").inner_text()
    slate = Slate.objects.get()
    assert slate.candidates.filter(person__name="赵青年").exists()


def _no_horizontal_scroll(page) -> None:
    """The page itself never scrolls sideways on a phone (wide tables scroll inside their own box)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the phone screen"


def test_phone_layout_of_dashboard_and_village_page(phone_page, artifacts):
    page = phone_page
    _, township, village = build_township()
    f.TownshipSecretaryFactory(username="sec_phone", township=township)
    log_in(page, "sec_phone")

    page.wait_for_load_state("networkidle")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "phone-dashboard.png"), full_page=True)

    page.goto(f"/villages/{village.code}/")
    page.locator("#structure-panel h2").wait_for()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "phone-village.png"), full_page=True)
    assert (artifacts / "phone-dashboard.png").stat().st_size > 10_000
    assert (artifacts / "phone-village.png").stat().st_size > 10_000

    button = page.get_by_role("button", name="无变化确认")
    box = button.bounding_box()
    assert box and box["height"] >= 44  # a finger-sized target
    with page.expect_navigation():
        button.tap()
    assert "按期" in page.locator("#confirmation-panel").inner_text()
