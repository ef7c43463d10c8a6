"""Roster pages follow the scope: outsiders 404, read-only users 403, anonymous → login."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.roster_data import make_roster
from villages.choices import Grade, How

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster_a(world):
    return make_roster(world.village_a)


def read_urls(world, roster) -> list[str]:
    return [
        reverse("villages:township", args=[world.township_a.code]),
        reverse("villages:village", args=[world.village_a.code]),
        reverse("villages:person", args=[roster.secretary.pk]),
    ]


def write_requests(world, roster) -> list[tuple[str, dict]]:
    post = roster.secretary_post
    return [
        (reverse("villages:post_add", args=[world.village_a.code]), {"person": roster.secretary.pk, "post": "clerk"}),
        (reverse("villages:post_edit", args=[post.pk]), {"how": How.APPOINTED, "version": 1}),
        (reverse("villages:post_end", args=[post.pk]), {"end_on": "2026-11-01", "end_reason": "x", "version": 1}),
        (reverse("villages:person_edit", args=[roster.secretary.pk]), {"name": "改名", "version": 1}),
        (reverse("villages:assessment_add", args=[roster.secretary.pk]), {"year": 2025, "grade": Grade.EXCELLENT}),
    ]


def test_anonymous_is_sent_to_login(client, world, roster_a):
    for url in [*read_urls(world, roster_a), reverse("villages:people"), reverse("villages:counties")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_township_secretary_reads_own_township(client_a, world, roster_a):
    for url in read_urls(world, roster_a):
        assert client_a.get(url).status_code == 200, url


def test_township_secretary_cannot_read_other_township(client_b, world, roster_a):
    for url in read_urls(world, roster_a):
        assert client_b.get(url).status_code == 404, url
    assert client_b.get(reverse("villages:post_edit", args=[roster_a.secretary_post.pk])).status_code == 404


def test_township_secretary_cannot_write_other_township(client_b, world, roster_a):
    for url, data in write_requests(world, roster_a):
        assert client_b.post(url, data).status_code == 404, url
    roster_a.secretary.refresh_from_db()
    assert roster_a.secretary.name != "改名"
    assert roster_a.secretary.assessments.count() == 0


def test_county_staff_reads_whole_county_but_cannot_edit(client_county, world, roster_a):
    for url in read_urls(world, roster_a):
        assert client_county.get(url).status_code == 200, url
    assert client_county.get(reverse("villages:county", args=[world.county.code])).status_code == 200
    for url, data in write_requests(world, roster_a):
        assert client_county.post(url, data).status_code == 403, url
        assert client_county.get(url).status_code == 403, url
    assert client_county.get(reverse("villages:person_new")).status_code == 403


def test_county_staff_cannot_see_other_county(client_county, world):
    assert client_county.get(reverse("villages:village", args=[world.village_other_county.code])).status_code == 404
    assert client_county.get(reverse("villages:county", args=[world.other_county.code])).status_code == 404


def test_city_admin_reads_everything_but_cannot_edit_rosters(client_city, world, roster_a):
    for url in [*read_urls(world, roster_a), reverse("villages:counties")]:
        assert client_city.get(url).status_code == 200, url
    url, data = write_requests(world, roster_a)[3]
    assert client_city.post(url, data).status_code == 403


def test_people_list_shows_only_scoped_people(client_b, client_county, world, roster_a):
    assert roster_a.secretary.name not in client_b.get(reverse("villages:people")).content.decode()
    assert roster_a.secretary.name in client_county.get(reverse("villages:people")).content.decode()


def test_secretary_b_cannot_appoint_a_person_of_township_a(client_b, world, roster_a):
    from tests import factories as f

    f.GroupFactory(village=world.village_b, number=1)
    url = reverse("villages:post_add", args=[world.village_b.code])
    response = client_b.post(url, {"person": roster_a.secretary.pk, "post": "clerk", "how": How.ELECTED})
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert roster_a.secretary.name not in response.content.decode()  # the foreign pk puts no name on the page
    assert not world.village_b.posts.exists()


def test_person_page_hides_posts_held_outside_the_scope(client_a, client_b, world, roster_a):
    from tests import factories as f

    person = roster_a.members[0]  # home village in township A, also a clerk in township B's village
    f.PostAssignmentFactory(person=person, village=world.village_b, post="clerk")
    html_a = client_a.get(reverse("villages:person", args=[person.pk])).content.decode()
    assert world.village_b.name not in html_a  # neither in the posts table nor in the history
    html_b = client_b.get(reverse("villages:person", args=[person.pk])).content.decode()
    assert world.village_b.name in html_b
