"""SVG bar charts: accessible, values printed, links optional, legible without colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from villages.charts import Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_chart_is_accessible_svg_with_title_and_values():
    svg = _parse(bar_chart(title="年龄结构", bars=[Bar("35岁及以下", 2), Bar("60岁及以上", 5, note="50%")]))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "年龄结构"
    assert svg.find(f"{SVG}desc").text == "35岁及以下：2人；60岁及以上：5人（50%）"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "2人" in texts and "5人（50%）" in texts and "35岁及以下" in texts


def test_bars_scale_to_largest_value_and_share_one_hatch_pattern():
    svg = _parse(bar_chart(title="学历", bars=[Bar("初中", 4), Bar("高中", 2), Bar("大专", 0)], unit="名"))
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]
    assert widths[0] > 0 and widths[1] == widths[0] / 2 and widths[2] == 0
    # Black-and-white legibility: every bar is outlined and hatched, not told apart by colour.
    rects = [r for r in svg.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]
    assert all(r.get("stroke") for r in rects)
    assert svg.find(f"{SVG}defs/{SVG}pattern/{SVG}line") is not None


def test_href_makes_bar_a_link_and_labels_are_escaped():
    markup = bar_chart(title="<b>", bars=[Bar("村&社", 1, href="/villages/?a=1&b=2"), Bar("无链接", 1)])
    svg = _parse(markup)
    links = list(svg.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/villages/?a=1&b=2"]
    assert "<b>" not in markup and "&lt;b&gt;" in markup


def test_all_zero_and_empty_charts_render():
    assert _parse(bar_chart(title="空", bars=[]))
    svg = _parse(bar_chart(title="零", bars=[Bar("甲", 0)]))
    assert float(svg.get("height")) > 0


def test_two_charts_on_one_page_have_distinct_ids():
    first = _parse(bar_chart(title="年龄结构", bars=[Bar("甲", 1)]))
    second = _parse(bar_chart(title="学历结构", bars=[Bar("甲", 1)]))
    assert first.find(f"{SVG}defs/{SVG}pattern").get("id") != second.find(f"{SVG}defs/{SVG}pattern").get("id")
