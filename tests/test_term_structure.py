"""The structure after an election (villages/term_structure.py), its page and the statistics forms
(dashboards/election_statistics.py, statistics_workbook.py): previous vs new term, re-elected vs new, sources,
交叉任职 and 一肩挑, "一降四升"; the exports hold the page's numbers (also for the demo county); scoping; constant
queries."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.election_statistics import MINZHENG_HEADERS, PARTY_HEADERS
from reserves.elections import ResultRow
from tests import factories as f
from tests.after_support import committee, elect, hold, person
from villages.choices import CadreSource, Post
from villages.models import User, Village
from villages.term_structure import term_pairs

HELD = dt.date(2026, 3, 10)


@pytest.fixture
def renewed(world):
    """青龙村: the old secretary-director (64 on election day) and a woman 村委委员 (45); the new term keeps the
    woman, whose seat becomes 支委 + 村委 (交叉任职), and brings a young returnee as secretary only and a
    graduate as director, so 一肩挑 ends."""
    team = committee(world.village_a)
    young = person(world.village_a, "新书记", born=dt.date(1994, 5, 1))
    graduate = person(world.village_a, "新主任", born=dt.date(1990, 1, 1), education="associate")
    hold(world.village_a, team.member, Post.PARTY_MEMBER, start=dt.date(2022, 1, 1))
    rows = [
        ResultRow(young, Post.PARTY_SECRETARY, source=CadreSource.RETURNEE),
        ResultRow(graduate, Post.DIRECTOR, source=CadreSource.COLLEGE_GRADUATE),
        ResultRow(team.member, Post.COMMITTEE_MEMBER),
        ResultRow(team.member, Post.PARTY_MEMBER),
    ]
    elect(world.village_a, rows, held_on=HELD)
    return team


def test_previous_and_new_term_of_a_village(renewed, world):
    pair = term_pairs(villages=Village.objects.all(), since=dt.date(2025, 1, 1))[world.village_a.pk]
    before, after = pair.previous, pair.current
    assert (before.members, before.age_sum, before.one_shoulder, before.cross_held) == (2, 64 + 45, 1, 2)
    assert (after.members, after.re_elected, after.newly_elected) == (3, 1, 2)
    assert after.average_age == Decimal("37.3")  # (31 + 36 + 45) / 3, half-up to one decimal
    assert (after.aged_35_or_under, after.aged_30_or_under, after.aged_31_to_59, after.aged_60_plus) == (1, 0, 3, 0)
    assert (after.women, after.associate_or_above, after.one_shoulder, after.cross_held) == (1, 1, 0, 1)
    assert dict(after.sources) == {CadreSource.RETURNEE: 1, CadreSource.COLLEGE_GRADUATE: 1}
    assert (after.secretaries, after.secretaries_35_or_under, after.secretaries_60_plus) == (1, 1, 0)


def test_villages_without_an_election_in_the_cycle_do_not_count(renewed, world):
    committee(world.village_b, prefix="白")
    pairs = term_pairs(villages=Village.objects.all(), since=dt.date(2025, 1, 1))
    assert set(pairs) == {world.village_a.pk}
    assert term_pairs(villages=Village.objects.all(), since=dt.date(2026, 4, 1)) == {}


def test_structure_page_shows_the_one_down_four_up_table(renewed, client_county, world):
    response = client_county.get(reverse("dashboards:structure", args=["county", world.county.code]),
                                 {"since": "2025-01-01"})  # fmt: skip
    assert response.status_code == 200
    rows = {i.key: i for i in response.context["indicators"]}
    assert (rows["average_age"].previous, rows["average_age"].met) == (pytest.approx(54.5), True)
    assert rows["one_shoulder"].change_text == "下降100.0个百分点" and rows["one_shoulder"].met is False
    html = response.content.decode()
    assert "一降四升" in html and html.count("<svg") >= 5 and "新当选成员来源" in html
    assert "<dd>3 人（上届 2 人）</dd>" in html


@pytest.mark.parametrize(("persona", "level", "code"), [
    ("client_a", "township", "511902101"), ("client_b", "county", "511921"), ("client_county", "city", "all"),
])  # fmt: skip
def test_outsiders_get_404(request, world, persona, level, code):
    client: Client = request.getfixturevalue(persona)
    assert client.get(reverse("dashboards:structure", args=[level, code])).status_code == 404
    assert client.get(reverse("dashboards:statistics_export", args=[level, code, "party"])).status_code == 404


def test_city_admin_sees_the_city(renewed, client_city):
    response = client_city.get(reverse("dashboards:structure", args=["city", "all"]), {"since": "2025-01-01"})
    assert [u.label for u in response.context["report"].rows] == ["巴州区"]


def test_structure_page_query_count_is_constant(renewed, client_county, world, django_assert_num_queries):
    url = reverse("dashboards:structure", args=["county", world.county.code])
    with django_assert_num_queries(8) as few:  # session, user, county; terms; villages; secretary reserves
        client_county.get(url, {"since": "2025-01-01"})
    for i in range(3):
        village = f.VillageFactory(township=world.township_b, code=f"51190210160{i}")
        team = committee(village, prefix=str(i))
        elect(village, [ResultRow(team.secretary, Post.PARTY_SECRETARY)], held_on=HELD)
    with django_assert_num_queries(len(few.captured_queries)):
        client_county.get(url, {"since": "2025-01-01"})


def sheet_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(min_row=3, values_only=True)]


def assert_exports_equal_the_page(client: Client, level: str, code: str, since: str) -> None:
    page = client.get(reverse("dashboards:structure", args=[level, code]), {"since": since}).context
    for form, rows, total, headers in (
        ("minzheng", page["minzheng_rows"], page["minzheng_total"], MINZHENG_HEADERS),
        ("party", page["party_rows"], page["party_total"], PARTY_HEADERS),
    ):
        response = client.get(reverse("dashboards:statistics_export", args=[level, code, form]), {"since": since})
        header, *data = sheet_rows(response)
        assert header[1:] == headers[1:]
        assert data == [*rows, total], form
    c = page["report"].total.current
    assert page["minzheng_total"][2:7] == [c.members, c.women, c.party_members, c.re_elected, c.newly_elected]
    shown = {i.key: i.current for i in page["indicators"]}
    assert shown["women"] == (Decimal(100 * c.women / c.members).quantize(Decimal("0.1")) if c.members else None)


def test_exports_hold_the_pages_numbers(renewed, client_county, world):
    assert_exports_equal_the_page(client_county, "county", world.county.code, "2025-01-01")
    assert_exports_equal_the_page(client_county, "township", world.township_a.code, "2025-01-01")
    response = client_county.get(reverse("dashboards:statistics_export", args=["township", "511902100", "minzheng"]),
                                 {"since": "2025-01-01"})  # fmt: skip
    header, village, total = sheet_rows(response)
    assert (header[0], village[0], village[13], total[0], total[13]) == ("村/社区", "青龙村", "否", "合计", 0)


def test_demo_county_exports_equal_its_structure_page(db):
    """The demo data (seed_demo small): 巴州区, where 大和乡 has held its 2026 election."""
    call_command("seed_demo", "--scale", "small")
    client = Client()
    client.force_login(User.objects.get(username="county"))
    assert_exports_equal_the_page(client, "county", "511902", "2025-01-01")
    page = client.get(reverse("dashboards:structure", args=["county", "511902"]), {"since": "2025-01-01"}).context
    report = page["report"]
    assert [u.label for u in report.rows] == ["大和乡"] and report.total.current.villages == 10
    current = report.total.current
    assert current.members > 30 and current.newly_elected > 0 and sum(current.sources.values()) == current.newly_elected
    assert current.re_elected + current.newly_elected == current.members
    assert page["party_total"][1] == 10 and page["party_total"][-1] <= 10  # villages with a secretary reserve
    assert page["minzheng_rows"] == [[page["minzheng_total"][0].replace("合计", "大和乡"), *page["minzheng_total"][1:]]]
