"""Login lockout (django-axes): repeated failures lock the username from that address, with a clear message."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db
PASSWORD = "test-pass-2026!"


def _fail_logins(client: Client, username: str, times: int) -> list[int]:
    return [
        client.post("/login/", {"username": username, "password": "wrong-password-123"}).status_code
        for _ in range(times)
    ]


def test_lockout_after_failure_limit_even_with_the_right_password():
    f.TownshipSecretaryFactory(username="victim")
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    # The form again (with its error) until the limit; the failure that reaches it already answers the lockout.
    assert _fail_logins(client, "victim", limit) == [200] * (limit - 1) + [429]

    response = client.post("/login/", {"username": "victim", "password": PASSWORD})

    assert response.status_code == 429
    text = response.content.decode()
    assert "账号已暂时锁定" in text
    assert "分钟后再试" in text
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock_and_success_resets_the_count():
    f.TownshipSecretaryFactory(username="forgetful")
    client = Client()
    _fail_logins(client, "forgetful", settings.AXES_FAILURE_LIMIT - 1)

    assert client.post("/login/", {"username": "forgetful", "password": PASSWORD}).status_code == 302
    client.logout()
    _fail_logins(client, "forgetful", settings.AXES_FAILURE_LIMIT - 1)
    assert client.post("/login/", {"username": "forgetful", "password": PASSWORD}).status_code == 302


def test_lockout_is_per_username_and_address():
    f.TownshipSecretaryFactory(username="victim")
    f.TownshipSecretaryFactory(username="colleague")
    _fail_logins(Client(), "victim", settings.AXES_FAILURE_LIMIT)

    same_address = Client()
    assert same_address.post("/login/", {"username": "colleague", "password": PASSWORD}).status_code == 302
    other_address = Client(REMOTE_ADDR="10.0.0.8")
    assert other_address.post("/login/", {"username": "victim", "password": PASSWORD}).status_code == 302


def test_axes_reset_username_unlocks():
    f.TownshipSecretaryFactory(username="victim")
    client = Client()
    _fail_logins(client, "victim", settings.AXES_FAILURE_LIMIT)
    assert client.post("/login/", {"username": "victim", "password": PASSWORD}).status_code == 429

    call_command("axes_reset_username", "victim")

    assert client.post("/login/", {"username": "victim", "password": PASSWORD}).status_code == 302


def test_api_token_endpoint_locks_out_with_json_message():
    f.TownshipSecretaryFactory(username="scripted")
    client = Client()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "scripted", "password": "wrong-password-123"},
            content_type="application/json",
        ).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    response = client.post(
        "/api/v1/auth/token/", {"username": "scripted", "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 429
    assert "账号已暂时锁定" in response.json()["detail"]
