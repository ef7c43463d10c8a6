"""Content-Security-Policy: no inline script or style anywhere, and the pages (htmx, Swagger UI) satisfy it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# PDF templates are rendered by WeasyPrint, never served to a browser under the CSP.
NOT_SERVED = {"reports"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
HTMX_INLINE_JS = re.compile(r"\shx-on[:-]", re.IGNORECASE)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Every construct a `script-src 'self'; style-src 'self'` policy refuses."""
    checks = {
        "inline <script>": INLINE_SCRIPT,
        "<style> element": INLINE_STYLE_ELEMENT,
        "style= attribute": STYLE_ATTRIBUTE,
        "on…= event handler": EVENT_HANDLER,
        "hx-on inline handler": HTMX_INLINE_JS,
        "javascript: URL": JS_URL,
    }
    return [f"{name}: {m.group(0).strip()!r}" for name, rx in checks.items() for m in rx.finditer(html)]


def served_templates() -> list[Path]:
    return sorted(
        p
        for p in TEMPLATES.rglob("*")
        if p.suffix in {".html", ".svg"} and p.relative_to(TEMPLATES).parts[0] not in NOT_SERVED
    )


def test_the_scanner_finds_what_the_policy_refuses():
    bad = '<script>x()</script><p style="color:red" onclick="y()"><style>p{}</style><a href="javascript:z()">'
    assert len(inline_code(bad)) == 5
    assert inline_code('<script src="/static/a.js" defer></script><p class="x" data-style="y">') == []


@pytest.mark.parametrize("template", served_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_or_style(template):
    assert inline_code(template.read_text(encoding="utf-8")) == []


@pytest.mark.django_db
def test_policy_allows_only_own_scripts_and_styles(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy


@pytest.mark.django_db
def test_base_template_turns_off_htmx_indicator_styles(client):
    html = client.get("/login/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in html
    assert inline_code(html) == []


@pytest.mark.django_db
def test_swagger_ui_loads_its_init_script_as_a_file(client_a):
    page = client_a.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert inline_code(html) == []
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")

    script = client_a.get(script_url)

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
