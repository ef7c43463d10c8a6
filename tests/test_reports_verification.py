"""报告核验: a printed copy's verification code says whether today's data gives the same report and what changed;
a tampered or mistyped code is rejected, another unit's code is not found, anonymous users must log in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import JobStatus
from tasks.reports import jobs
from tasks.reports.identity import ALPHABET, InvalidCode, _check_character, parse_code, verification_code
from tests import factories as f
from tests.reports_support import populate_village
from villages.choices import Post


@pytest.fixture(autouse=True)
def _sync_runner(settings, tmp_path):
    settings.REPORT_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def printed(world, secretary_a, django_capture_on_commit_callbacks):
    people = populate_village(world.village_a)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.create_report_job(user=secretary_a, kind="village", scope=world.village_a.code)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.verification
    return job, people


def _verify(client, code: str):
    response = client.get(reverse("reports:verify"), {"code": code})
    assert response.status_code == 200
    return response.context["result"], response.content.decode()


def test_code_shape_and_check_character():
    code = verification_code({"a": 1})
    assert parse_code(code.lower().replace("-", " ")) == code  # case and separators do not matter
    body = code.replace("-", "")
    for position in range(len(body)):
        for replacement in ALPHABET:
            if replacement == body[position]:
                continue
            altered = body[:position] + replacement + body[position + 1 :]
            if _check_character(altered[:-1]) == altered[-1]:
                continue  # a change the check character cannot see: looked up, not found
            with pytest.raises(InvalidCode):
                parse_code(altered)
    with pytest.raises(InvalidCode, match="位"):
        parse_code("ABC")


def test_unchanged_data_matches(printed, client_a):
    job, _ = printed
    result, html = _verify(client_a, job.verification)
    assert result.matches and result.job.pk == job.pk and result.changes == []
    assert 'data-status="matches"' in html and job.number in html


def test_a_change_since_printing_is_named(printed, client_a, world):
    job, people = printed
    f.PostAssignmentFactory(person=people["reserve"].person, village=world.village_a, post=Post.COMMITTEE_MEMBER)
    result, html = _verify(client_a, job.verification)
    assert not result.matches and result.code_today != job.verification
    assert any("龚䶮备" in line for line in result.changes), result.changes
    assert any(line.startswith("要情/两委成员：7 → 8") for line in result.changes), result.changes
    assert 'data-status="changed"' in html and "打印后发生的变化" in html


def test_tampered_code_is_rejected(printed, client_a):
    job, _ = printed
    body = job.verification.replace("-", "")
    wrong = next(c for c in ALPHABET if c != body[3] and _check_character(body[:3] + c + body[4:-1]) != body[-1])
    result, html = _verify(client_a, body[:3] + wrong + body[4:])
    assert result.error and "校验位不符" in result.error and result.job is None
    assert 'data-status="rejected"' in html


def test_unknown_and_other_units_codes_are_not_found(printed, client_b, client_a):
    job, _ = printed
    result, _ = _verify(client_b, job.verification)  # township B may not see A's report
    assert result.job is None and "未找到" in result.error
    forged = "".join(ALPHABET[(ALPHABET.index(c) + 1) % 32] for c in job.verification.replace("-", "")[:-1])
    forged += _check_character(forged)
    result, _ = _verify(client_a, forged)
    assert result.job is None and "未找到" in result.error


def test_anonymous_users_must_log_in(client, printed):
    job, _ = printed
    response = client.get(reverse("reports:verify"), {"code": job.verification})
    assert response.status_code == 302 and "login" in response["Location"]


def test_township_edition_code_verifies(world, secretary_a, client_a, django_capture_on_commit_callbacks):
    populate_village(world.village_a)
    with django_capture_on_commit_callbacks(execute=True):
        edition = jobs.create_report_job(user=secretary_a, kind="township", scope=world.township_a.code)
    edition.refresh_from_db()
    result, _ = _verify(client_a, edition.verification)
    assert result.matches, result.changes
    world.village_a.development_candidates += 1
    world.village_a.save()
    result, _ = _verify(client_a, edition.verification)
    assert not result.matches and any("发展对象" in line for line in result.changes)
