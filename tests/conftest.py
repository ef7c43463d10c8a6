"""Personas: township secretary of A, of B (same county), county staff of that county, city admin, anonymous."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.test import Client

from tests import factories as f
from villages import models


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's million rounds cost ~1 s per user on the shared CI machine; tests don't need them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Suites of more than ~10 s on the 2-core CI machine: live stacks (gunicorn, Redis, workers), fuzzing, PDF rendering,
# seeding the demo, subprocesses that migrate a fresh database. `make test-fast` leaves them out (-m "not slow").
SLOW = {
    "test_api_schema_fuzz.py",
    "test_backup_restore.py",
    "test_faults.py",
    "test_reconciliation.py",
    "test_reports_cache.py",
    "test_reports_editions.py",
    "test_reports_failures.py",
    "test_reports_jobs.py",
    "test_reports_render.py",
    "test_reports_verification.py",
    "test_reports_worker.py",
    "test_risk_survey.py",
    "test_security_headers.py",
    "test_seed_demo.py",
    "test_create_user.py::test_exit_code_is_not_zero_on_error",
    "test_idor.py::test_every_page_of_township_a_answers_404_to_township_b",
    "test_idor.py::test_every_page_the_city_admin_reaches_answers_404_to_another_citys_admin",
    "test_slates.py::test_a_saved_slate_prints_with_the_village_report",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        test = f"{item.path.name}::{item.name.split('[')[0]}"
        if item.path.name in SLOW or test in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _private_media(settings, _media_root: Path) -> None:
    """Uploads and reports go to this test process's own directory, not the checkout's media/: parallel workers
    (pytest-xdist, one test database each) number their rows alike and would write over each other's files."""
    settings.MEDIA_ROOT = _media_root


@pytest.fixture(autouse=True)
def _risk_evaluation_in_process(settings):
    """A write's risk re-evaluation runs its Celery task in this process right after the commit (as without Redis),
    also when REDIS_URL is set (CI): the tests read the risks a write leaves, and no worker consumes the risk queue
    here. tests/test_risk_dispatch.py and tests/test_risk_worker.py set "celery" to test publishing and a worker."""
    settings.RISK_RUNNER = "sync"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API throttle counters live in the cache: each test starts with none (no 429s leaking between tests)."""
    from django.core.cache import cache

    cache.clear()
    yield


@dataclass
class World:
    county: models.County
    township_a: models.Township
    township_b: models.Township
    village_a: models.Village
    village_b: models.Village
    other_county: models.County
    village_other_county: models.Village


# Data the migrations load (city default rule values, the 2020 negative list, the county review departments).
MIGRATION_SEEDS = (
    ("villages.migrations.0002_default_rule_values", "add_defaults"),
    ("reserves.migrations.0006_review_city_defaults", "load"),
)


@pytest.fixture(autouse=True)
def _migration_seeds(request: pytest.FixtureRequest) -> None:
    """A transactional test (browser, worker, backup) empties every table when it ends, the migrations' data with
    it; the tests that run after it in the same process get that data back here (one query when it is present)."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    if models.RuleValue.objects.filter(county=None, key="review_required").exists():
        return
    for module, function in MIGRATION_SEEDS:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture
def world(db) -> World:
    county = f.CountyFactory.create(code="511902", name="巴州区")
    other = f.CountyFactory.create(code="511921", name="通江县")
    ta = f.TownshipFactory.create(county=county, code="511902100", name="凌云乡")
    tb = f.TownshipFactory.create(county=county, code="511902101", name="大和乡")
    tc = f.TownshipFactory.create(county=other, code="511921100", name="火炬镇")
    return World(
        county=county,
        township_a=ta,
        township_b=tb,
        village_a=f.VillageFactory.create(township=ta, code="511902100201", name="青龙村"),
        village_b=f.VillageFactory.create(township=tb, code="511902101201", name="白鹤村"),
        other_county=other,
        village_other_county=f.VillageFactory.create(township=tc, code="511921100201", name="火炬村"),
    )


@pytest.fixture
def secretary_a(world: World) -> models.User:
    return f.TownshipSecretaryFactory.create(username="sec_a", township=world.township_a)


@pytest.fixture
def secretary_b(world: World) -> models.User:
    return f.TownshipSecretaryFactory.create(username="sec_b", township=world.township_b)


@pytest.fixture
def county_staff(world: World) -> models.User:
    return f.CountyStaffFactory.create(username="county_staff", county=world.county)


@pytest.fixture
def city_admin(world: World) -> models.User:
    return f.CityAdminFactory.create(username="city_admin")


def _client_for(user: models.User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_a(secretary_a) -> Client:
    return _client_for(secretary_a)


@pytest.fixture
def client_b(secretary_b) -> Client:
    return _client_for(secretary_b)


@pytest.fixture
def client_county(county_staff) -> Client:
    return _client_for(county_staff)


@pytest.fixture
def client_city(city_admin) -> Client:
    return _client_for(city_admin)


@dataclass
class OtherCity:
    """A second city (成都市) with one county, township and village: outside every 巴中市 account's scope."""

    city: models.City
    county: models.County
    township: models.Township
    village: models.Village


@pytest.fixture
def other_city(world: World) -> OtherCity:
    county = f.CountyFactory.create(code="510104", name="锦江区")
    township = f.TownshipFactory.create(county=county, code="510104001", name="督院街街道")
    village = f.VillageFactory.create(township=township, code="510104001001", name="锦官社区")
    return OtherCity(county.city, county, township, village)


@pytest.fixture
def province_admin(world: World) -> models.User:
    return f.ProvinceAdminFactory.create(username="province_admin")


@pytest.fixture
def client_province(province_admin) -> Client:
    return _client_for(province_admin)


@pytest.fixture
def outsider_admin(other_city: OtherCity) -> models.User:
    """The city admin of 成都市: for them every 巴中市 object is outside their scope."""
    return f.CityAdminFactory.create(username="chengdu_admin", city=other_city.city)


@pytest.fixture
def client_outsider(outsider_admin) -> Client:
    return _client_for(outsider_admin)


@pytest.fixture
def settings_under_env(monkeypatch):
    """`backend/settings.py` evaluated again under environment variables (`settings_under_env(NAME=value)` returns
    the module); the module is evaluated again under the real environment afterwards."""
    import backend.settings as settings_module

    def reload(**env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(settings_module)

    yield reload
    monkeypatch.undo()
    importlib.reload(settings_module)
