"""The running code's fingerprint: a digest of the project's Python modules, templates and translations.

Cached figures (villages/data_version.py) carry it in their keys, so a deploy that changes how a figure is
computed or shown never serves what the previous code computed: the new processes miss every old entry, which
then expires (DATA_CACHE_SECONDS). Reports keep a narrower version built from the same digest
(tasks/reports/versions.py `template_version`), because re-rendering every PDF after any deploy would cost hours of
a worker.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings

CODE_SUFFIXES = frozenset({".py", ".html", ".txt", ".svg", ".css", ".mo"})


def source_digest(roots: Iterable[Path]) -> str:
    """A digest of every code file under `roots` (its path relative to its root and its bytes), in a fixed order."""
    digest = hashlib.sha256()
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()):
            name = f"{root.name}/{path.relative_to(root).as_posix()}"
            digest.update(f"{name}\0{path.stat().st_size}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_roots() -> list[Path]:
    """What a deploy ships and a figure can depend on, read from the settings: the project's own apps (the folders
    beside manage.py), the project package (ROOT_URLCONF's: settings, middleware), the template folders and the
    translations; not tests or docs."""
    base = Path(settings.BASE_DIR).resolve()
    own_apps = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).resolve().parent == base]
    project = Path(import_module(settings.ROOT_URLCONF).__file__ or "").parent
    engines: list[dict[str, Any]] = settings.TEMPLATES
    templates = [Path(folder) for engine in engines for folder in engine.get("DIRS", [])]
    return [*own_apps, project, *templates, *map(Path, settings.LOCALE_PATHS)]


@functools.cache
def code_version() -> str:
    """This process's code, read once (~430 files, ~20 ms): at a web worker's boot (backend/warmup.py), else at
    the first cached figure."""
    return source_digest(code_roots())
