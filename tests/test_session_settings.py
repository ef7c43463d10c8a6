"""Where sessions are read from (backend/settings.py): the shared Redis cache when there is one, else the database."""

from __future__ import annotations

import importlib

import pytest

import backend.settings as settings_module


@pytest.mark.parametrize(
    ("redis_cache", "engine"),
    [("1", "django.contrib.sessions.backends.cached_db"), ("0", "django.contrib.sessions.backends.db")],
)
def test_sessions_come_from_the_cache_only_when_it_is_shared(monkeypatch, redis_cache, engine):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/9")
    monkeypatch.setenv("DJANGO_REDIS_CACHE", redis_cache)
    try:
        reloaded = importlib.reload(settings_module)
        assert engine == reloaded.SESSION_ENGINE
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)
