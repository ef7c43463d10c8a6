"""The running code's fingerprint: a digest of the project's Python modules, templates and translations.

Cached figures (villages/data_version.py) carry it in their keys, so a deploy that changes how a figure is
computed or shown never serves what the previous code computed: the new processes miss every old entry, which
then expires (DATA_CACHE_SECONDS). Reports have their own, narrower, version (tasks/reports/versions.py), because
re-rendering every PDF after any deploy would cost hours of a worker.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

# What a deploy ships and a cached figure can depend on; not tests, benchmarks or docs.
CODE_FOLDERS = ("backend", "villages", "reserves", "dashboards", "tasks", "templates", "locale")
CODE_SUFFIXES = frozenset({".py", ".html", ".txt", ".svg", ".mo"})


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


@functools.cache
def code_version() -> str:
    """This process's code (read once, at the first cached figure: ~430 files, a few ms)."""
    base = Path(settings.BASE_DIR)
    return source_digest(base / folder for folder in CODE_FOLDERS)
