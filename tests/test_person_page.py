"""The person page shows every role (posts current, due to end and past; reserve entries; enrolments; slate
candidacies; election results) with direct edit links for the township's secretary only; the roster row's 编辑
reaches the person's fields; a 离任 date still ahead keeps the person on the roster, marked 拟离任."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reserves.models import ElectionResult, Slate, SlateCandidate
from tests import factories as f
from tests.test_roster_edit import person_data, row_edit_data
from villages.choices import Education, How, Post
from villages.headlines import village_roster
from villages.models import IdNumberView, Person, PostAssignment
from villages.roster import change_post
from villages.structure import committee_stats

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()
SOON = TODAY + dt.timedelta(days=20)


@pytest.fixture
def cadre(world, secretary_a):
    """张全能 of 青龙村: secretary now (leaving in 20 days), clerk before, reserve for director, trainee, on a
    slate, and elected in 2021."""
    person = f.PersonFactory(home_village=world.village_a, name="张全能", birth_date=dt.date(1990, 2, 2))
    current = f.PostAssignmentFactory(person=person, post=Post.PARTY_SECRETARY, start_on=dt.date(2021, 3, 15))
    change_post(assignment=current, changes={"end_on": SOON, "end_reason": "调任乡镇"}, by=None)
    f.PostAssignmentFactory(
        person=person, post=Post.CLERK, start_on=dt.date(2018, 1, 1), end_on=dt.date(2021, 3, 15), end_reason="换届"
    )
    f.ReserveFactory(person=person, village=world.village_a, target_post=Post.DIRECTOR)
    f.EnrollmentFactory(person=person, training_class__county=world.county, training_class__name="首批中期班")
    slate = Slate.objects.create(
        village=world.village_a, name="方案一", election_on=dt.date(2026, 12, 20), created_by=secretary_a
    )
    SlateCandidate.objects.create(slate=slate, post=Post.DIRECTOR, person=person)
    election = f.ElectionFactory(village=world.village_a, held_on=dt.date(2021, 3, 15))
    ElectionResult.objects.create(election=election, person=person, post=Post.PARTY_SECRETARY, votes=321)
    ElectionResult.objects.create(election=election, person=person, post=Post.CLERK, votes=300)
    return person


def page(client, person) -> str:
    return client.get(reverse("villages:person", args=[person.pk])).content.decode()


def test_the_person_page_lists_every_role(client_a, cadre):
    html = page(client_a, cadre)
    summary = html.split('id="person-roles"')[1].split("</p>")[0]
    roles = ("青龙村书记", "后备干部（青龙村，目标：村委会主任）", "专修班学员（结业）", "预备人选（青龙村村委会主任）")
    assert all(role in summary for role in roles)
    assert "村文书" not in summary  # a past post is history, not a role
    assert f"拟离任 {SOON:%Y-%m-%d}" in html and "2021-03-15" in html and "换届" in html
    assert "首批中期班" in html and "方案一" in html and "得票 321" in html
    results = html.split('id="person-elections"')[1]
    assert results.index("得票 321") < results.index("得票 300")  # results in post order: 书记 before 村文书


def test_secretary_gets_direct_edit_links_county_staff_none(client_a, client_county, cadre):
    current = cadre.posts.get(post=Post.PARTY_SECRETARY)
    reserve = cadre.reserves.get()
    html = page(client_a, cadre)
    assert reverse("villages:post_edit", args=[current.pk]) in html
    assert reverse("villages:post_end", args=[current.pk]) in html
    assert reverse("reserves:reserve_edit", args=[reserve.pk]) in html
    past = cadre.posts.get(post=Post.CLERK)
    assert reverse("villages:post_edit", args=[past.pk]) not in html  # a past post is not edited from here
    county = page(client_county, cadre)
    assert "张全能" in county and reverse("villages:post_edit", args=[current.pk]) not in county
    assert reverse("reserves:reserve_edit", args=[reserve.pk]) not in county
    assert reverse("reserves:reserve", args=[reserve.pk]) in county


def test_outsider_gets_404(client_b, cadre):
    assert client_b.get(reverse("villages:person", args=[cadre.pk])).status_code == 404


def test_roles_outside_the_users_scope_are_not_listed(client_a, world, cadre):
    other = f.VillageFactory(township=world.township_b, name="外乡村")
    f.PostAssignmentFactory(person=cadre, village=other, post=Post.COMMITTEE_MEMBER)
    assert "外乡村" not in page(client_a, cadre)


def test_person_page_query_count_does_not_grow_with_roles(client_a, world, cadre, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page(client_a, cadre)
    for year in (2010, 2013, 2016):
        f.PostAssignmentFactory(
            person=cadre, post=Post.COMMITTEE_MEMBER, start_on=dt.date(year, 1, 1), end_on=dt.date(year + 3, 1, 1)
        )
        f.EnrollmentFactory(person=cadre, training_class__county=world.county)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client_a, cadre)


# ---- the roster row's 编辑 reaches the person ----


def test_roster_row_edit_changes_the_holders_education_in_one_save(client_a, secretary_a, cadre):
    post = cadre.posts.get(post=Post.PARTY_SECRETARY)
    url = reverse("villages:post_edit", args=[post.pk])
    form = client_a.get(url, **HX).content.decode()
    assert 'name="person-education"' in form and 'name="person-birth_date"' in form and 'name="how"' in form
    assert IdNumberView.objects.filter(person=cadre, context="person_edit_form").count() == 1
    data = row_edit_data(post, how=How.ELECTED, **{"person-education": Education.ASSOCIATE})
    response = client_a.post(url, data, **HX)
    assert response["HX-Retarget"] == "#roster"
    cadre.refresh_from_db()
    post.refresh_from_db()
    assert cadre.education == Education.ASSOCIATE and cadre.version == 2
    assert post.version == 2  # the post's fields did not change: not saved, no history noise
    assert "已保存张全能（书记）的任职和人员信息" in response.content.decode()
    assert cadre.history.first().history_user == secretary_a


def test_roster_row_edit_is_all_or_nothing(client_a, cadre):
    post = cadre.posts.get(post=Post.PARTY_SECRETARY)
    url = reverse("villages:post_edit", args=[post.pk])
    data = row_edit_data(post, how=How.APPOINTED, **{"person-id_number": "123"})
    html = client_a.post(url, data, **HX).content.decode()
    post.refresh_from_db()
    assert post.how == How.ELECTED and post.version == 2 and 'name="person-id_number"' in html
    # Someone saves the person meanwhile: the whole save is refused, post included.
    data = row_edit_data(post, how=How.APPOINTED, **{"person-phone": "13800001111"})
    Person.objects.filter(pk=cadre.pk).update(version=5)
    html = client_a.post(url, data, **HX).content.decode()
    post.refresh_from_db()
    assert "该记录已被他人修改" in html and post.how == How.ELECTED and post.version == 2


def test_non_htmx_row_edit_redirects_to_the_village_with_a_message(client_a, world, cadre):
    post = cadre.posts.get(post=Post.PARTY_SECRETARY)
    response = client_a.post(reverse("villages:post_edit", args=[post.pk]), row_edit_data(post), follow=True)
    assert response.redirect_chain[-1][0] == reverse("villages:village", args=[world.village_a.code])
    assert "已保存张全能（书记）的任职和人员信息" in response.content.decode()


def test_person_edit_confirms_with_a_message(client_a, cadre):
    url = reverse("villages:person_edit", args=[cadre.pk])
    html = client_a.post(url, person_data(cadre, phone="13911112222"), **HX).content.decode()
    assert 'id="messages" aria-live="polite" hx-swap-oob="true"' in html and "已保存张全能的人员信息" in html


# ---- a 离任 date still ahead ----


def test_future_end_keeps_the_person_on_the_roster_until_the_date(client_a, world, cadre):
    post = cadre.posts.get(post=Post.PARTY_SECRETARY)
    html = client_a.get(reverse("villages:village", args=[world.village_a.code])).content.decode()
    row = html.split(f'id="post-{post.pk}"')[1].split("</tr>")[0]
    assert "张全能" in row and f"拟离任 {SOON:%Y-%m-%d}" in row
    assert [p.person for p in village_roster(village=world.village_a, on=TODAY).committee] == [cadre]
    assert village_roster(village=world.village_a, on=SOON).committee == []
    assert (
        committee_stats(villages=type(world.village_a).objects.filter(pk=world.village_a.pk))[
            world.village_a.pk
        ].members
        == 1
    )


def test_ending_a_post_in_the_future_says_so(client_a, world):
    person = f.PersonFactory(home_village=world.village_a, name="李将离")
    post = f.PostAssignmentFactory(person=person, post=Post.DIRECTOR)
    later = TODAY + dt.timedelta(days=40)
    url = reverse("villages:post_end", args=[post.pk])
    html = client_a.post(url, {"end_on": later.isoformat(), "end_reason": "辞职", "version": 1}, **HX).content.decode()
    roster, message = html.split('<div id="messages"')
    assert "李将离" in roster and f"拟离任 {later:%Y-%m-%d}" in roster
    assert f"拟于{later:%Y-%m-%d}离任" in message
    assert PostAssignment.objects.current(TODAY).filter(pk=post.pk).exists()


def test_a_dropped_enrolment_is_history_not_a_role(client_a, world):
    person = f.PersonFactory(home_village=world.village_a, name="退学人")
    f.EnrollmentFactory(person=person, training_class__county=world.county, status="dropped")
    html = page(client_a, person)
    assert "专修班学员" not in html.split('id="person-roles"')[1].split("</p>")[0]
    assert "退学" in html.split('id="person-training"')[1]
