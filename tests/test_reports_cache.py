"""Fast when nothing changed: a village's data version moves with every write that changes its report, an
unchanged request is answered with the stored file (same sha256) without rendering, and a township edition
renders again only the villages whose report changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from reserves.models import DevelopmentMeasure
from tasks.models import JobStatus, ReportJob, ReportKind, VillageDataVersion
from tasks.reports import editions, jobs, versions
from tests import factories as f
from tests.reports_support import populate_village
from villages.choices import Post
from villages.models import PredecessorVillage, Village
from villages.rules import add_rule_value


@pytest.fixture(autouse=True)
def _sync_runner(settings, tmp_path):
    settings.REPORT_RUNNER = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def renders(monkeypatch):
    """Counts real renders: village reports and compiled editions."""
    counted: list[str] = []
    village, township = editions.render_village_report, editions.township_edition

    def count_village(**kwargs):
        counted.append(kwargs["village"].code)
        return village(**kwargs)

    def count_township(**kwargs):
        counted.append("edition")
        return township(**kwargs)

    monkeypatch.setattr(editions, "render_village_report", count_village)
    monkeypatch.setattr(editions, "township_edition", count_township)
    return counted


def _version(village: Village) -> int:
    return VillageDataVersion.objects.filter(village=village).values_list("version", flat=True).first() or 0


def _request(user, kind: str, scope: str, capture) -> ReportJob:
    with capture(execute=True):
        job = jobs.create_report_job(user=user, kind=kind, scope=scope)
    job.refresh_from_db()
    return job


def test_writes_raise_the_data_version_of_their_village_only(world):
    people = populate_village(world.village_a)
    other = _version(world.village_b)
    checks = [
        ("post", lambda: f.PostAssignmentFactory(person=people["李堃"], village=world.village_a, post=Post.CLERK)),
        ("person", lambda: people["王喆"].__class__.objects.get(pk=people["王喆"].pk).save()),
        (
            "measure",
            lambda: DevelopmentMeasure.objects.create(
                reserve=people["reserve"], kind="training", starts_on=dt.date(2026, 1, 1)
            ),
        ),
        ("group", lambda: f.GroupFactory(village=world.village_a, number=9)),
        ("predecessor", lambda: PredecessorVillage.objects.create(village=world.village_a, name="老村")),
        ("enrollment", lambda: f.EnrollmentFactory(person=people["reserve"].person)),
        ("village", lambda: Village.objects.get(pk=world.village_a.pk).save()),
        # The county list's 后备队伍 section prints the talent pool and the pool → 两委 conversion per election.
        ("talent", lambda: f.TalentFactory(person=f.PersonFactory(home_village=world.village_a))),
        ("election", lambda: f.ElectionFactory(village=world.village_a)),
    ]
    for label, write in checks:
        before = _version(world.village_a)
        with transaction.atomic():
            write()
        assert _version(world.village_a) > before, label
    assert _version(world.village_b) == other


def test_a_rolled_back_write_leaves_the_version(world):
    populate_village(world.village_a)
    before = _version(world.village_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        f.GroupFactory(village=world.village_a, number=8)
        raise RuntimeError("rolled back")
    assert _version(world.village_a) == before


def test_unchanged_village_request_is_the_stored_file_without_rendering(
    world, secretary_a, renders, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    populate_village(world.village_a)
    first = _request(secretary_a, "village", world.village_a.code, django_capture_on_commit_callbacks)
    assert first.status == JobStatus.DONE and renders == [world.village_a.code]
    with django_assert_max_num_queries(14):
        second = _request(secretary_a, "village", world.village_a.code, django_capture_on_commit_callbacks)
    assert renders == [world.village_a.code]  # nothing rendered
    assert second.status == JobStatus.DONE and second.reused_from_id == first.pk
    assert (second.file.name, second.sha256, second.number, second.verification) == (
        first.file.name,
        first.sha256,
        first.number,
        first.verification,
    )


def test_a_change_a_rule_or_another_date_renders_again(world, secretary_a, renders, django_capture_on_commit_callbacks):
    people = populate_village(world.village_a)
    first = _request(secretary_a, "village", world.village_a.code, django_capture_on_commit_callbacks)
    f.PostAssignmentFactory(person=people["reserve"].person, village=world.village_a, post=Post.COMMITTEE_MEMBER)
    changed = _request(secretary_a, "village", world.village_a.code, django_capture_on_commit_callbacks)
    assert changed.reused_from_id is None and changed.sha256 != first.sha256
    add_rule_value(
        county_id=world.county.pk,
        key="high_age_member",
        value=58,
        effective_on=dt.date(2021, 1, 1),
        document_number="巴组发〔2026〕3号",
    )
    ruled = _request(secretary_a, "village", world.village_a.code, django_capture_on_commit_callbacks)
    assert ruled.reused_from_id is None and ruled.verification != changed.verification
    keys = versions.village_keys(Village.objects.filter(pk=world.village_a.pk), as_of=dt.date(2026, 11, 1))
    assert keys[world.village_a.pk].key != ruled.cache_key
    assert len(renders) == 3


def test_township_edition_renders_only_the_changed_villages(
    world, secretary_a, renders, django_capture_on_commit_callbacks
):
    people = populate_village(world.village_a)
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白果村")
    populate_village(second)
    third = f.VillageFactory(township=world.township_a, code="511902100203", name="石门村")
    edition = _request(secretary_a, "township", world.township_a.code, django_capture_on_commit_callbacks)
    assert edition.status == JobStatus.DONE, edition.error
    assert sorted(renders) == sorted([world.village_a.code, second.code, third.code, "edition"])
    renders.clear()

    again = _request(secretary_a, "township", world.township_a.code, django_capture_on_commit_callbacks)
    assert renders == [] and again.reused_from_id == edition.pk and again.sha256 == edition.sha256

    # A reserve's measure is printed only in its own village's report: that village alone renders again.
    DevelopmentMeasure.objects.create(
        reserve=people["reserve"], kind="training", description="书记助理", starts_on=dt.date(2026, 1, 1)
    )
    changed = _request(secretary_a, "township", world.township_a.code, django_capture_on_commit_callbacks)
    assert changed.status == JobStatus.DONE and changed.sha256 != edition.sha256
    assert sorted(renders) == [world.village_a.code, "edition"]
    parts = ReportJob.objects.filter(batch=changed.batch, kind=ReportKind.VILLAGE)
    assert {p.scope for p in parts if p.reused_from_id} == {second.code, third.code}


def test_the_template_version_follows_the_report_and_chart_templates_only(settings, tmp_path):
    """A changed report template renders again; a changed page template does not touch the stored reports."""
    for folder, name in (("reports", "village.html"), ("charts", "bar.svg"), ("villages", "person.html")):
        (tmp_path / "templates" / folder).mkdir(parents=True)
        (tmp_path / "templates" / folder / name).write_text("v1")
    settings.BASE_DIR = tmp_path

    def version() -> str:
        versions.template_version.cache_clear()
        return versions.template_version()

    try:
        first = version()
        (tmp_path / "templates" / "villages" / "person.html").write_text("v2")
        assert version() == first
        (tmp_path / "templates" / "reports" / "village.html").write_text("v2")
        second = version()
        assert second != first
        (tmp_path / "templates" / "charts" / "bar.svg").write_text("v2")
        assert version() not in {first, second}
    finally:
        versions.template_version.cache_clear()
