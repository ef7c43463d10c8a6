"""The village report: its HTML holds every section of docs/domain.md §7 with the right numbers; the PDF embeds the
product's CJK fonts and draws rare name characters even on a machine without system fonts."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

import pytest
from django.core.management import call_command

from tasks.reports import fonts
from tasks.reports.fetcher import LocalOnlyFetcher, RefusedURL, local_path
from tasks.reports.render import render_village_report
from tests import factories as f
from tests.reports_support import (
    RARE_NAMES,
    ROOT,
    glyph_ids_of,
    pdf_fonts,
    pdf_text,
    populate_village,
    render_with_system_fonts_hidden,
)
from villages.choices import Post


@pytest.fixture(autouse=True)
def _fresh_comparison_cache(settings):
    settings.REPORT_COMPARISON_CACHE_SECONDS = 0


@pytest.fixture
def report(world):
    populate_village(world.village_a)
    return render_village_report(village=world.village_a)


def test_fonts_are_installed_and_harfbuzz_subset_is_present():
    assert fonts.problems() == []


def test_html_holds_every_section_with_expected_numbers(report, world):
    html = report.html
    assert '<html lang="zh-CN">' in html
    for heading in [
        "一、村情概况",
        "二、村“两委”班子成员",
        "村民小组长（社长）",
        "三、班子结构",
        "与乡镇、区县比较",
        "四、规则检查与接替缺口",
        "五、岗位接替人选与后备干部",
        "后备干部及培养情况",
        "六、审核意见",
    ]:
        assert heading in html, heading
    assert "凌云乡青龙村换届前村情报告" in html
    # Age at the election date (2026-12-31): 王喆 born 1964-01-05 is 62; 李堃 born 1980-12-31 turns 46 that day.
    assert '<td class="nowrap">王喆</td>' in html and '<td class="num">62</td>' in html
    assert '<td class="num">46</td>' in html
    # ID numbers are masked, never whole.
    person = world.village_a.residents.get(name="王喆")
    assert person.id_number not in html and person.id_number_masked in html
    # Structure: 7 两委 members (the supervision member is not one); 2 charts as inline accessible SVG.
    assert html.count('role="img"') == 2 and "两委成员年龄结构" in html and "两委成员学历结构" in html
    assert '<td>两委成员人数</td><td class="num">7</td>' in html.replace("\n", "")
    # Rule results with reasons, the reserve with its training, signature block.
    flat = html.replace("\n", "")
    assert re.search(r"<td>村委会无女性</td><td class=\"sev \">通过</td>", flat)  # 赵珺 sits on the 村委会
    assert re.search(r"<td>书记换届时超龄</td><td class=\"sev red\">★ 红色</td><td>[^<]*王喆", flat)
    assert "龚䶮备" in html and "村级后备干部专修班" in html and "结业" in html
    assert "乡镇党委书记（签字）" in html and "县委组织部审核意见" in html
    assert report.missing_glyphs == []


def test_pdf_embeds_report_fonts_and_names(report, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(report.pdf)
    embedded = pdf_fonts(path)
    assert embedded and all("ReportSans" in name for name in embedded), embedded
    text = pdf_text(path)
    assert "换届前村情报告" in text and "第1页/共3页" in text.replace(" ", "") and "数据截至" in text
    assert len(report.pdf) < 500_000


def test_rare_names_render_without_system_fonts(report, tmp_path):
    pdf, boxes, visible_system_fonts = render_with_system_fonts_hidden(report.html, tmp_path)
    assert visible_system_fonts.strip() == ""  # the subprocess really sees no system font
    assert boxes == []  # WeasyPrint drew no .notdef glyph
    assert all("ReportSans" in name for name in pdf_fonts(pdf))
    glyphs = glyph_ids_of(pdf)
    for char in "".join(RARE_NAMES):
        assert char in glyphs and 0 not in glyphs[char], f"{char} has no real glyph"
    assert "ReportSansExtB" in " ".join(pdf_fonts(pdf))  # 𠀁 comes from the Extension B face


def test_character_no_font_has_is_reported_with_the_name(world):
    person = f.PersonFactory(name="李\U00031350", home_village=world.village_a)
    f.PostAssignmentFactory(person=person, village=world.village_a, post=Post.PARTY_SECRETARY)
    report = render_village_report(village=world.village_a)
    assert [(m.label, m.char) for m in report.missing_glyphs] == [("姓名“李\U00031350”", "\U00031350")]
    assert "U+31350" in str(report.missing_glyphs[0])
    assert "字形缺失提示" in report.html and "U+31350" in report.html


def test_long_tables_repeat_their_header_on_the_next_page(world, tmp_path):
    populate_village(world.village_a, group_leaders=45)
    report = render_village_report(village=world.village_a)
    path = tmp_path / "long.pdf"
    path.write_bytes(report.pdf)
    pages_with_group_header = [p for p in range(1, 4) if "能否正常履职" in pdf_text(path, page=p)]
    assert len(pages_with_group_header) >= 2


def test_fetcher_serves_only_local_report_assets(settings, tmp_path):
    font = fonts.FONT_FILES[0].path
    assert local_path(font.as_uri()) == font.resolve()
    for url in [
        "https://example.com/x.css",
        "http://127.0.0.1:8106/static/css/app.css",
        "data:text/css,body{}",
        (tmp_path / "secret.txt").as_uri(),
        "file:///etc/passwd",
        font.as_uri().replace("file://", "file://evil"),
    ]:
        with pytest.raises(RefusedURL):
            LocalOnlyFetcher().fetch(url)


def test_render_report_command_writes_pdf(world, tmp_path):
    populate_village(world.village_a)
    out = tmp_path / "v.pdf"
    call_command("render_report", "village", world.village_a.code, "--out", str(out), "--as-of", "2026-11-27")
    assert out.read_bytes().startswith(b"%PDF")
    assert "王喆" in pdf_text(out)


def test_as_of_sets_the_age_reference_date(world):
    populate_village(world.village_a)
    report = render_village_report(village=world.village_a, as_of=dt.date(2026, 1, 4))
    assert '<td class="num">61</td>' in report.html  # 王喆 is 61 the day before his birthday in 2026


def test_worker_refuses_to_start_without_report_fonts(tmp_path):
    env = {**os.environ, "REPORT_FONT_DIR": str(tmp_path / "no-fonts"), "REDIS_URL": "redis://127.0.0.1:9/0"}
    command = [str(ROOT / ".venv/bin/celery"), "-A", "backend", "worker", "--pool=solo", "--loglevel=WARNING"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "报告 worker 拒绝启动" in done.stdout + done.stderr and "缺少报告字体" in done.stdout + done.stderr
