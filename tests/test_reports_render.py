"""The village report, read back from real WeasyPrint output: each section holds what it is about (两委 exactly,
监委会, 第一书记, every 社), every person flag prints its reason with rule value and 文号, the reference date and its
source are printed, counts are captioned and equal, the copy carries its identity and PDF metadata, and the print
typography holds (sizes, binding margin, serif titles, no term broken, page numbers "— n —", rare characters)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from tasks.reports import fonts
from tasks.reports.fetcher import LocalOnlyFetcher, RefusedURL, local_path
from tasks.reports.render import render_village_report
from tasks.reports.typography import vocabulary
from tests import factories as f
from tests.reports_support import (
    RARE_NAMES,
    ROOT,
    bbox_pages,
    embedded_fonts,
    folios,
    font_sizes_pt,
    glyph_ids_of,
    pdf_fonts,
    pdf_text,
    populate_village,
    render_with_system_fonts_hidden,
)
from villages import risk
from villages.choices import Post
from villages.models import Village
from villages.rules import add_rule_value

MM = 72 / 25.4


@pytest.fixture(autouse=True)
def _fresh_comparison_cache(settings):
    settings.REPORT_COMPARISON_CACHE_SECONDS = 0


@pytest.fixture
def village(world):
    """青龙村: the populate_village roster, plus a 两委 member who also leads a 社, a vacant 社, a first secretary,
    and a county rule value with a 文号."""
    people = populate_village(world.village_a)
    group4 = f.GroupFactory(village=world.village_a, number=4)
    f.PostAssignmentFactory(person=people["刘昇"], village=world.village_a, post=Post.GROUP_LEADER, group=group4)
    f.GroupFactory(village=world.village_a, number=5)  # no 社长
    first = f.PersonFactory(name="周第一", home_village=world.village_a, birth_date=dt.date(1990, 3, 3))
    f.PostAssignmentFactory(person=first, village=world.village_a, post=Post.FIRST_SECRETARY)
    add_rule_value(
        county_id=world.county.pk,
        key="high_age_leader_red",
        value=60,
        effective_on=dt.date(2021, 1, 1),
        document_number="巴组发〔2025〕12号",
    )
    return world.village_a


@pytest.fixture
def rendered(village, tmp_path):
    report = render_village_report(village=village, job_id=123)
    path = tmp_path / "village.pdf"
    path.write_bytes(report.pdf)
    return report, path


def _section(html: str, section_id: str) -> str:
    """The text of one section of the report's HTML (tags removed)."""
    start = html.index(f'id="{section_id}"')
    end = html.find("<section", start)
    return _html_text(html[start : end if end > 0 else None])


def _html_text(html: str) -> str:
    """The text of HTML: tags and word joiners (tasks/reports/typography.py) removed."""
    return re.sub(r"<[^>]+>", "", html).replace("\u2060", "")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_fonts_are_installed_and_harfbuzz_subset_is_present():
    assert fonts.problems() == []


def test_committee_table_holds_exactly_the_two_committees(rendered):
    report, path = rendered
    html = report.html
    committee = _section(html, "committee")
    for name in ["王喆", "李堃", "陈赟", "赵珺", "刘昇", "龚䶮", "张𠇔"]:
        assert name in committee, name
    for outsider in ["刘𠀁", "周第一", "社长01"]:
        assert outsider not in committee, outsider
    assert "二、村“两委”班子成员（7 人）" in committee
    assert "刘𠀁" in _section(html, "supervision") and "周第一" in _section(html, "first-secretary")
    # 刘昇 holds a 两委 post and leads 4社: listed in both tables, each time naming the other post.
    assert "兼" in committee and "4社社长" in committee
    # The counts, the charts and the table describe the same 7 people.
    assert report.facts["要情"]["两委成员"] == 7 == len(report.facts["两委成员"])
    text = _flat(pdf_text(path))
    assert "二、村“两委”班子成员（7人）" in text and "三、村务监督委员会（1人）" in text


def test_every_group_appears_in_the_group_leader_table(rendered):
    report, path = rendered
    groups = _section(report.html, "group-leaders")
    assert "五、村民小组长（社长）（5 个社，在任 4 人）" in groups
    for label in ["1社", "2社", "3社", "4社", "5社"]:
        assert re.search(rf"^\s*{label}\s*$", groups, re.M), label
    assert "刘昇" in groups and "村委委员" in groups  # the 社长 who is also a 两委 member
    assert "空缺" in groups
    assert "五、村民小组长（社长）（5个社，在任4人）" in _flat(pdf_text(path))


def test_every_person_flag_prints_post_age_threshold_rule_and_document_number(rendered):
    report, path = rendered
    printed = report.report
    reasons = {(row.name, row.label): row for row in printed.committee_flags + printed.group_leader_flags}
    secretary = reasons[("王喆", "年龄高")]
    assert secretary.reason == "王喆（书记）62岁，年满60岁"  # post, age on 2026-12-31, threshold
    assert secretary.rules == ("书记/主任年龄高（岁及以上，红色）：60（巴组发〔2025〕12号）",)
    leader = reasons[("社长01", "年龄高")]
    assert leader.reason == "社长01（1社社长）76岁，年满70岁"
    assert leader.rules == ("社长年龄高（岁及以上）：70（默认值（未经文件核实））",)
    # 刘昇 is 56: no member flag (60) in the 两委 table, and as 社长 (70) none either; the page says which rule.
    assert ("刘昇", "年龄高") not in reasons
    evaluation = risk.evaluations_for_villages(villages=Village.objects.filter(pk=printed.village.pk))
    person_flags = sum(len(flags) for flags in evaluation[printed.village.pk].person_flags.values())
    assert len(reasons) == person_flags  # every flag the risk engine raises is printed with its reason
    text = _flat(pdf_text(path))
    assert "王喆（书记）62岁，年满60岁" in text and "巴组发〔2025〕12号" in text
    assert "社长01（1社社长）76岁，年满70岁" in text


