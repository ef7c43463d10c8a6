"""One age reference date (villages/reference.py): the same precedence in Python and SQL, printed with its source,
and used alike by the village page, the API, the dashboard and the dashboard's drill-down lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.figures import build_dashboard, dashboard_scope
from dashboards.templatetags.dashboard_tags import drill_href
from tests import factories as f
from villages.choices import Post
from villages.models import Village
from villages.reference import (
    ReferenceDate,
    ReferenceSource,
    common_caption,
    reference_date_expression,
    reference_from,
    reference_of,
)
from villages.structure import one_decimal

pytestmark = pytest.mark.django_db


def test_precedence_is_as_of_village_county_today():
    today = dt.date(2026, 11, 30)
    on = dt.date(2026, 12, 31)
    assert reference_from(as_of=on, village_planned=today, county_planned=today, today=today).source == "as_of"
    village = reference_from(as_of=None, village_planned=on, county_planned=today, today=today)
    assert (village.on, village.source) == (on, ReferenceSource.VILLAGE)
    county = reference_from(as_of=None, village_planned=None, county_planned=on, today=today)
    assert (county.on, county.source) == (on, ReferenceSource.COUNTY)
    assert reference_from(as_of=None, village_planned=None, county_planned=None, today=today).on == today
    assert county.caption == "2026-12-31（区县计划换届日期）"


def test_sql_and_python_agree(world):
    world.county.planned_election_on = dt.date(2026, 12, 1)
    world.county.save()
    world.village_a.planned_election_on = dt.date(2026, 12, 31)
    world.village_a.save()
    rows = Village.objects.filter(township__county=world.county).annotate(
        ref=reference_date_expression(as_of=None, village_path="")
    )
    for village in rows.select_related("township__county"):
        assert village.ref == reference_of(village).on, village.name
    assert {v.ref for v in rows} == {dt.date(2026, 12, 31), dt.date(2026, 12, 1)}


def test_pooled_caption_names_one_date_or_the_range():
    a = ReferenceDate(dt.date(2026, 12, 1), ReferenceSource.COUNTY)
    b = ReferenceDate(dt.date(2026, 12, 31), ReferenceSource.VILLAGE)
    assert common_caption([a, a]) == a.caption
    assert common_caption([a, b]) == "各村按本村年龄基准日（2026-12-01 至 2026-12-31）"


def test_averages_round_half_up_from_the_exact_sum():
    assert str(one_decimal(921, 20)) == "46.1"  # 46.05: a float average would give 46.0
    assert one_decimal(0, 0) is None


def test_dashboard_counts_ages_on_the_reference_date_and_its_drill_down_agrees(client_a, secretary_a, world):
    today = timezone.localdate()
    world.village_a.planned_election_on = today + dt.timedelta(days=40)
    world.village_a.save()
    # 59 today, 60 on the election date: aged 60+ on every surface that counts ages on the reference date.
    born = (today + dt.timedelta(days=20)).replace(year=today.year - 60)
    member = f.PersonFactory(home_village=world.village_a, birth_date=born)
    f.PostAssignmentFactory(person=member, post=Post.COMMITTEE_MEMBER)
    board = build_dashboard(scope=dashboard_scope(user=secretary_a), as_of=today)
    assert board.committee.aged_60_plus == 1
    listed = client_a.get(drill_href(board.drills["aged_60_plus"]))
    assert listed.status_code == 200 and member.name in listed.content.decode()
    panel = client_a.get(reverse("villages:village_structure", args=[world.village_a.code])).content.decode()
    assert f'data-reference-on="{world.village_a.planned_election_on:%Y-%m-%d}"' in panel
    api = client_a.get(f"/api/v1/villages/{world.village_a.code}/").json()
    assert api["reference_date"] == f"{world.village_a.planned_election_on:%Y-%m-%d}"
    assert api["reference_source"] == "village" and api["stats"]["aged_60_plus"] == 1
