"""Entering election results on the web grid (reserves/result_forms.py, reserves/views/elections.py): any number of
winners, seats pre-filled, blank rows ignored, errors on their row and field, a refused entry leaves nothing behind.

Posts are built the way a browser posts the page: every row of the rendered grid is sent with its pre-selected
职务 (and 村) whether the user touched it or not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reserves.models import Election, ElectionResult
from tests import factories as f
from tests.review_support import reviewed
from villages.choices import Post
from villages.models import PostAssignment

HTMX = {"HTTP_HX_REQUEST": "true"}
HELD_ON = "2026-11-15"
# The current committee of 青龙村, deliberately created out of post order.
COMMITTEE = [
    Post.CLERK,
    Post.COMMITTEE_MEMBER,
    Post.PARTY_SECRETARY,
    Post.DEPUTY_DIRECTOR,
    Post.PARTY_MEMBER,
    Post.DIRECTOR,
    Post.COMMITTEE_MEMBER,
    Post.PARTY_DEPUTY_SECRETARY,
]
SEATS_IN_POST_ORDER = [
    Post.PARTY_SECRETARY,
    Post.PARTY_DEPUTY_SECRETARY,
    Post.PARTY_MEMBER,
    Post.DIRECTOR,
    Post.DEPUTY_DIRECTOR,
    Post.COMMITTEE_MEMBER,
    Post.COMMITTEE_MEMBER,
    Post.CLERK,
]
# Posts for 17 winners: single seats once, the rest member seats.
SEVENTEEN = (
    [Post.PARTY_SECRETARY, Post.DIRECTOR, Post.CLERK, Post.SUPERVISION_DIRECTOR]
    + [Post.PARTY_MEMBER] * 6
    + [Post.COMMITTEE_MEMBER] * 7
)


@pytest.fixture
def committee(world):
    for post in COMMITTEE:
        f.PostAssignmentFactory(person__home_village=world.village_a, post=post, start_on=dt.date(2021, 3, 1))
    return world.village_a


def newcomers(village, count: int) -> list:
    """Party members of the village who passed this round's qualification review (未经联审不得任职)."""
    people = [
        f.PersonFactory.create(home_village=village, name=f"新{village.name[:1]}{i}", political_status="cpc_member")
        for i in range(count)
    ]
    reviewed(*people, on=dt.date.fromisoformat(HELD_ON))
    return people


def as_browser_posts(response, fill: dict[int, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """What a browser posts for the rendered grid: every row with its pre-filled values, then `fill` (row → typed)."""
    formset = response.context["formset"]
    management = formset.management_form
    data = {management.add_prefix(name): value for name, value in management.initial.items()}
    for index, form in enumerate(formset.forms):
        for name in form.fields:
            data[form.add_prefix(name)] = form.initial.get(name) or ""
        data |= {form.add_prefix(name): value for name, value in fill.get(index, {}).items()}
    return data | extra


def village_url(world) -> str:
    return reverse("reserves:village_elections", args=[world.village_a.code])


def test_village_grid_is_prefilled_with_the_seats_in_post_order_and_blank_rows(client_a, world, committee):
    formset = client_a.get(village_url(world)).context["formset"]
    posts = [form.initial.get("post", "") for form in formset.forms]
    assert posts == [*SEATS_IN_POST_ORDER, "", "", ""]
    html = client_a.get(village_url(world)).content.decode()
    assert '<option value="" selected>请选择</option>' in html


@pytest.mark.parametrize("count", [1, 2, 7, 17])
def test_village_entry_records_any_number_of_winners(client_a, world, committee, count):
    people = newcomers(world.village_a, count)
    page = client_a.get(village_url(world), {"rows": 20} if count > 11 else {})
    posts = SEVENTEEN if count > 11 else SEATS_IN_POST_ORDER
    fill = {i: {"person": person.name, "post": posts[i]} for i, person in enumerate(people)}
    response = client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON, term="第十二届"))
    assert response.status_code == 302, response.context["formset"].summary()
    election = Election.objects.get(village=world.village_a)
    assert (election.held_on, election.term, election.results.count()) == (dt.date(2026, 11, 15), "第十二届", count)
    assert set(election.results.values_list("person", flat=True)) == {p.pk for p in people}


def test_untouched_seats_are_ignored_and_only_the_refilled_posts_end(client_a, world, committee):
    secretary, director = newcomers(world.village_a, 2)
    page = client_a.get(village_url(world))
    fill = {0: {"person": secretary.id_number, "votes": "812"}, 3: {"person": director.name}}
    response = client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 302
    results = ElectionResult.objects.order_by("post")
    assert [(r.person, r.post, r.votes) for r in results] == [
        (director, Post.DIRECTOR, None),
        (secretary, Post.PARTY_SECRETARY, 812),
    ]
    still_current = PostAssignment.objects.filter(start_on=dt.date(2021, 3, 1), end_on__isnull=True)
    assert sorted(still_current.values_list("post", flat=True)) == sorted(
        p for p in COMMITTEE if p not in (Post.PARTY_SECRETARY, Post.DIRECTOR)
    )


