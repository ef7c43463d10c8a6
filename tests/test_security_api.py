"""API throttling (anonymous, per user, token obtain) and token revocation."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db
PASSWORD = "test-pass-2026!"


@pytest.fixture
def rates(monkeypatch):
    """Small rates so a test can reach them; DRF reads THROTTLE_RATES when the throttle class is created."""

    def set_rates(**rates: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, **rates})

    return set_rates


def token_for(client: Client, username: str) -> str:
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_throttle_rates_are_configured():
    rates = api_settings.DEFAULT_THROTTLE_RATES
    assert {"anon", "user", "token"} <= set(rates)
    classes = {cls.__name__ for cls in api_settings.DEFAULT_THROTTLE_CLASSES}
    assert classes == {"AnonRateThrottle", "UserRateThrottle"}


def test_user_requests_over_the_rate_get_429_with_retry_after(client_a, rates):
    rates(user="3/min")
    statuses = [client_a.get("/api/v1/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert int(client_a.get("/api/v1/")["Retry-After"]) > 0


def test_user_rate_is_per_user(client_a, client_b, rates):
    rates(user="2/min")
    assert [client_a.get("/api/v1/").status_code for _ in range(3)] == [200, 200, 429]
    assert client_b.get("/api/v1/").status_code == 200


def test_anonymous_requests_are_throttled(rates):
    """The token endpoint is the one API view open to anonymous clients (others answer 401 before throttling)."""
    rates(anon="2/min", token="100/min")
    client = Client()
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": "x", "password": "y"}, content_type="application/json"
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_token_obtain_has_its_own_stricter_rate(secretary_a, rates):
    rates(token="2/min", anon="100/min")
    client = Client()
    token_for(client, "sec_a")
    token_for(client, "sec_a")

    response = client.post(
        "/api/v1/auth/token/", {"username": "sec_a", "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 429


def test_revoked_token_is_refused(secretary_a):
    client = Client()
    token = token_for(client, "sec_a")
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client.get("/api/v1/", **auth).status_code == 200

    response = client.post("/api/v1/auth/token/revoke/", **auth)

    assert response.status_code == 204
    assert not Token.objects.filter(user=secretary_a).exists()
    assert client.get("/api/v1/", **auth).status_code == 401
    assert client.post("/api/v1/auth/token/revoke/", **auth).status_code == 401


def test_revoking_only_touches_the_callers_token(secretary_a, secretary_b):
    client = Client()
    token_a = token_for(client, "sec_a")
    token_b = token_for(client, "sec_b")

    client.post("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {token_a}")

    assert client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {token_b}").status_code == 200
    assert Token.objects.filter(user=secretary_b).exists()


def test_a_new_token_after_revocation_works_and_differs(secretary_a):
    client = Client()
    old = token_for(client, "sec_a")
    client.post("/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {old}")

    new = token_for(client, "sec_a")

    assert new != old
    assert client.get("/api/v1/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_revoke_without_credentials_is_401():
    assert Client().post("/api/v1/auth/token/revoke/").status_code == 401


def test_revoke_is_post_only(client_a):
    assert client_a.get("/api/v1/auth/token/revoke/").status_code == 405
