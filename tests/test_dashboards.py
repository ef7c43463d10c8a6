"""Dashboards: who lands where, scoping, numbers that match the drill-down lists, constant query counts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.figures import build_dashboard, dashboard_scope
from dashboards.templatetags.dashboard_tags import drill_href
from tests import factories as f
from tests.roster_data import make_roster
from villages.choices import Education, Post, ReviewStatus, Severity, VillageFlag
from villages.models import Risk

pytestmark = pytest.mark.django_db


def result_count(client, url: str) -> int:
    """The people / risk list's own total ("共 N 人" / "共 N 项")."""
    response = client.get(url)
    assert response.status_code == 200, url
    match = re.search(r"共\s*(\d+)\s*[人条项]", response.content.decode())
    assert match, f"no total on {url}"
    return int(match.group(1))


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("client_a", "dashboards:todo"),
        ("client_county", "dashboards:dashboard"),
        ("client_city", "dashboards:dashboard"),
    ],
)
def test_every_role_lands_on_its_start_page(persona, landing, request):
    """County and city start at their dashboard; a township secretary at their to-do list (tests/test_todo.py)."""
    client = request.getfixturevalue(persona)
    response = client.get(reverse("villages:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)


def test_dashboard_shows_each_users_own_scope(client_a, client_county, client_city, world):
    assert "凌云乡概览" in client_a.get(reverse("dashboards:dashboard")).content.decode()
    assert "巴州区概览" in client_county.get(reverse("dashboards:dashboard")).content.decode()
    assert "巴中市概览" in client_city.get(reverse("dashboards:dashboard")).content.decode()


@pytest.mark.parametrize(
    ("persona", "level", "code", "status"),
    [
        ("client_a", "township", "511902100", 200),
        ("client_a", "township", "511902101", 404),  # the other township of the same county
        ("client_a", "county", "511902", 404),  # above the secretary's own level
        ("client_b", "township", "511902100", 404),
        ("client_county", "county", "511902", 200),
        ("client_county", "township", "511902101", 200),
        ("client_county", "county", "511921", 404),
        ("client_county", "township", "511921100", 404),
        ("client_city", "county", "511921", 200),
        ("client_city", "township", "511921100", 200),
    ],
)
def test_dashboard_scoping_matrix(persona, level, code, status, request):
    client = request.getfixturevalue(persona)
    assert client.get(reverse(f"dashboards:dashboard_{level}", args=[code])).status_code == status


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("dashboards:dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_charts_are_server_rendered_svg_with_a_link_per_bar(client_a, world):
    make_roster(world.village_a)
    html = client_a.get(reverse("dashboards:dashboard")).content.decode()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) >= 6
    assert "<script" not in html.split("</head>")[1]  # readable without JavaScript: no script in the body
    for svg in svgs:
        bars = svg.count('<g class="bar">')
        assert svg.count("<a href=") == bars


def test_age_and_education_bars_drill_into_exactly_the_people_they_count(client_a, secretary_a, world):
    roster = make_roster(world.village_a, members=4, groups=2)
    f.PostAssignmentFactory(
        person=f.PersonFactory(
            home_village=world.village_a, education=Education.ASSOCIATE, birth_date=dt.date(1996, 1, 1)
        ),
        post=Post.CLERK,
    )
    # Someone in township B never counts for township A.
    f.PostAssignmentFactory(person=f.PersonFactory(home_village=world.village_b), post=Post.COMMITTEE_MEMBER)
    board = build_dashboard(scope=dashboard_scope(user=secretary_a), as_of=timezone.localdate())
    assert board.committee.members == 1 + 4 + 1  # 一肩挑 secretary counted once
    assert board.group_leaders.members == 2
    bands = board.committee_age + board.committee_education + board.leader_age + board.leader_education
    assert sum(b.count for b in board.committee_age) == board.committee.members
    for band in bands:
        assert result_count(client_a, drill_href(band.drill)) == band.count, band.label
    assert roster.secretary.name  # the roster exists


def test_headline_numbers_drill_into_their_lists(client_county, county_staff, world):
    make_roster(world.village_a, members=3)
    make_roster(world.village_b, members=2)
    board = build_dashboard(scope=dashboard_scope(user=county_staff), as_of=timezone.localdate())
    drills = board.drills
    c = board.committee
    assert result_count(client_county, drill_href(drills["members"])) == c.members
    assert result_count(client_county, drill_href(drills["aged_60_plus"])) == c.aged_60_plus
    assert result_count(client_county, drill_href(drills["aged_35_or_under"])) == c.aged_35_or_under
    assert result_count(client_county, drill_href(drills["junior_high_or_below"])) == c.junior_high_or_below
    assert result_count(client_county, drill_href(drills["associate_or_above"])) == c.associate_or_above
    for row in board.children:
        assert result_count(client_county, drill_href(row.drills["members"])) == row.stats.members


def test_drill_links_carry_the_filter_in_the_url(client_county, world):
    make_roster(world.village_a)
    html = unescape(client_county.get(reverse("dashboards:dashboard")).content.decode())
    assert "/people/?county=511902&post_group=committee&age_min=60" in html
    assert "/people/?county=511902&post_group=committee&education_max=junior_high" in html
    assert "/people/?township=511902100&post_group=committee&age_max=35" in html
    assert "/risks/?county=511902&state=active&kind=two_lows_one_high_village" in html
    assert "/confirmations/?township=511902100&overdue=1" in html


def test_open_risks_by_kind_and_township_match_the_risk_list(client_county, county_staff, world):
    kinds = [VillageFlag.NO_YOUNG_MEMBER, VillageFlag.RESERVE_SHORTFALL]
    for village in (world.village_a, world.village_b):
        for kind in kinds:
            Risk.objects.update_or_create(
                village=village, person=None, kind=kind, defaults={"severity": Severity.AMBER, "detail": "x"}
            )
    Risk.objects.filter(village=world.village_b, kind=VillageFlag.NO_YOUNG_MEMBER).update(
        review_status=ReviewStatus.RESOLVED
    )
    board = build_dashboard(scope=dashboard_scope(user=county_staff), as_of=timezone.localdate())
    by_kind = {row.kind: row for row in board.risk_kinds}
    assert by_kind[VillageFlag.NO_YOUNG_MEMBER].by_child == {"511902100": 1}
    for row in board.risk_kinds:
        assert result_count(client_county, drill_href(row.drill)) == row.total
        for (n, drill), child in zip(row.cells, board.children, strict=True):
            assert result_count(client_county, drill_href(drill)) == n, (row.kind, child.code)


def _dashboard_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["client_a", "client_county", "client_city", "client_province"])
def test_query_count_does_not_grow_with_data(persona, request, world):
    client = request.getfixturevalue(persona)
    url = reverse("dashboards:dashboard")
    make_roster(world.village_a)
    f.ReserveFactory(village=world.village_a, person__home_village=world.village_a)
    small = _dashboard_queries(client, url)
    for township in (world.township_a, world.township_b):
        for _ in range(3):
            village = f.VillageFactory(township=township)
            make_roster(village, members=3, groups=2)
            f.ReserveFactory(village=village, person__home_village=village)
    large = _dashboard_queries(client, url)
    assert large == small
    assert small <= 20
