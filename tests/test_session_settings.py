"""Where sessions are read from (backend/settings.py): the shared Redis cache when there is one, else the database."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("redis_cache", "engine"),
    [("1", "django.contrib.sessions.backends.cached_db"), ("0", "django.contrib.sessions.backends.db")],
)
def test_sessions_come_from_the_cache_only_when_it_is_shared(settings_under_env, redis_cache, engine):
    reloaded = settings_under_env(REDIS_URL="redis://127.0.0.1:6379/9", DJANGO_REDIS_CACHE=redis_cache)
    assert engine == reloaded.SESSION_ENGINE
