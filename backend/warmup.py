"""Work a web worker does once while it boots (backend/wsgi.py) instead of on its first requests.

Each gunicorn worker compiles a template the first time one of its threads renders it, and keeps it (Django's
cached loader; the Jinja2 environment of the form renderer). Left to the requests, the first page of each kind on
each of the four workers took 30–60 ms more (the township page 66 ms instead of 10, the person edit form 77
instead of 11: docs/benchmarks.md "Capacity"): after every restart, on the first users of the day. Compiled at
boot, before `gc.freeze()`, the templates also stay out of the collector's full passes. The code fingerprint of
the cached figures (villages/release.py, ~20 ms of reading files) is taken at boot for the same reason.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import get_default_renderer
from django.template import engines

from villages.release import code_version

# Django's stock widget templates, as the form renderer (backend/form_renderer.py) loads them through Jinja2.
FORM_TEMPLATES = Path(django.forms.__file__).parent / "jinja2"


def compile_templates() -> int:
    """Compile every template of the project's template folders and every form widget template; return how many.
    A template that does not compile raises here, at boot, not in front of a user."""
    compiled = 0
    django_engine = engines["django"]
    for folder in django_engine.dirs:
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            django_engine.get_template(path.relative_to(root).as_posix())
            compiled += 1
    renderer = get_default_renderer()
    for path in sorted(p for p in FORM_TEMPLATES.rglob("*.html")):
        renderer.get_template(path.relative_to(FORM_TEMPLATES).as_posix())
        compiled += 1
    return compiled


def boot() -> None:
    """What a web worker has ready before its first request (backend/wsgi.py)."""
    compile_templates()
    code_version()
