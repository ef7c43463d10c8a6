"""Server-rendered SVG charts shared by web pages and PDF reports.

The geometry (positions, lengths) is computed here; the markup lives in `templates/charts/*.svg`, so no SVG is
ever assembled from Python strings. Charts must survive black-and-white printing: every bar has a dark outline
and a hatch pattern, and its value is printed next to it, so colour is never the only carrier of meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

# Geometry in SVG user units (≈ CSS px). A CJK glyph is about one font-size wide, Latin digits about half.
FONT_SIZE = 13
ROW_GAP = 8
BAR_THICKNESS = 20
TITLE_HEIGHT = 26
PAD = 6


@dataclass(frozen=True)
class Bar:
    """One bar. `href` turns the bar into a link (dashboards drill down); PDFs pass none."""

    label: str
    value: int | float
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class _PlacedBar:
    label: str
    value_text: str
    note: str
    href: str | None
    y: float
    text_y: float
    length: float
    value_x: float


def _text_width(text: str) -> float:
    """Approximate rendered width: wide (CJK) characters count one em, others about 0.6 em."""
    return sum(FONT_SIZE if ord(ch) > 0x2E7F else FONT_SIZE * 0.6 for ch in text)


def _format_value(value: int | float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def _chart_id(title: str, bars: Sequence[Bar]) -> str:
    """A stable id prefix, unique per chart content, so several charts on one page keep distinct ids."""
    digest = hashlib.sha1(repr((title, tuple(bars))).encode(), usedforsecurity=False).hexdigest()
    return f"chart-{digest[:10]}"


def bar_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    unit: str = "人",
    width: int = 520,
    height: int | None = None,
    bold: bool = True,
) -> SafeString:
    """Return an accessible horizontal bar chart as inline SVG markup.

    Each bar shows its label on the left and "value unit (note)" at its end; bars scale to the largest value
    (a chart of zeros draws empty outlines). `height` defaults to what the bars need; a smaller given height
    compresses the rows. The SVG has role="img", a <title> and a <desc> listing every value. `bold`: title and
    values in bold (PDF reports pass False: any bold text embeds a second subset of the CJK face).
    """
    label_width = min(max((_text_width(b.label) for b in bars), default=0) + PAD * 2, width * 0.4)
    value_texts = [f"{_format_value(b.value)}{unit}" + (f"（{b.note}）" if b.note else "") for b in bars]
    value_width = max((_text_width(t) for t in value_texts), default=0) + PAD * 2
    plot_width = max(width - label_width - value_width - PAD, 40)
    natural_height = TITLE_HEIGHT + len(bars) * (BAR_THICKNESS + ROW_GAP) + PAD
    height = height or natural_height
    row = (height - TITLE_HEIGHT - PAD) / max(len(bars), 1)
    thickness = min(BAR_THICKNESS, row * 0.75)
    top = max((b.value for b in bars), default=0) or 1
    placed = []
    for index, (bar, value_text) in enumerate(zip(bars, value_texts, strict=True)):
        y = TITLE_HEIGHT + index * row + (row - thickness) / 2
        length = plot_width * max(bar.value, 0) / top
        placed.append(
            _PlacedBar(
                label=bar.label,
                value_text=value_text,
                note=bar.note,
                href=bar.href,
                y=round(y, 1),
                text_y=round(y + thickness / 2 + FONT_SIZE * 0.35, 1),
                length=round(length, 1),
                value_x=round(label_width + length + PAD, 1),
            )
        )
    context = {
        "id": _chart_id(title, bars),
        "title": title,
        "unit": unit,
        "width": width,
        "height": round(height, 1),
        "font_size": FONT_SIZE,
        "label_x": round(label_width - PAD, 1),
        "plot_x": round(label_width, 1),
        "axis_bottom": round(height - PAD / 2, 1),
        "thickness": round(thickness, 1),
        "bars": placed,
        "bold": bold,
    }
    # render_to_string autoescapes every label; the result is markup we produced from a template.
    return mark_safe(render_to_string("charts/bar.svg", context))
