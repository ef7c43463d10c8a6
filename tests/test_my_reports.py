"""My reports: every report job the user requested (or, asked, every one of their scope), with readable titles and
file names (乡镇-村-换届前村情报告-日期.pdf, also in Content-Disposition), and a batch's status derived from its village
reports (生成中 8/10, not 排队中)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tasks.listing import Progress
from tasks.models import JobStatus, ReportBatch, ReportJob, ReportKind
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("reports:mine")
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def village_job(village, user, *, status=JobStatus.DONE, batch=None) -> ReportJob:
    job = ReportJob.objects.create(
        kind=ReportKind.VILLAGE, scope=village.code, as_of=AS_OF, status=status, batch=batch, created_by=user
    )
    if status == JobStatus.DONE:
        job.file.save(f"village-{job.pk}.pdf", ContentFile(b"%PDF-1.7 test"))
    return job


def township_batch(township, user, *, done: int, failed: int = 0, queued: int = 0) -> ReportJob:
    """A township edition whose edition job still waits (queued) for its village reports."""
    total = done + failed + queued
    batch = ReportBatch.objects.create(kind=ReportKind.TOWNSHIP, scope=township.code, as_of=AS_OF, created_by=user)
    statuses = [JobStatus.DONE] * done + [JobStatus.FAILED] * failed + [JobStatus.QUEUED] * queued
    taken = township.villages.count()
    for number, status in enumerate(statuses, start=taken):
        village = f.VillageFactory(township=township, name=f"批次村{number}")
        village_job(village, user, status=status, batch=batch)
    ReportBatch.objects.filter(pk=batch.pk).update(total=total)
    return ReportJob.objects.create(
        kind=ReportKind.TOWNSHIP, scope=township.code, as_of=AS_OF, batch=batch, created_by=user
    )


def rows(response) -> list[str]:
    return re.findall(r'<tr id="report-(\d+)">', response.content.decode())


def test_my_reports_lists_mine_and_with_all_my_scope(client_a, client_county, world, secretary_a, county_staff):
    mine = village_job(world.village_a, secretary_a)
    theirs = village_job(world.village_a, county_staff)
    elsewhere = village_job(world.village_b, county_staff)
    assert rows(client_a.get(URL)) == [str(mine.pk)]
    assert set(rows(client_a.get(URL, {"who": "all"}))) == {str(mine.pk), str(theirs.pk)}
    assert set(rows(client_county.get(URL, {"who": "all"}))) == {str(mine.pk), str(theirs.pk), str(elsewhere.pk)}
    assert rows(client_county.get(URL)) == sorted([str(theirs.pk), str(elsewhere.pk)], reverse=True)


def test_outsiders_see_nothing_of_another_township(client_b, world, secretary_a):
    village_job(world.village_a, secretary_a)
    body = client_b.get(URL, {"who": "all"}).content.decode()
    assert "青龙村" not in body and rows(client_b.get(URL, {"who": "all"})) == []


def test_rows_have_readable_titles_and_file_names(client_a, world, secretary_a):
    village_job(world.village_a, secretary_a)
    body = client_a.get(URL).content.decode()
    assert "青龙村（凌云乡）换届前村情报告" in body
    assert "凌云乡-青龙村-换届前村情报告-2026-12-01.pdf" in body
    assert world.village_a.code not in body.split("<main")[1]


def test_download_names_the_file_by_township_village_and_date(client_a, world, secretary_a):
    job = village_job(world.village_a, secretary_a)
    response = client_a.get(reverse("reports:download", args=[job.pk]))
    assert "凌云乡-青龙村-换届前村情报告-2026-12-01.pdf" in unquote(response["Content-Disposition"])


def test_a_batch_with_8_of_10_done_is_in_progress_not_queued(client_a, world, secretary_a):
    edition = township_batch(world.township_a, secretary_a, done=8, queued=2)
    body = client_a.get(URL).content.decode()
    row = body.split(f'id="report-{edition.pk}"')[1].split("</tr>")[0]
    assert "生成中" in row and "8/10 个村已完成" in row and "排队中" not in row
    assert "凌云乡（巴州区）换届前村情报告汇编" in row
    assert rows(client_a.get(URL)) == [str(edition.pk)]  # the village parts are counted in their edition's row
    page = client_a.get(reverse("reports:job", args=[edition.pk])).content.decode()
    assert 'id="job-status">生成中' in page and "共 10 个，已完成 8 个，失败 0 个" in page
    assert "<title>凌云乡（巴州区）换届前村情报告汇编" in page


def test_the_job_page_names_failed_villages_not_their_codes(client_a, world, secretary_a):
    edition = township_batch(world.township_a, secretary_a, done=1, failed=1)
    ReportJob.objects.filter(status=JobStatus.FAILED).update(error="生成失败：字体缺失")
    page = client_a.get(reverse("reports:job", args=[edition.pk])).content.decode()
    assert "批次村2（凌云乡）换届前村情报告：生成失败：字体缺失" in page
    assert 'id="job-status">合并中' in page


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        (Progress(JobStatus.QUEUED), "排队中"),
        (Progress(JobStatus.RUNNING), "生成中"),
        (Progress(JobStatus.QUEUED, total=10), "排队中"),
        (Progress(JobStatus.QUEUED, total=10, running=1), "生成中"),
        (Progress(JobStatus.QUEUED, total=10, done=8), "生成中"),
        (Progress(JobStatus.QUEUED, total=10, done=9, failed=1), "合并中"),
        (Progress(JobStatus.DONE, total=10, done=10), "已完成"),
        (Progress(JobStatus.DONE, total=10, done=9, failed=1), "部分失败"),
        (Progress(JobStatus.FAILED, total=10, done=10), "失败"),
    ],
)
def test_derived_status(progress, status):
    assert progress.status == status


def test_query_count_does_not_grow_with_jobs(client_county, world, county_staff, django_assert_num_queries):
    village_job(world.village_a, county_staff)
    township_batch(world.township_a, county_staff, done=1, queued=1)
    with django_assert_num_queries(8) as few:
        client_county.get(URL)
    for _ in range(5):
        village_job(world.village_b, county_staff)
        township_batch(world.township_b, county_staff, done=2, failed=1)
    ReportJob.objects.create(kind=ReportKind.COUNTY, scope=world.county.code, created_by=county_staff)
    with django_assert_num_queries(len(few.captured_queries) + 1):  # + the county names (a third kind of unit)
        assert len(rows(client_county.get(URL))) == 13


def test_nav_and_report_panel_lead_to_my_reports(client_a, world):
    assert f'href="{URL}"' in client_a.get(reverse("villages:people")).content.decode()