def test_reference_date_and_its_source_are_printed(rendered, world):
    report, path = rendered
    assert report.report.reference.caption == "2026-12-31（本村计划换届日期）"
    text = _flat(pdf_text(path))
    assert "年龄基准日2026-12-31（本村计划换届日期）" in text
    world.village_a.planned_election_on = None
    world.village_a.save()
    world.county.planned_election_on = dt.date(2026, 11, 15)
    world.county.save()
    county_dated = render_village_report(village=world.village_a)
    assert "2026-11-15（区县计划换届日期）" in _html_text(county_dated.html)
    assert "本村计划换届未定" in _flat(_html_text(county_dated.html))


def test_counts_are_defined_once_captioned_and_equal(rendered):
    report, path = rendered
    village = report.report.village
    evaluation = risk.evaluations_for_villages(villages=Village.objects.filter(pk=village.pk))
    counts = risk.severity_counts(evaluation[village.pk].findings)
    assert (report.report.counts.red, report.report.counts.amber) == (counts.red, counts.amber)
    text = _flat(pdf_text(path))
    summary = re.search(r"村级规则未通过：红色(\d+)项、黄色(\d+)项", text)
    detail = re.search(r"其中红色(\d+)项、黄色(\d+)项", text)
    assert summary and detail
    assert (int(summary[1]), int(summary[2])) == (int(detail[1]), int(detail[2])) == (counts.red, counts.amber)
    assert _flat(risk.SEVERITY_COUNT_CAPTION)[:20] in text


def test_identity_and_pdf_metadata(rendered, world):
    report, path = rendered
    identity = report.identity
    assert re.fullmatch(r"V\d{4}-000123", identity.number)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", identity.code)
    text = _flat(pdf_text(path))
    for printed in [identity.number, identity.code, "生成时间", "数据截至", "规则依据", "巴组发〔2025〕12号"]:
        assert _flat(printed) in text, printed
    meta = PdfReader(path).metadata
    assert meta.title == "凌云乡青龙村换届前村情报告"
    assert meta.author == "中共巴州区凌云乡委员会"
    assert identity.number in meta.subject and identity.code in meta.subject
    # Same data, same code; any printed change, another code.
    assert render_village_report(village=world.village_a).identity.code == identity.code
    world.village_a.party_member_count += 1
    world.village_a.save()
    assert render_village_report(village=world.village_a).identity.code != identity.code


def test_typography_sizes_margin_fonts_mark_and_page_numbers(rendered):
    report, path = rendered
    sizes = font_sizes_pt(path)
    assert min(sizes) >= 9 and 10.5 in sizes  # tables 小五, body 五号
    pages = bbox_pages(path)
    for page in pages:
        assert min(w[1] for w in page["words"]) >= 25 * MM - 0.5  # binding margin
    assert {name.split("+")[1] for name in embedded_fonts(path)} >= {"ReportSans", "ReportSerif", "ReportFolio"}
    assert "内部资料注意保存" in _flat(pdf_text(path, page=1))
    assert folios(path) == list(range(1, len(pages) + 1))
    assert report.pages == len(pages)


def test_no_term_is_broken_across_lines(rendered):
    report, path = rendered
    terms = [t for t in vocabulary() if len(t) > 1] + [r.name for r in report.report.committee if len(r.name) > 1]
    broken = []
    for page in bbox_pages(path):
        for lines in page["blocks"]:
            for before, after in itertools.pairwise(lines):
                for term in terms:
                    for cut in range(1, len(term)):
                        if before.endswith(term[:cut]) and after.startswith(term[cut:]):
                            broken.append((term, before[-8:], after[:8]))
    assert broken == []


def test_pdf_embeds_report_fonts_and_is_small(rendered):
    report, path = rendered
    embedded = pdf_fonts(path)
    assert embedded and all("Report" in name for name in embedded), embedded
    assert len(report.pdf) < 600_000


def test_rare_names_render_without_system_fonts(rendered, tmp_path):
    report, _ = rendered
    pdf, boxes, visible_system_fonts = render_with_system_fonts_hidden(report.html, tmp_path)
    assert visible_system_fonts.strip() == ""  # the subprocess really sees no system font
    assert boxes == []  # WeasyPrint drew no .notdef glyph
    assert all("Report" in name for name in pdf_fonts(pdf))
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


def test_long_tables_repeat_their_header_and_say_continued(world, tmp_path):
    populate_village(world.village_a, group_leaders=45)
    report = render_village_report(village=world.village_a)
    path = tmp_path / "long.pdf"
    path.write_bytes(report.pdf)
    pages = [pdf_text(path, page=p) for p in range(1, report.pages + 1)]
    with_header = [p for p in pages if "能否履职" in p]
    assert len(with_header) >= 2
    assert any("（续）" in _flat(p) and "社长" in p for p in pages[1:])


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
    assert "2026-01-04（指定日期）" in _html_text(report.html)


def test_worker_refuses_to_start_without_report_fonts(tmp_path):
    env = {**os.environ, "REPORT_FONT_DIR": str(tmp_path / "no-fonts"), "REDIS_URL": "redis://127.0.0.1:9/0"}
    command = [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool=solo", "--loglevel=WARNING"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "报告 worker 拒绝启动" in done.stdout + done.stderr and "缺少报告字体" in done.stdout + done.stderr
