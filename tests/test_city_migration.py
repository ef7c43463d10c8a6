"""The migrations that introduce the city level (villages 0007–0010) on a database from before them.

A single-city database (the demo city 巴中市: its six counties) becomes one City holding every county, and its city
admins that city's admins; counties already spanning several cities make the former city admins province admins.
Account records get the city of the account's scope. Runs on PostgreSQL and SQLite (a transactional test: the
schema changes for real).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tasks.management.demo.tables import COUNTIES
from villages.models import AccountEvent, City, County, User

BEFORE = [("villages", "0006_data_version")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader: the applied set changed


def to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_cities() -> Iterator[Any]:
    """The historical models of villages 0006 (no City yet), on a database migrated back to it; migrates forward to
    the latest state afterwards whatever the test did."""
    executor = migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    to_latest()


def old_units(apps: Any, county_codes: list[tuple[str, str]]) -> dict[str, Any]:
    """One township and one village per county, as the old schema stores them."""
    old_county = apps.get_model("villages", "County")
    old_township = apps.get_model("villages", "Township")
    old_village = apps.get_model("villages", "Village")
    counties = {}
    for code, name in county_codes:
        county = old_county.objects.create(code=code, name=name)
        township = old_township.objects.create(county=county, code=f"{code}100", name=f"{name}一乡")
        old_village.objects.create(township=township, code=f"{code}100201", name=f"{name}一村")
        counties[code] = county
    return counties


@pytest.mark.django_db(transaction=True)
def test_the_demo_city_becomes_one_city_with_its_six_counties(before_cities):
    apps = before_cities
    counties = old_units(apps, [(code, name) for code, name, _, _ in COUNTIES])
    old_user = apps.get_model("villages", "User")
    old_event = apps.get_model("villages", "AccountEvent")
    admin = old_user.objects.create(username="city", role="city_admin")
    staff = old_user.objects.create(username="bazhou", role="county_staff", county=counties["511902"])
    township = counties["511921"].townships.get()
    old_user.objects.create(username="huoju", role="township_secretary", township=township)
    old_event.objects.create(user=admin, action="created", after="市委组织部 · 全市")
    old_event.objects.create(user=staff, action="created", after="县委组织部 · 巴州区", county=counties["511902"])

    to_latest()

    bazhong = City.objects.get()
    assert (bazhong.code, bazhong.name) == ("5119", "巴中市")
    assert sorted(bazhong.counties.values_list("code", flat=True)) == sorted(code for code, *_ in COUNTIES)
    admin_now = User.objects.get(username="city")
    assert (admin_now.role, admin_now.city, admin_now.county, admin_now.township) == ("city_admin", bazhong, None, None)
    staff_now, secretary_now = User.objects.get(username="bazhou"), User.objects.get(username="huoju")
    assert (staff_now.role, staff_now.city_id, staff_now.county.code) == ("county_staff", None, "511902")
    assert (secretary_now.role, secretary_now.city_id, secretary_now.township_id) == (
        "township_secretary",
        None,
        township.pk,
    )
    # Every account record belongs to the city now: the city admin sees them all, as they did before.
    assert set(AccountEvent.objects.values_list("city__code", flat=True)) == {"5119"}
    assert County.objects.filter(city__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_counties_of_several_cities_make_the_city_admins_province_admins(before_cities):
    apps = before_cities
    old_units(apps, [("511902", "巴州区"), ("510104", "锦江区"), ("519901", "试验县")])
    old_user = apps.get_model("villages", "User")
    old_user.objects.create(username="city", role="city_admin")
    staff = old_user.objects.create(
        username="jinjiang", role="county_staff", county=apps.get_model("villages", "County").objects.get(code="510104")
    )

    to_latest()

    assert list(City.objects.values_list("code", "name")) == [
        ("5101", "成都市"),
        ("5119", "巴中市"),
        ("5199", "5199市"),
    ]
    assert County.objects.get(code="510104").city.code == "5101"
    admin = User.objects.get(username="city")
    assert (admin.role, admin.city_id) == ("province_admin", None)
    assert User.objects.get(pk=staff.pk).role == "county_staff"