def test_a_grid_with_no_winner_is_refused_with_a_message_and_writes_nothing(client_a, world, committee):
    page = client_a.get(village_url(world))
    response = client_a.post(village_url(world), as_browser_posts(page, {}, held_on=HELD_ON))
    assert response.status_code == 400
    assert "请至少填写一名当选人" in response.content.decode()
    assert not Election.objects.exists()


def test_a_person_without_a_post_is_an_error_on_that_row(client_a, world, committee):
    winner, forgotten = newcomers(world.village_a, 2)
    page = client_a.get(village_url(world))
    fill = {0: {"person": winner.name}, 9: {"person": forgotten.name}}
    response = client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 400
    formset = response.context["formset"]
    assert formset.forms[9].errors == {"post": ["请选择职务"]}
    assert "第10行职务：请选择职务" in response.content.decode()
    assert not Election.objects.exists() and not ElectionResult.objects.exists()


def test_votes_without_a_person_are_not_dropped_silently(client_a, world, committee):
    (winner,) = newcomers(world.village_a, 1)
    page = client_a.get(village_url(world))
    fill = {0: {"person": winner.name}, 1: {"votes": "300"}}
    response = client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 400
    assert "第2行得票：填写了得票但没有当选人" in response.content.decode()


def test_an_entry_the_domain_refuses_leaves_no_election_and_no_post_changes(client_a, world, committee):
    first, second = newcomers(world.village_a, 2)
    page = client_a.get(village_url(world))
    fill = {0: {"person": first.name}, 1: {"person": second.name, "post": Post.PARTY_SECRETARY}}
    response = client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 400
    # The one seat rule (villages.roster.invariants.seat_refusal) answers, as it does for every entry path.
    refusal = f"本村书记已由{first.name}担任（{HELD_ON}起），同一时间只能一人担任"
    assert f"第2行职务：{refusal}" in response.content.decode()
    assert response.context["formset"].forms[1].errors["post"][0].startswith(refusal)
    assert not Election.objects.exists()
    assert not PostAssignment.objects.filter(end_on__isnull=False).exists()
    assert PostAssignment.objects.count() == len(COMMITTEE)


def test_a_person_outside_the_township_is_an_error_on_that_row(client_a, world, committee):
    (first,) = newcomers(world.village_a, 1)
    outsider = f.PersonFactory(home_village=world.village_b, name="外乡人", political_status="cpc_member")
    page = client_a.get(village_url(world))
    fill = {0: {"person": first.name}, 3: {"person": outsider.id_number}}
    response = client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 400
    assert "第4行当选人：本乡镇花名册中没有此身份证号码的人员" in response.content.decode()
    assert not Election.objects.exists()


def test_a_future_election_date_is_refused(client_a, world, committee):
    (winner,) = newcomers(world.village_a, 1)
    page = client_a.get(village_url(world))
    response = client_a.post(
        village_url(world), as_browser_posts(page, {0: {"person": winner.name}}, held_on="2099-01-01")
    )
    assert response.status_code == 400
    assert "换届日期不能晚于今天" in response.content.decode()
    assert not Election.objects.exists()


def test_a_name_shared_in_the_township_resolves_to_the_one_living_in_the_village(client_a, world, committee):
    second_village = f.VillageFactory(township=world.township_a, code="511902100202", name="白马村")
    local = f.PersonFactory(home_village=world.village_a, name="同名", political_status="cpc_member")
    reviewed(local, on=dt.date.fromisoformat(HELD_ON))
    f.PersonFactory(home_village=second_village, name="同名", political_status="cpc_member")
    page = client_a.get(village_url(world))
    response = client_a.post(village_url(world), as_browser_posts(page, {0: {"person": "同名"}}, held_on=HELD_ON))
    assert response.status_code == 302
    assert ElectionResult.objects.get().person == local


