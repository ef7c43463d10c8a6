"""Election results in Debian's chromium: a township secretary enters 2 winners on a village's grid (the seats
pre-filled, the untouched rows left alone), 7 and 17 winners (rows added with htmx), and on a phone adds a row
with htmx for a third winner. Every winner has passed the election's 资格联审 (未经联审不得任职).

Clicks are counted (typing into a field is not a click) for the issue's closing note.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from reserves.models import Election, ElectionResult
from tests import factories as f
from tests.browser.conftest import log_in
from tests.review_support import reviewed
from villages.choices import Post
from villages.models import PostAssignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HELD_ON = dt.date(2026, 11, 15)


def build_village():
    """凌云乡青龙村 with a five-seat committee elected in 2021 and three villagers who win in 2026."""
    county = f.CountyFactory(code="511902", name="巴州区")
    township = f.TownshipFactory(county=county, code="511902100", name="凌云乡")
    village = f.VillageFactory(township=township, code="511902100201", name="青龙村")
    committee = (
        ("老书记", Post.PARTY_SECRETARY),
        ("老主任", Post.DIRECTOR),
        ("老委员甲", Post.COMMITTEE_MEMBER),
        ("老委员乙", Post.COMMITTEE_MEMBER),
        ("老文书", Post.CLERK),
    )
    for name, post in committee:
        person = f.PersonFactory(home_village=village, name=name)
        f.PostAssignmentFactory(person=person, post=post, start_on=dt.date(2021, 3, 1))
    for name in ("周新书", "吴新主", "郑监督"):  # party members: a 群众 cannot be elected to a party post
        reviewed(f.PersonFactory(home_village=village, name=name, political_status="cpc_member"), on=HELD_ON)
    return township, village


def test_secretary_enters_two_winners_on_the_village_grid(page):
    township, village = build_village()
    f.TownshipSecretaryFactory(username="sec_elect", township=township)
    log_in(page, "sec_elect")
    clicks = 0

    page.locator("nav.mainnav summary", has_text="风险与换届").click()  # the grouped menu opens its group
    page.locator("nav.mainnav").get_by_role("link", name="换届进度").click()
    clicks += 2
    page.wait_for_url(re.compile(rf"/townships/{township.code}/election-progress/"))
    page.locator("tr", has_text="青龙村").get_by_role("link", name="录入结果").click()
    clicks += 1
    page.wait_for_url(re.compile(rf"/villages/{village.code}/elections/"))

    form = page.locator("#results-entry")
    seats = form.locator("select[name$='-post']")
    assert seats.count() == 5 + 3  # the five seats and three blank rows
    assert form.locator("select[name='form-0-post'] option:checked").inner_text() == "书记"
    assert form.locator("select[name='form-1-post'] option:checked").inner_text() == "村委会主任"
    form.locator("input[name=held_on]").fill(HELD_ON.isoformat())
    form.locator("input[name='form-0-person']").fill("周新书")
    form.locator("input[name='form-1-person']").fill("吴新主")
    form.get_by_role("button", name="录入结果").click()
    clicks += 1

    message = page.locator(".messages")
    message.wait_for()
    assert "已录入 2 条当选结果（1 个村）：结束原任职 2 条" in message.inner_text()
    election = Election.objects.get()
    assert (election.village, election.held_on) == (village, HELD_ON)
    assert set(ElectionResult.objects.values_list("person__name", "post")) == {
        ("周新书", Post.PARTY_SECRETARY),
        ("吴新主", Post.DIRECTOR),
    }
    current = PostAssignment.objects.filter(village=village, end_on__isnull=True)
    assert set(current.values_list("person__name", flat=True)) == {"周新书", "吴新主", "老委员甲", "老委员乙", "老文书"}
    listed = page.locator("section.card", has_text=HELD_ON.isoformat()).inner_text()
    assert listed.index("书记") < listed.index("周新书") < listed.index("村委会主任") < listed.index("吴新主")
    assert clicks == 4  # menu group → 换届进度, 录入结果 on the village's row, then 录入结果 on the grid


@pytest.mark.parametrize("winners", [7, 17])
def test_secretary_enters_any_number_of_winners(page, winners):
    township, village = build_village()
    newcomers = [
        f.PersonFactory(home_village=village, name=f"新当选{n:02d}", political_status="cpc_member")
        for n in range(winners)
    ]
    reviewed(*newcomers, on=HELD_ON)  # 未经联审不得任职
    f.TownshipSecretaryFactory(username=f"sec_many_{winners}", township=township)
    log_in(page, f"sec_many_{winners}")
    page.goto(f"/villages/{village.code}/elections/")
    form = page.locator("#results-entry")
    for _ in range(max(0, winners - 8)):  # five seats and three blank rows are there; add the rest with htmx
        rows = form.locator("select[name$='-post']").count()
        form.get_by_role("link", name="添加一行").click()
        page.locator(f"#result-row-{rows + 1}").wait_for()
    form.locator("input[name=held_on]").fill(HELD_ON.isoformat())
    for row, person in enumerate(newcomers):
        form.locator(f"input[name='form-{row}-person']").fill(person.name)
        if row >= 5:  # beyond the pre-filled seats: more 村委委员
            form.locator(f"select[name='form-{row}-post']").select_option(Post.COMMITTEE_MEMBER.value)
    form.get_by_role("button", name="录入结果").click()
    page.locator(".messages").wait_for()
    assert f"已录入 {winners} 条当选结果" in page.locator(".messages").inner_text()
    assert ElectionResult.objects.count() == winners
    current = PostAssignment.objects.filter(village=village, end_on__isnull=True)
    assert set(current.values_list("person__name", flat=True)) == {p.name for p in newcomers}


def _no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the phone screen"


def test_phone_grid_adds_a_row_with_htmx_for_a_third_winner(phone_page, artifacts):
    page = phone_page
    township, village = build_village()
    f.TownshipSecretaryFactory(username="sec_phone_elect", township=township)
    log_in(page, "sec_phone_elect")
    page.goto(f"/villages/{village.code}/elections/")
    form = page.locator("#results-entry")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "phone-election-grid.png"), full_page=True)

    form.get_by_role("link", name="添加一行").click()
    page.locator("#result-row-9").wait_for()
    assert form.locator("input[name='form-TOTAL_FORMS']").input_value() == "9"
    assert form.get_by_role("link", name="添加一行").get_attribute("hx-get") == "?rows=10"

    form.locator("input[name=held_on]").fill(HELD_ON.isoformat())
    form.locator("input[name='form-0-person']").fill("周新书")
    form.locator("input[name='form-1-person']").fill("吴新主")
    form.locator("select[name='form-8-post']").select_option(Post.SUPERVISION_DIRECTOR.value)
    form.locator("input[name='form-8-person']").fill("郑监督")
    form.locator("input[name='form-8-votes']").fill("640")
    form.get_by_role("button", name="录入结果").click()
    page.locator(".messages").wait_for()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "phone-election-results.png"), full_page=True)

    assert ElectionResult.objects.get(person__name="郑监督").votes == 640
    assert ElectionResult.objects.count() == 3
