"""Compiled editions, read back from real WeasyPrint output: the township edition is one document (cover with
totals, 目录 whose page numbers are where each village starts, continuous "— n —" numbers, one font subset per
face with its own tag, bookmarks, metadata; a zip of 乡镇-村-日期.pdf); the county edition has its summary by
township and flag, coverage, ranking, sign-off and "（续）" running heads."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import jobs
from tests import factories as f
from tests.reports_support import bbox_pages, embedded_fonts, folios, glyph_ids_of, pdf_text, populate_village
from tests.roster_data import make_roster


@pytest.fixture(autouse=True)
def _sync_runner(settings, tmp_path):
    settings.REPORT_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _saved(job: ReportJob, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    with job.file.open("rb") as stored:
        path.write_bytes(stored.read())
    return path


@pytest.fixture
def edition(world, secretary_a, django_capture_on_commit_callbacks, tmp_path):
    populate_village(world.village_a)
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白果村")
    make_roster(second, members=3, groups=2)
    f.VillageFactory(township=world.township_a, code="511902100203", name="石门村")  # no roster at all
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.create_report_job(user=secretary_a, kind="township", scope=world.township_a.code)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job, _saved(job, tmp_path, "edition.pdf")


def test_township_edition_is_one_numbered_document_with_a_table_of_contents(edition):
    job, path = edition
    numbers = folios(path)
    assert numbers[0] is None  # the cover
    assert numbers[1:] == list(range(1, len(numbers)))  # continuous, "— n —", across the village reports
    parts = ReportJob.objects.filter(batch=job.batch, kind=ReportKind.VILLAGE)
    texts = [pdf_text(path, page=p) for p in range(1, len(numbers) + 1)]
    contents = "".join(texts[:3])
    for part in parts:
        number = part.reused_from.number if part.reused_from else part.number
        listed = re.search(re.escape(number) + r"\s+(\d+)\s*$", contents, re.M)  # the 目录 row: …报告编号 页码
        assert listed, number
        page = int(listed.group(1))
        start = numbers.index(page)  # the page that prints this number…
        assert number in _flat(texts[start]) and "内部资料" in _flat(texts[start]), (number, page)  # …is its first
    assert job.pages == len(numbers)


def test_township_edition_embeds_each_face_once_with_its_own_tag(edition):
    job, path = edition
    fonts = embedded_fonts(path)
    families = [name.split("+")[1] for name in fonts]
    assert sorted(families) == sorted(set(families))  # one subset per face for the whole document
    assert {"ReportSans", "ReportSerif", "ReportFolio", "ReportSansExtB"} <= set(families)
    glyphs = glyph_ids_of(path)  # the merged subsets still draw every name, Extension B included
    for char in "王喆𠀁𠇔䶮":
        assert char in glyphs and 0 not in glyphs[char], char
    tags = [name.split("+")[0] for name in fonts]
    assert len(set(tags)) == len(tags)
    parts = ReportJob.objects.filter(batch=job.batch, kind=ReportKind.VILLAGE, status=JobStatus.DONE)
    part_tags = set()
    for part in parts:
        with part.file.open("rb") as stored:
            reader = PdfReader(io.BytesIO(stored.read()))
        part_tags |= {str(r.get_object()["/BaseFont"]).split("+")[0] for p in reader.pages
                      for r in (p["/Resources"].get("/Font") or {}).values()}  # fmt: skip
    assert not part_tags & {"/" + t.lstrip("/") for t in tags}  # compiled subsets are new, not a part's


def test_township_cover_totals_equal_the_village_reports(edition):
    job, path = edition
    front = _flat(pdf_text(path, page=2))
    parts = ReportJob.objects.filter(batch=job.batch, kind=ReportKind.VILLAGE, status=JobStatus.DONE)
    red = sum((p.reused_from or p).facts["要情"]["红色"] for p in parts)
    amber = sum((p.reused_from or p).facts["要情"]["黄色"] for p in parts)
    assert f"红色{red}项，黄色{amber}项" in front
    assert "书记后备覆盖率" in front and "有红色项的村" in front
    whole = _flat(pdf_text(path))
    for part in parts:
        facts = (part.reused_from or part).facts
        village = facts["村"]["名称"]
        summary = f"红色{facts['要情']['红色']}项、黄色{facts['要情']['黄色']}项"
        assert summary in whole, village


def test_township_edition_bookmarks_metadata_and_zip(edition, client_a):
    job, path = edition
    reader = PdfReader(path)
    titles = [item.title for item in reader.outline]
    assert titles[0] == "封面、汇总与目录" and any(t.startswith("青龙村") for t in titles) and len(titles) == 4
    assert reader.metadata.title == "巴州区凌云乡换届前村情报告汇编"
    assert reader.metadata.author == "中共巴州区凌云乡委员会" and job.number in reader.metadata.subject
    archive = zipfile.ZipFile(io.BytesIO(client_a.get(reverse("reports:download_zip", args=[job.pk])).content))
    day = timezone.localdate().strftime("%Y%m%d")
    assert sorted(archive.namelist()) == sorted(f"凌云乡-{n}-{day}.pdf" for n in ["青龙村", "白果村", "石门村"])
    assert len(path.read_bytes()) < 1_000_000


def test_zip_with_a_village_file_gone_from_storage_is_a_404(edition, client_a):
    job, _ = edition
    part = ReportJob.objects.filter(batch=job.batch, kind="village").exclude(file="").first()
    assert part is not None
    part.file.storage.delete(part.file.name)
    response = client_a.get(reverse("reports:download_zip", args=[job.pk]))
    assert response.status_code == 404


def test_county_edition_summary_coverage_ranking_signoff_and_continued_heads(
    world, county_staff, django_capture_on_commit_callbacks, tmp_path
):
    populate_village(world.village_a)
    for number in range(60):  # enough villages for the township's table to run onto another page
        f.VillageFactory(township=world.township_b, code=f"5119021013{number:02d}", name=f"测试村{number:02d}")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.create_report_job(user=county_staff, kind="county", scope=world.county.code)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    path = _saved(job, tmp_path, "county.pdf")
    text = _flat(pdf_text(path))
    for heading in [
        "一、汇总",
        "各乡镇按规则统计",
        "二、风险较高的村",
        "三、各乡镇村级风险清单",
        "四、后备队伍",
        "五、审核",
        "审核人（签字）",
    ]:
        assert heading in text, heading
    assert "书记后备覆盖率" in text and re.search(r"书记后备覆盖率\d+/62", text)
    assert "凌云乡" in text and "大和乡" in text and "青龙村" in text
    pages = bbox_pages(path)
    heads = ["".join(w[0] for w in page["words"] if w[2] < 80) for page in pages]
    assert any("大和乡" in head and "（续）" in head for head in heads[1:])
    assert folios(path) == list(range(1, len(pages) + 1))
    assert PdfReader(path).metadata.author == "中共巴州区委组织部"
