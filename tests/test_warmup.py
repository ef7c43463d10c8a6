"""A web worker compiles every template while it boots (backend/warmup.py, called from backend/wsgi.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.test import override_settings

from backend.warmup import FORM_TEMPLATES, compile_templates


def cached_loader():
    """Django's cached loader, inside django-template-partials' wrapper."""
    loaders = list(engines["django"].engine.template_loaders)
    while loaders:
        loader = loaders.pop(0)
        if hasattr(loader, "get_template_cache"):
            return loader
        loaders.extend(getattr(loader, "loaders", []))
    raise AssertionError("no cached template loader")


def test_every_project_template_and_form_widget_template_is_compiled_and_kept():
    ours = [p for p in (Path(settings.BASE_DIR) / "templates").rglob("*") if p.is_file()]
    widgets = list(FORM_TEMPLATES.rglob("*.html"))
    cached_loader().reset()  # as a new worker: nothing compiled yet (other tests of this process rendered some)
    assert compile_templates() == len(ours) + len(widgets)
    kept = cached_loader().get_template_cache  # what the worker's requests will find compiled
    for name in ("villages/person_form.html", "villages/_form_fields.html", "base.html", "dashboards/_board.html"):
        assert name in kept, f"{name} was not compiled at boot"


def test_a_template_that_does_not_compile_stops_the_boot(tmp_path):
    (tmp_path / "fine.html").write_text("{{ ok }}")
    (tmp_path / "broken.html").write_text("{% if %}")
    config = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    with override_settings(TEMPLATES=config), pytest.raises(TemplateSyntaxError):
        compile_templates()
