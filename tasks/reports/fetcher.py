"""The one URL fetcher reports use: local report fonts and static files, nothing else.

A report must never reach the network (an intranet server may have none, and a crafted name must not make the
renderer fetch anything). Every URL other than a `file:` URL inside an allowed directory is refused.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tasks.reports.fonts import font_dir


class RefusedURL(ValueError):
    """The renderer asked for a URL outside the report's local assets."""


def allowed_roots() -> list[Path]:
    return [font_dir().resolve(), *(Path(d).resolve() for d in settings.STATICFILES_DIRS)]


def local_path(url: str) -> Path:
    """The local file a report URL names, or RefusedURL for anything that is not an allowed local file."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
        raise RefusedURL(f"报告只能使用本地文件，已拒绝：{url[:200]}")
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in allowed_roots()) or not path.is_file():
        raise RefusedURL(f"报告只能使用本地字体和静态文件，已拒绝：{url[:200]}")
    return path


class LocalOnlyFetcher(URLFetcher):
    """WeasyPrint fetcher serving only files under REPORT_FONT_DIR and STATICFILES_DIRS."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = local_path(url)
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes())
