"""The data version (villages/data_version.py): every committed write raises it, so an aggregate cached under it is
never served after a write its reader could have seen. Transactional tests: the raise runs on commit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from villages import data_version
from villages.choices import Post
from villages.models import IdNumberView, Person

MEMBERS = re.compile(r"两委成员</span><span class=\"stat\">(\d+)人")


def members_on_dashboard(client) -> int:
    match = MEMBERS.search(client.get(reverse("dashboards:dashboard")).content.decode())
    assert match, "no 两委成员 card on the dashboard"
    return int(match.group(1))


@pytest.mark.django_db(transaction=True)
def test_every_way_of_writing_data_raises_the_version(world):
    person = f.PersonFactory.create(home_village=world.village_a)
    seen = [data_version.current()]

    def raised() -> bool:
        seen.append(data_version.current())
        return seen[-1] != seen[-2]

    person.phone = "13800000000"
    person.save()
    assert raised(), "a model save"
    Person.objects.filter(pk=person.pk).update(notes="批量")
    assert raised(), "QuerySet.update (no signals)"
    f.PostAssignmentFactory.create(village=world.village_a, person=person, post=Post.COMMITTEE_MEMBER)
    assert raised(), "a create"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Person._meta.db_table} SET notes = %s WHERE id = %s", ["原始 SQL", person.pk])
    assert raised(), "raw SQL through Django's cursor"
    person.posts.all().delete()
    assert raised(), "a delete"


@pytest.mark.django_db(transaction=True)
def test_bookkeeping_writes_leave_the_version_alone(world, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a)
    before = data_version.current()
    SessionStore().create()  # a login
    IdNumberView.objects.create(person=person, viewed_by=secretary_a, context="person_page")  # a read, logged
    assert data_version.current() == before


@pytest.mark.django_db(transaction=True)
def test_a_transaction_raises_it_once_on_commit_and_a_rollback_not_at_all(world):
    before = data_version.current()
    with transaction.atomic():
        for n in range(3):
            f.PersonFactory.create(home_village=world.village_a, notes=str(n))
        assert data_version.wrote_uncommitted()
        assert data_version.current() == before, "raised before the commit"
    after_commit = data_version.current()
    assert after_commit != before
    assert not data_version.wrote_uncommitted()
    with pytest.raises(RuntimeError), transaction.atomic():
        f.PersonFactory.create(home_village=world.village_a)
        raise RuntimeError("refused")
    assert data_version.current() == after_commit


@pytest.mark.django_db(transaction=True)
def test_cached_values_are_kept_until_the_next_write_and_recomputed_inside_a_writing_transaction(world):
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return Person.objects.count()

    assert data_version.cached("count", ("t",), compute) == 0
    assert data_version.cached("count", ("t",), compute) == 0
    assert len(calls) == 1, "the second read came from the cache"
    with transaction.atomic():
        f.PersonFactory.create(home_village=world.village_a)
        # This transaction's own row is in no cached entry: computed, not read from the cache.
        assert data_version.cached("count", ("t",), compute) == 1
    assert data_version.cached("count", ("t",), compute) == 1
    assert data_version.cached("count", ("other",), compute) == 1  # parts are part of the key
    assert len(calls) == 4


JUNIOR = re.compile(r"初中及以下</span><span class=\"stat\">[^<]*</span>\s*<span class=\"muted\">(\d+)/")


@pytest.mark.django_db(transaction=True)
def test_a_write_is_on_the_dashboard_at_the_next_request(world, client_county, client_a):
    people = [
        f.PostAssignmentFactory.create(village=world.village_a, post=Post.COMMITTEE_MEMBER, group=None).person
        for _ in range(2)
    ]
    Person.objects.filter(pk__in=[p.pk for p in people]).update(education="high_school", education_in_service="")
    with CaptureQueriesContext(connection) as first:
        assert members_on_dashboard(client_county) == 2
    with CaptureQueriesContext(connection) as again:
        page = client_county.get(reverse("dashboards:dashboard")).content.decode()
    assert len(again.captured_queries) < len(first.captured_queries), "the repeated look came from the cache"
    assert JUNIOR.search(page).group(1) == "0"

    # A township secretary corrects an education in the API; the county's next look shows it.
    person = Person.objects.get(pk=people[0].pk)
    body = {"education": "junior_high", "version": person.version}
    assert client_a.patch(f"/api/v1/people/{person.pk}/", body, content_type="application/json").status_code == 200
    page = client_county.get(reverse("dashboards:dashboard")).content.decode()
    assert JUNIOR.search(page).group(1) == "1"

    # A post ended: one member fewer at once.
    post = people[1].posts.get()
    post.end_on = dt.date(2022, 1, 1)
    post.save()
    assert members_on_dashboard(client_county) == 1
