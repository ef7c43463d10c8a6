"""Annual assessments (年度考核) can be corrected and deleted: versioned, in the change history, with messages;
only the township's secretary may, others in scope 403, outsiders 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from villages.choices import Grade
from villages.models import Assessment
from villages.roster.history import person_history

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def wrong(world, secretary_a):
    person = f.PersonFactory(home_village=world.village_a, name="考核人")
    f.PostAssignmentFactory(person=person)
    assessment = f.AssessmentFactory(person=person, year=2024, grade=Grade.BASICALLY_COMPETENT)
    f.AssessmentFactory(person=person, year=2025, grade=Grade.COMPETENT)
    return assessment


@pytest.mark.parametrize(("persona", "code"), [("client_a", 200), ("client_b", 404), ("client_county", 403)])
def test_who_may_open_the_correction_and_deletion(request, wrong, persona, code):
    client: Client = request.getfixturevalue(persona)
    for name in ("villages:assessment_edit", "villages:assessment_delete"):
        assert client.get(reverse(name, args=[wrong.pk])).status_code == code


@pytest.mark.parametrize(("persona", "code"), [("client_b", 404), ("client_county", 403)])
def test_others_cannot_correct_or_delete(request, wrong, persona, code):
    client: Client = request.getfixturevalue(persona)
    edit = {"year": 2024, "grade": Grade.EXCELLENT, "version": 1}
    assert client.post(reverse("villages:assessment_edit", args=[wrong.pk]), edit).status_code == code
    assert client.post(reverse("villages:assessment_delete", args=[wrong.pk]), {"version": 1}).status_code == code
    wrong.refresh_from_db()
    assert (wrong.grade, wrong.version) == (Grade.BASICALLY_COMPETENT, 1)


def test_person_page_offers_correct_and_delete_links_to_the_secretary(client_a, client_county, wrong):
    url = reverse("villages:person", args=[wrong.person_id])
    assert reverse("villages:assessment_edit", args=[wrong.pk]) in client_a.get(url).content.decode()
    assert reverse("villages:assessment_edit", args=[wrong.pk]) not in client_county.get(url).content.decode()


def test_correct_a_grade_with_history_and_message(client_a, secretary_a, wrong):
    url = reverse("villages:assessment_edit", args=[wrong.pk])
    form = client_a.get(url, **HX).content.decode()
    assert "更正2024年度考核" in form and 'name="version"' in form
    data = {"year": 2024, "grade": Grade.EXCELLENT, "version": 1}
    html = client_a.post(url, data, **HX).content.decode()
    wrong.refresh_from_db()
    assert (wrong.grade, wrong.version) == (Grade.EXCELLENT, 2)
    assert "已更正考核人2024年度考核：优秀" in html and 'id="person"' in html
    entry = next(e for e in person_history(person=wrong.person, user=secretary_a) if "2024" in e.subject)
    assert entry.action == "修改" and any(c.old == "基本称职" and c.new == "优秀" for c in entry.changes)


def test_correcting_to_a_year_that_exists_is_refused_in_place(client_a, wrong):
    url = reverse("villages:assessment_edit", args=[wrong.pk])
    html = client_a.post(url, {"year": 2025, "grade": Grade.EXCELLENT, "version": 1}, **HX).content.decode()
    assert "2025年度已有考核结果（称职）" in html and "<html" not in html
    wrong.refresh_from_db()
    assert (wrong.year, wrong.grade) == (2024, Grade.BASICALLY_COMPETENT)


def test_a_stale_correction_is_refused(client_a, wrong):
    Assessment.objects.filter(pk=wrong.pk).update(version=2, grade=Grade.INCOMPETENT)
    url = reverse("villages:assessment_edit", args=[wrong.pk])
    html = client_a.post(url, {"year": 2024, "grade": Grade.EXCELLENT, "version": 1}, **HX).content.decode()
    assert "该记录已被他人修改" in html
    wrong.refresh_from_db()
    assert wrong.grade == Grade.INCOMPETENT


def test_delete_asks_first_then_deletes_with_history(client_a, secretary_a, wrong):
    url = reverse("villages:assessment_delete", args=[wrong.pk])
    confirm = client_a.get(url, **HX).content.decode()
    assert "确认删除" in confirm and "2024年度考核（基本称职）" in confirm
    assert Assessment.objects.filter(pk=wrong.pk).exists()
    html = client_a.post(url, {"version": 1}, **HX).content.decode()
    assert not Assessment.objects.filter(pk=wrong.pk).exists()
    assert "已删除考核人2024年度考核（基本称职）" in html
    entry = next(e for e in person_history(person=wrong.person, user=secretary_a) if "2024" in e.subject)
    assert entry.action == "删除" and entry.who.startswith(str(secretary_a))


def test_a_stale_delete_is_refused(client_a, wrong):
    Assessment.objects.filter(pk=wrong.pk).update(version=2)
    html = client_a.post(reverse("villages:assessment_delete", args=[wrong.pk]), {"version": 1}, **HX).content.decode()
    assert "该记录已被他人修改" in html and Assessment.objects.filter(pk=wrong.pk).exists()


def test_without_htmx_the_page_redirects_back_with_a_message(client_a, wrong):
    url = reverse("villages:assessment_edit", args=[wrong.pk])
    response = client_a.post(url, {"year": 2024, "grade": Grade.COMPETENT, "version": 1}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("villages:person", args=[wrong.person_id])
    assert "已更正考核人2024年度考核：称职" in response.content.decode()


def test_an_api_change_makes_an_open_correction_stale(client_a, wrong):
    """Every writer bumps the version: an API grade change, then a correction from a form opened before it."""
    person = wrong.person
    url = f"/api/v1/people/{person.pk}/"
    rows = {"assessments": [{"year": 2024, "grade": Grade.INCOMPETENT}]}
    assert client_a.patch(url, rows, content_type="application/json").status_code == 200
    wrong.refresh_from_db()
    assert (wrong.grade, wrong.version) == (Grade.INCOMPETENT, 2)
    edit = reverse("villages:assessment_edit", args=[wrong.pk])
    html = client_a.post(edit, {"year": 2024, "grade": Grade.EXCELLENT, "version": 1}, **HX).content.decode()
    assert "该记录已被他人修改" in html