def test_add_row_with_htmx_returns_only_the_new_row_and_the_new_count(client_a, world, committee):
    response = client_a.get(village_url(world), {"rows": 12}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="result-row-12"' in html and 'name="form-11-person"' in html
    assert 'name="form-TOTAL_FORMS" value="12"' in html and 'hx-swap-oob="true"' in html
    assert 'href="?rows=13"' in html


def test_add_row_without_htmx_reloads_the_page_with_more_rows(client_a, world, committee):
    response = client_a.get(village_url(world), {"rows": 15})
    assert len(response.context["formset"].forms) == 15
    assert "<html" in response.content.decode()


def test_results_are_listed_in_post_order(client_a, world, committee):
    clerk, secretary, member = newcomers(world.village_a, 3)
    page = client_a.get(village_url(world))
    fill = {
        10: {"person": clerk.name, "post": Post.CLERK},
        9: {"person": member.name, "post": Post.COMMITTEE_MEMBER},
        8: {"person": secretary.name, "post": Post.PARTY_SECRETARY},
    }
    client_a.post(village_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    html = client_a.get(village_url(world)).content.decode()
    listed = html.split("2026-11-15")[1]
    assert listed.index(secretary.name) < listed.index(member.name) < listed.index(clerk.name)


@pytest.mark.parametrize(
    ("persona", "get", "post"),
    [("client_a", 200, 302), ("client_b", 404, 404), ("client_county", 200, 302), ("client_city", 200, 302)],
)
def test_who_may_enter_a_villages_results(request, world, committee, persona, get, post):
    client: Client = request.getfixturevalue(persona)
    (winner,) = newcomers(world.village_a, 1)
    page = client.get(village_url(world))
    assert page.status_code == get
    if get == 200:
        data = as_browser_posts(page, {0: {"person": winner.name}}, held_on=HELD_ON)
    else:
        data = {"held_on": HELD_ON, "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 0, "form-0-person": winner.name}
    assert client.post(village_url(world), data).status_code == post


def test_a_registered_election_gets_the_same_grid(client_a, world, committee):
    election = f.ElectionFactory(village=world.village_a, held_on=dt.date(2026, 11, 1))
    (winner,) = newcomers(world.village_a, 1)
    url = reverse("reserves:election_results", args=[election.pk])
    page = client_a.get(url)
    assert [form.initial.get("post", "") for form in page.context["formset"].forms][:2] == SEATS_IN_POST_ORDER[:2]
    assert client_a.post(url, as_browser_posts(page, {0: {"person": winner.name}})).status_code == 302
    assert election.results.get().post == Post.PARTY_SECRETARY


# --- the township's one screen ----------------------------------------------------------------------------------


@pytest.fixture
def two_villages(world, committee):
    second = f.VillageFactory(township=world.township_a, code="511902100202", name="白马村")
    f.PostAssignmentFactory(person__home_village=second, post=Post.PARTY_SECRETARY)
    f.PostAssignmentFactory(person__home_village=second, post=Post.DIRECTOR)
    return world.village_a, second


def township_url(world) -> str:
    return reverse("reserves:township_results", args=[world.township_a.code])


def test_township_grid_lists_each_villages_seats(client_county, world, two_villages):
    first, second = two_villages
    forms = client_county.get(township_url(world)).context["formset"].forms
    seats = [(form.initial.get("village", ""), form.initial.get("post", "")) for form in forms]
    assert seats == [
        *((str(first.pk), post) for post in SEATS_IN_POST_ORDER),
        (str(second.pk), Post.PARTY_SECRETARY),
        (str(second.pk), Post.DIRECTOR),
        ("", ""),
        ("", ""),
        ("", ""),
    ]


@pytest.mark.parametrize("count", [2, 7, 17])
def test_township_entry_records_any_number_of_winners(client_county, world, two_villages, count):
    first, second = two_villages
    in_first, in_second = newcomers(first, count - 2), newcomers(second, 2)
    page = client_county.get(township_url(world), {"rows": 30})
    first_rows = [index for index in range(30) if index not in (8, 9)]  # rows 9 and 10 are 白马村's seats
    fill = {
        index: {"person": person.id_number, "post": SEVENTEEN[n], "village": str(first.pk)}
        for n, (index, person) in enumerate(zip(first_rows, in_first, strict=False))
    }
    fill |= {8: {"person": in_second[0].name}, 9: {"person": in_second[1].name}}
    response = client_county.post(township_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 302, response.context["formset"].summary()
    assert ElectionResult.objects.count() == count
    assert Election.objects.get(village=second).results.count() == 2
    assert Election.objects.filter(village=first).exists() == (count > 2)


def test_township_errors_name_the_row_and_the_village_and_nothing_is_written(client_county, world, two_villages):
    first, _ = two_villages
    (winner,) = newcomers(first, 1)
    page = client_county.get(township_url(world))
    fill = {0: {"person": winner.name}, 8: {"person": "查无此人"}, 11: {"person": winner.name, "post": Post.CLERK}}
    response = client_county.post(township_url(world), as_browser_posts(page, fill, held_on=HELD_ON))
    assert response.status_code == 400
    summary = response.context["formset"].summary()
    assert "第9行（白马村）当选人：本乡镇花名册中没有“查无此人”，请核对姓名或填写身份证号码" in summary
    assert "第12行村：请选择村" in summary
    assert "该字段是必填项" not in response.content.decode()
    assert not Election.objects.exists()


def test_township_entry_is_for_those_who_record_elections(client_b, client_a, world, two_villages):
    assert client_b.get(township_url(world)).status_code == 404
    assert client_a.get(township_url(world)).status_code == 200


def test_township_grid_query_count_does_not_grow_with_villages(
    client_county, world, two_villages, django_assert_num_queries
):
    with django_assert_num_queries(6) as small:
        client_county.get(township_url(world))
    for n in range(5):
        village = f.VillageFactory(township=world.township_a, code=f"51190210030{n}")
        for post in SEATS_IN_POST_ORDER:
            f.PostAssignmentFactory(person__home_village=village, post=post)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client_county.get(township_url(world)).context["formset"].forms) == 10 + 5 * 8 + 3
