"""The audit trail: roster changes and whole-ID views, scoped, filterable, masked, constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from villages.models import IdNumberView, Person, User

pytestmark = pytest.mark.django_db
URL = reverse("villages:audit")


def save_as(obj, user: User, **changes) -> None:
    """Save a change as if `user` made it in a request (HistoryRequestMiddleware sets the same attribute)."""
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._history_user = user
    obj.save()


@pytest.fixture
def changes(world, secretary_a, secretary_b):
    """Township A: a person renamed, their ID corrected, a post added, an ID view; township B: one edit."""
    person = f.PersonFactory(home_village=world.village_a, name="张三")
    old_id = person.id_number
    save_as(person, secretary_a, name="张四")
    new_id = f.make_id_number(person.birth_date, seq=77)
    save_as(person, secretary_a, id_number=new_id)
    f.PostAssignmentFactory(person=person, village=world.village_a, post="clerk")
    IdNumberView.objects.create(person=person, viewed_by=secretary_a, context="person_page")
    other = f.PersonFactory(home_village=world.village_b, name="白鹤人", birth_date=dt.date(1981, 2, 3))
    save_as(other, secretary_b, phone="13800000000")
    far = f.PersonFactory(home_village=world.village_other_county, name="外县人", birth_date=dt.date(1982, 3, 4))
    save_as(far, f.TownshipSecretaryFactory(), phone="13900000000")
    return {"person": person, "old_id": old_id, "new_id": new_id}


def test_county_staff_see_who_changed_what_with_chinese_labels(client_county, changes):
    html = client_county.get(URL).content.decode()

    assert "姓名：张三 → 张四" in html
    assert "联系电话：— → 13800000000" in html
    assert "sec_a" in html and "sec_b" in html
    assert "任职" in html and "村文书" in html
    assert "外县人" not in html


def test_id_numbers_are_masked_in_the_diff(client_county, changes):
    html = client_county.get(URL).content.decode()

    assert changes["old_id"] not in html and changes["new_id"] not in html
    assert "公民身份号码" in html
    assert changes["new_id"][:4] + "*" * 10 + changes["new_id"][-4:] in html


def test_id_number_views_are_listed(client_county, changes):
    html = client_county.get(URL, {"kind": "id_view"}).content.decode()

    assert "查看身份证号" in html
    assert "张四（青龙村）的完整身份证号" in html
    assert "人员页面" in html and "person_page" not in html
    assert "姓名：" not in html  # only ID views with this filter


def test_deletion_and_restore_are_named(client_county, world, secretary_a, county_staff):
    person = f.PersonFactory(home_village=world.village_a, name="误删人")
    person._history_user = secretary_a
    person.soft_delete(by=secretary_a)
    person._history_user = county_staff
    person.restore()

    html = client_county.get(URL, {"kind": "person"}).content.decode()

    assert '<td data-label="操作">删除</td>' in html
    assert '<td data-label="操作">恢复</td>' in html


def test_township_secretary_sees_only_their_township(client_a, client_b, changes):
    html_a = client_a.get(URL).content.decode()
    html_b = client_b.get(URL).content.decode()

    assert "张四" in html_a and "白鹤人" not in html_a
    assert "白鹤人" in html_b and "张四" not in html_b


def test_city_admin_sees_every_county(client_city, changes):
    html = client_city.get(URL).content.decode()
    assert "外县人" in html and "张四" in html


def test_filter_by_township_village_actor_and_kind(client_county, changes, world):
    by_township = client_county.get(URL, {"township": world.township_b.code}).content.decode()
    assert "白鹤人" in by_township and "张四" not in by_township

    by_village = client_county.get(
        URL, {"township": world.township_a.code, "village": world.village_a.code}
    ).content.decode()
    assert "张四" in by_village and "白鹤人" not in by_village

    by_actor = client_county.get(URL, {"actor": "sec_b"}).content.decode()
    assert "白鹤人" in by_actor and "张三 → 张四" not in by_actor

    posts_only = client_county.get(URL, {"kind": "post"}).content.decode()
    assert "村文书" in posts_only and "姓名：张三" not in posts_only


def test_filter_by_date_range(client_county, changes):
    today = timezone.localdate()
    assert "张四" in client_county.get(URL, {"since": today, "until": today}).content.decode()
    yesterday = today - dt.timedelta(days=1)
    html = client_county.get(URL, {"until": yesterday}).content.decode()
    assert "没有符合条件的记录" in html


def test_filter_outside_scope_is_an_error_not_a_leak(client_a, changes, world):
    html = client_a.get(URL, {"township": world.township_b.code}).content.decode()
    assert "白鹤人" not in html
    assert "errorlist" in html


def test_newest_first_and_paginated(client_county, world, secretary_a):
    person = f.PersonFactory(home_village=world.village_a, name="甲")
    for n in range(55):
        save_as(person, secretary_a, phone=f"1380000{n:04d}")

    first = client_county.get(URL).content.decode()
    assert "13800000054" in first and "第 1/2 页" in first
    second = client_county.get(URL, {"page": 2}).content.decode()
    assert "13800000000" in second


def test_htmx_request_gets_only_the_results(client_county, changes):
    response = client_county.get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="audit-results">')
    assert "<form" not in html


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_query_count_does_not_grow_with_rows(client_county, world, secretary_a, django_assert_max_num_queries):
    def make(n: int) -> None:
        for _ in range(n):
            person = f.PersonFactory.create(home_village=world.village_a)
            save_as(person, secretary_a, phone="13700000000")
            f.PostAssignmentFactory(person=person, village=world.village_a)
            f.AssessmentFactory(person=person)
            f.ReserveFactory(person=f.PersonFactory(home_village=world.village_a))
            IdNumberView.objects.create(person=person, viewed_by=secretary_a)
        save_as(world.village_a, secretary_a, party_member_count=31 + n)

    make(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client_county.get(URL)
    make(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_county.get(URL)
    assert Person.objects.count() > 30
