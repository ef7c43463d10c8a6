"""The browser set-up itself: Debian's chromium starts, the login page renders and a login works."""

import pytest

from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_renders_and_login_lands_on_home(page, live_server):
    user = f.TownshipSecretaryFactory(username="smoke_sec", display_name="烟测书记")
    page.goto("/")
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"

    log_in(page, user.username)

    assert "/login/" not in page.url
    assert "烟测书记" in page.locator(".who").inner_text()


def test_wrong_password_stays_on_login(page, live_server):
    f.TownshipSecretaryFactory(username="smoke_sec2")
    log_in(page, "smoke_sec2", "not-the-password")
    assert "/login/" in page.url
    assert page.locator(".errors").is_visible()
