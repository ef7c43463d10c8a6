"""Roster workbook pages: template, import (upload → preview → confirm, progress polling, Celery path), exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from backend.celery import app as celery_app
from tasks.models import ImportJob, JobStatus
from tests import factories as f
from tests.workbooks import build, person_row, read_back
from villages.choices import Education, Post
from villages.models import IdNumberExport, IdNumberView, Person
from villages.workbook.columns import HEADERS
from villages.workbook.template import INSTRUCTIONS_SHEET, LISTS_SHEET, ROSTER_SHEET, XLSX_CONTENT_TYPE

LAST_YEAR = dt.date.today().year - 1


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(content: bytes, name: str = "花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def import_url(world) -> str:
    return reverse("imports:roster_import", args=[world.township_a.code])


# ---- template ----


def test_template_has_title_headers_instructions_and_dropdowns(client_a, world):
    response = client_a.get(reverse("villages:roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [ROSTER_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET]
    sheet = workbook[ROSTER_SHEET]
    assert sheet["A1"].value == "村干部花名册"
    assert "A1:T1" in {str(r) for r in sheet.merged_cells.ranges}
    headers = [cell.value for cell in sheet[2]]
    assert headers == [f"{LAST_YEAR}年度考核" if h == "年度考核" else h for h in HEADERS]
    validated = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert set(validated) == {"A", "C", "G", "H", "I", "N", "O", "P", "S"}  # 村名称 + the coded columns
    assert workbook[LISTS_SHEET].sheet_state == "hidden"
    assert "青龙村" in [cell.value for row in workbook[LISTS_SHEET].iter_rows() for cell in row]
    instructions = {row[0]: row[3] for row in workbook[INSTRUCTIONS_SHEET].iter_rows(min_row=4, values_only=True)}
    assert "大学专科" in instructions["学历"]
    assert "村委会主任" in instructions["职务"]


def test_county_staff_may_download_the_template(client_county):
    assert client_county.get(reverse("villages:roster_template")).status_code == 200


# ---- import permissions ----


def test_township_secretary_b_cannot_import_into_township_a(client_b, world):
    assert client_b.get(import_url(world)).status_code == 404
    response = client_b.post(import_url(world), {"file": upload(build([person_row()]))})
    assert response.status_code == 404
    assert not Person.objects.exists()


@pytest.mark.parametrize("client_name", ["client_county", "client_city"])
def test_read_only_users_get_403_on_import(request, client_name, world):
    client = request.getfixturevalue(client_name)
    assert client.get(import_url(world)).status_code == 403
    assert client.post(import_url(world), {"file": upload(build([person_row()]))}).status_code == 403
    assert not Person.objects.exists()


def test_anonymous_is_sent_to_login(client, world):
    assert client.get(import_url(world)).status_code == 302


def test_import_job_of_another_user_is_404(client_a, client_b, world, secretary_a):
    client_a.post(import_url(world), {"file": upload(build([person_row()]))})
    job = ImportJob.objects.get()
    assert client_b.get(reverse("imports:roster_import_job", args=[job.pk])).status_code == 404
    assert client_b.post(reverse("imports:roster_import_confirm", args=[job.pk])).status_code == 404


# ---- upload → preview → confirm ----


def test_upload_previews_then_confirm_imports(client_a, world, secretary_a):
    existing = f.PersonFactory(home_village=world.village_a, education=Education.JUNIOR_HIGH)
    rows = [
        person_row(职务="党支部书记、村委会主任"),
        person_row(公民身份号码=existing.id_number, 姓名=existing.name, birth=existing.birth_date, 学历="大专"),
    ]
    response = client_a.post(import_url(world), {"file": upload(build(rows))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:roster_import_job", args=[job.pk])
    assert (job.status, job.dry_run, job.summary["valid"]) == (JobStatus.DONE, True, True)
    assert Person.objects.count() == 1  # preview writes nothing

    page = client_a.get(response["Location"]).content.decode()
    assert "确认导入" in page
    assert "新增职务：书记" in page and "全日制最高学历：初中 → 大学专科" in page

    client_a.post(reverse("imports:roster_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.summary["applied"]) == (JobStatus.DONE, False, True)
    assert Person.objects.count() == 2
    existing.refresh_from_db()
    assert existing.education == Education.ASSOCIATE
    assert Person.objects.get(name="王大明").posts.count() == 2
    # Confirming twice does not import twice.
    response = client_a.post(reverse("imports:roster_import_confirm", args=[job.pk]), follow=True)
    assert "已确认过" in response.content.decode()


def test_preview_lists_problems_in_chinese_and_cannot_be_confirmed(client_a, world):
    rows = [person_row(), person_row(seq=2, 学历="扫盲班"), person_row(seq=3, 村名称="白鹤村")]
    client_a.post(import_url(world), {"file": upload(build(rows))})
    job = ImportJob.objects.get()
    page = client_a.get(reverse("imports:roster_import_job", args=[job.pk])).content.decode()
    assert "第 4 行：学历：无法识别“扫盲班”" in page
    assert "第 5 行：村名称：凌云乡没有名为“白鹤村”的村" in page
    assert "确认导入" not in page
    client_a.post(reverse("imports:roster_import_confirm", args=[job.pk]))
    assert not Person.objects.exists()


def test_upload_form_refuses_files_that_are_not_xlsx(client_a, world):
    response = client_a.post(import_url(world), {"file": upload(b"name,id\n", name="roster.csv")})
    assert response.status_code == 200
    assert "请上传 .xlsx 文件" in response.content.decode()
    response = client_a.post(import_url(world), {"file": upload(b"not a zip")})
    assert "不是有效的 .xlsx 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_htmx_poll_of_a_finished_job_stops_polling(client_a, world):
    client_a.post(import_url(world), {"file": upload(build([person_row()]))})
    job = ImportJob.objects.get()
    response = client_a.get(reverse("imports:roster_import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 286
    assert 'id="job-status"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_htmx_poll_of_a_running_job_keeps_polling(client_a, world, secretary_a):
    job = ImportJob.objects.create(
        township_code=world.township_a.code,
        file=upload(build([person_row()])),
        original_name="x.xlsx",
        status=JobStatus.RUNNING,
        total_rows=2000,
        processed_rows=500,
        created_by=secretary_a,
    )
    response = client_a.get(reverse("imports:roster_import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "500 / 2000" in body


def test_large_import_runs_as_a_celery_job(client_a, world, settings, monkeypatch, django_capture_on_commit_callbacks):
    """Above ROSTER_IMPORT_INLINE_MAX_ROWS the work goes to the Celery task (run eagerly here)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    settings.ROSTER_IMPORT_INLINE_MAX_ROWS = 5
    rows = [person_row(seq=n, 姓名=f"人员{n}") for n in range(1, 21)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_a.post(import_url(world), {"file": upload(build(rows))})
    job = ImportJob.objects.get()
    assert job.status == JobStatus.QUEUED  # not run inside the request
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.total_rows) == (JobStatus.DONE, 20, 20)
    assert job.summary["counts"]["create"] == 20

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("imports:roster_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.summary["applied"] is True
    assert Person.objects.count() == 20


# ---- exports ----


def roster_with_secretary(world):
    person = f.PersonFactory(home_village=world.village_a, name="赵书记")
    f.PostAssignmentFactory(person=person, village=world.village_a, post=Post.PARTY_SECRETARY)
    other = f.PersonFactory(home_village=world.village_b, name="白鹤人")
    f.PostAssignmentFactory(person=other, village=world.village_b, post=Post.DIRECTOR)
    return person


def test_roster_export_shows_whole_ids_to_the_secretary_and_logs_one_row_per_export(client_a, world, secretary_a):
    person = roster_with_secretary(world)
    member = f.PersonFactory(home_village=world.village_a, name="钱委员")
    f.PostAssignmentFactory(person=member, village=world.village_a, post=Post.COMMITTEE_MEMBER)
    response = client_a.get(reverse("villages:roster_export", args=[world.township_a.code]))
    rows = read_back(b"".join(response.streaming_content))
    assert rows[0][0] == "凌云乡村干部花名册"
    data = rows[2:]
    assert [(r[0], r[1], r[4], r[10]) for r in data] == [
        ("青龙村", "赵书记", person.id_number, "书记"),
        ("青龙村", "钱委员", member.id_number, "村委委员"),
    ]
    export = IdNumberExport.objects.get()  # one audit row for the export, not one per person
    assert (export.viewed_by, export.context, export.count) == (secretary_a, "roster_export", 2)
    assert set(export.people.all()) == {person, member}
    assert not IdNumberView.objects.exists()


def test_roster_export_masks_ids_for_county_staff(client_county, world, county_staff):
    person = roster_with_secretary(world)
    response = client_county.get(reverse("villages:roster_export", args=[world.township_a.code]))
    data = read_back(b"".join(response.streaming_content))[2:]
    assert data[0][4] == person.id_number_masked
    assert not IdNumberView.objects.exists() and not IdNumberExport.objects.exists()


def test_roster_export_of_another_township_is_404(client_b, world):
    assert client_b.get(reverse("villages:roster_export", args=[world.township_a.code])).status_code == 404


def test_people_export_applies_the_list_filters_and_masks_by_permission(client_a, client_county, world):
    person = roster_with_secretary(world)
    f.PersonFactory(home_village=world.village_a, name="钱群众")
    url = reverse("villages:people_export") + f"?post={Post.PARTY_SECRETARY}"
    data = read_back(b"".join(client_a.get(url).streaming_content))[2:]
    assert [(r[1], r[4]) for r in data] == [("赵书记", person.id_number)]
    county_rows = read_back(b"".join(client_county.get(reverse("villages:people_export")).streaming_content))[2:]
    assert {r[1] for r in county_rows} == {"赵书记", "钱群众", "白鹤人"}
    assert all("*" in r[4] for r in county_rows)


def test_people_export_queries_do_not_grow_with_rows(client_county, world, django_assert_max_num_queries):
    for _ in range(30):
        person = f.PersonFactory(home_village=world.village_a)
        f.PostAssignmentFactory(person=person, village=world.village_a)
        f.AssessmentFactory(person=person, year=LAST_YEAR)
    with django_assert_max_num_queries(8):
        response = client_county.get(reverse("villages:people_export"))
        rows = read_back(b"".join(response.streaming_content))
    assert len(rows) == 32


def test_people_page_links_to_the_export_with_its_filters(client_a, world):
    page = client_a.get(reverse("villages:people") + "?gender=male").content.decode()
    assert f'href="{reverse("villages:people_export")}?gender=male"' in page


def test_township_page_offers_export_to_all_and_import_to_its_secretary(client_a, client_county, world):
    url = reverse("villages:township", args=[world.township_a.code])
    assert reverse("imports:roster_import", args=[world.township_a.code]) in client_a.get(url).content.decode()
    county_page = client_county.get(url).content.decode()
    assert reverse("villages:roster_export", args=[world.township_a.code]) in county_page
    assert reverse("imports:roster_import", args=[world.township_a.code]) not in county_page
