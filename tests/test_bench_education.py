"""学历提升 (reserves/education.py): programmes keep the person's 在读 in step, the projected 大专及以上 share on the
next election date, and a student is never printed as plain 初中."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reserves.education import (
    ProgrammeRefused,
    combined_projection,
    education_projection,
    end_programme,
    record_programme,
)
from tasks.reports.context import village_report
from tests import factories as f
from villages.choices import Education, Post
from villages.models import Village

TODAY = timezone.localdate()
ELECTION = dt.date(2027, 1, 15)


def member(
    village: Village, *, education: str = Education.HIGH_SCHOOL, name: str = "成员", post: str = Post.COMMITTEE_MEMBER
):
    person = f.PersonFactory(home_village=village, name=name, birth_date=dt.date(1985, 1, 1), education=education)
    f.PostAssignmentFactory(person=person, village=village, post=post)
    return person


def programme(person, *, graduates_on: dt.date):
    return record_programme(
        person=person,
        institution="四川开放大学巴中分部",
        major="农村行政管理",
        level=Education.ASSOCIATE,
        enrolled_on=dt.date(2025, 3, 1),
        expected_graduation_on=graduates_on,
    )


def test_the_projection_counts_who_graduates_before_the_election_and_not_after(world):
    village = world.village_a
    village.planned_election_on = ELECTION
    village.save()
    member(village, education=Education.ASSOCIATE, name="已是大专")
    before = member(village, name="换届前毕业")
    after = member(village, name="换届后毕业")
    member(village, name="未读")
    programme(before, graduates_on=ELECTION - dt.timedelta(days=1))
    programme(after, graduates_on=ELECTION + dt.timedelta(days=1))
    [row] = education_projection(villages=Village.objects.filter(pk=village.pk))
    assert (row.members, row.associate_now, row.associate_projected) == (4, 1, 2)
    assert (row.students, row.graduating_after, row.election_on) == (2, 1, ELECTION)
    assert (row.now.display, row.projected.display) == ("25.0%", "50.0%")


def test_projection_per_township_and_county_adds_up(world, django_assert_num_queries):
    for village in (world.village_a, world.village_b, world.village_other_county):
        village.planned_election_on = ELECTION
        village.save()
        programme(member(village), graduates_on=dt.date(2026, 12, 1))
    villages = Village.objects.filter(township__county=world.county)
    with django_assert_num_queries(3):
        townships = education_projection(villages=villages, level="township")
    assert [(r.code, r.members, r.associate_projected) for r in townships] == [
        (world.township_a.code, 1, 1),
        (world.township_b.code, 1, 1),
    ]
    [county] = education_projection(villages=villages, level="county")
    total = combined_projection(townships)
    assert (county.members, county.associate_projected) == (total.members, total.associate_projected) == (2, 2)


def test_programmes_keep_the_course_under_way_in_step(world):
    person = f.PersonFactory(home_village=world.village_a, education=Education.HIGH_SCHOOL)
    studying = programme(person, graduates_on=dt.date(2027, 7, 1))
    person.refresh_from_db()
    assert person.education_in_progress == Education.ASSOCIATE
    end_programme(programme=studying, status="graduated", on=TODAY)
    person.refresh_from_db()
    assert (person.education_in_progress, person.education_in_service) == ("", Education.ASSOCIATE)
    with pytest.raises(ProgrammeRefused, match="预计毕业日期不能早于入学日期"):
        programme(person, graduates_on=dt.date(2024, 1, 1))


def test_a_student_is_printed_with_the_course_not_as_plain_junior_high(world):
    student = member(world.village_a, education=Education.JUNIOR_HIGH, name="在读生", post=Post.PARTY_SECRETARY)
    student.education_in_progress = Education.ASSOCIATE
    student.save()
    report = village_report(village=world.village_a)
    [row] = [r for r in report.committee if r.name == "在读生"]
    # The committee's 学历低 flag counts degrees held, so the table says what is held and what is under way.
    assert row.education == "初中（大学专科在读）"


def test_programme_form_on_the_reserve_page(world, client_a, client_b):
    person = f.PersonFactory(
        home_village=world.village_a, birth_date=dt.date(1996, 1, 1), education=Education.HIGH_SCHOOL
    )
    reserve = f.ReserveFactory(person=person)
    url = reverse("reserves:programme_add", args=[reserve.pk])
    body = {
        "institution": "四川开放大学巴中分部",
        "major": "农村行政管理",
        "level": "associate",
        "enrolled_on": "2025-03-01",
        "expected_graduation_on": "2027-07-01",
        "funding_note": "县财政补助70%，服务期5年",
    }
    assert client_b.post(url, body).status_code == 404
    response = client_a.post(url, body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "服务期5年".encode() in response.content
    person.refresh_from_db()
    assert person.education_in_progress == Education.ASSOCIATE
    students = client_a.get(reverse("reserves:pool", args=["township", world.township_a.code]))
    assert students.status_code == 200
