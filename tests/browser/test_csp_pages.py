"""In chromium, the pages of each role and the Swagger UI run without a single Content-Security-Policy violation.

Every page without URL arguments in the villages, reserves and reports namespaces is visited (plus the first
person, village and township pages), so a new page that adds an inline script or `style=` fails here.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests import factories as f
from tests.browser.conftest import log_in
from tests.test_idor import page_patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations_on(page, paths: list[str]) -> list[str]:
    seen: list[str] = []
    page.on(
        "console", lambda msg: seen.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None
    )
    for path in paths:
        try:
            page.goto(path)
        except PlaywrightError:
            continue  # POST-only URLs (405 without a body): nothing to render
        page.wait_for_load_state("networkidle")
    return seen


def simple_pages() -> list[str]:
    # downloads, not pages
    skip = {"villages:roster_template", "villages:people_export", "villages:risks_export", "reserves:reserve_export"}
    return [reverse(name) for name, pattern in page_patterns() if not pattern.pattern.converters and name not in skip]


@pytest.mark.parametrize("role", ["township", "county", "city"])
def test_pages_have_no_csp_violations(page, live_server, world, role):
    person = f.PersonFactory(home_village=world.village_a, name="策略人")
    f.PostAssignmentFactory(person=person, village=world.village_a)
    user = {
        "township": lambda: f.TownshipSecretaryFactory(username="csp_user", township=world.township_a),
        "county": lambda: f.CountyStaffFactory(username="csp_user", county=world.county),
        "city": lambda: f.CityAdminFactory(username="csp_user"),
    }[role]()
    log_in(page, user.username)
    paths = [
        *simple_pages(),
        reverse("villages:person", args=[person.pk]),
        reverse("villages:village", args=[world.village_a.code]),
        reverse("villages:township", args=[world.township_a.code]),
    ]

    assert violations_on(page, paths) == []


def test_swagger_ui_renders_without_csp_violations(page, live_server, world):
    f.CityAdminFactory(username="csp_admin")
    log_in(page, "csp_admin")

    assert violations_on(page, ["/api/docs/"]) == []
    assert page.locator(".swagger-ui .info .title").first.is_visible()
