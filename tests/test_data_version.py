"""The data version (villages/data_version.py): every committed write raises it, so an aggregate cached under it is
never served after a write its reader could have seen. Transactional tests: the raise runs on commit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reserves.models import NegativeRecord
from tests import factories as f
from villages import data_version
from villages import risk as risk_engine
from villages.choices import Education, Post
from villages.models import County, IdNumberView, Person, Risk, Village
from villages.risk import recompute_risks, signals_paused
from villages.roster import reach
from villages.roster.reach import reached
from villages.roster.writes import save_person

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


@pytest.mark.django_db(transaction=True)
def test_new_code_never_reads_a_figure_the_previous_code_computed(world, monkeypatch):
    """A deploy: the same data and parts, another code fingerprint (villages/release.py) -> computed again."""
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return Person.objects.count()

    data_version.cached("count", ("t",), compute)
    data_version.cached_many("each", [1, 2], ("t",), lambda keys: {k: k for k in keys})
    assert len(calls) == 1
    monkeypatch.setattr(data_version, "code_version", lambda: "a-new-release")
    data_version.cached("count", ("t",), compute)
    assert len(calls) == 2, "the figure of the previous code was served after a deploy"
    recomputed: list[int] = []
    data_version.cached_many("each", [1, 2], ("t",), lambda keys: recomputed.extend(keys) or {k: k for k in keys})
    assert recomputed == [1, 2]


def test_the_code_fingerprint_follows_every_code_file_and_nothing_else(tmp_path):
    from villages.release import source_digest

    app = tmp_path / "app"
    (app / "templates").mkdir(parents=True)
    (app / "rules.py").write_text("AGED = 60\n")
    (app / "templates" / "board.html").write_text("{{ n }}")
    (app / "notes.md").write_text("draft")
    first = source_digest([app])
    (app / "notes.md").write_text("another draft")  # not code
    assert source_digest([app]) == first
    (app / "rules.py").write_text("AGED = 55\n")
    changed_rule = source_digest([app])
    assert changed_rule != first
    (app / "templates" / "board.html").write_text("{{ n }} 人")
    assert source_digest([app]) != changed_rule
    (app / "templates" / "board.html").rename(app / "templates" / "board2.html")  # a renamed template
    assert source_digest([app]) not in {first, changed_rule}


def test_the_code_fingerprint_reads_the_project_apps_its_package_templates_and_translations():
    from villages.release import code_roots

    roots = code_roots()
    assert {"villages", "reserves", "tasks", "dashboards", "backend", "templates", "locale"} <= {p.name for p in roots}
    assert not any(p.name == "tests" or "site-packages" in p.parts for p in roots)


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


# Counties (villages/data_version.py `charged_to`): a write charged to some counties leaves the others' figures cached.


class Computed:
    """A cached figure of some counties that counts how often it was computed."""

    def __init__(self, name: str, counties: Any) -> None:
        self.name, self.counties, self.calls = name, counties, 0

    def read(self) -> int:
        def compute() -> int:
            self.calls += 1
            return Person.objects.count()

        return data_version.cached(self.name, (), compute, counties=self.counties)


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_one_county_keeps_the_other_countys_figures_and_renews_its_own(world, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a)
    here, there = Computed("here", [world.county.pk]), Computed("there", [world.other_county.pk])
    both = Computed("both", [world.county.pk, world.other_county.pk])
    for figure in (here, there, both):
        figure.read(), figure.read()
    assert (here.calls, there.calls, both.calls) == (1, 1, 1)
    everything = data_version.current()

    save_person(person=Person.objects.get(pk=person.pk), values={"phone": "13900000000"}, by=secretary_a)

    for figure in (here, there, both):
        figure.read()
    assert here.calls == 2, "the edited county's figure was served from before the edit"
    assert both.calls == 2, "a figure over both counties was served from before the edit"
    assert there.calls == 1, "the other county's figure was computed again"
    assert data_version.current() != everything, "figures not keyed by counties see every write"


@pytest.mark.django_db(transaction=True)
def test_a_figure_of_a_scope_read_as_a_subquery_renews_with_its_countys_writes_only(world, secretary_a):
    """`counties` as a QuerySet (a user's scope, any columns): its counters are read through a subquery."""
    person = f.PersonFactory.create(home_village=world.village_a)
    other = f.PersonFactory.create(home_village=world.village_other_county)
    here = Computed("scope-here", County.objects.filter(pk=world.county.pk))  # every column, ordered by code
    there = Computed("scope-there", County.objects.filter(pk=world.other_county.pk).values_list("pk", flat=True))
    here.read(), there.read(), here.read(), there.read()
    assert (here.calls, there.calls) == (1, 1)

    save_person(person=Person.objects.get(pk=person.pk), values={"phone": "13900000002"}, by=secretary_a)
    here.read(), there.read()
    assert (here.calls, there.calls) == (2, 1), "a scope's figure missed its county's write or saw another's"

    with data_version.charged_to([world.other_county.pk]):
        Person.objects.filter(pk=other.pk).update(notes="外县")
    here.read(), there.read()
    assert (here.calls, there.calls) == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_village_stamps_move_with_their_own_village_and_the_countys_wide_writes(world):
    villages = {world.village_a.pk: world.county.pk, world.village_b.pk: world.county.pk}
    before = data_version.village_stamps(villages)
    with data_version.charged_to([world.county.pk], villages=[world.village_a.pk]):
        Village.objects.filter(pk=world.village_a.pk).update(name="青龙新村")
    named = data_version.village_stamps(villages)
    assert named[world.village_a.pk] != before[world.village_a.pk]
    assert named[world.village_b.pk] == before[world.village_b.pk], "a write named for one village moved another"
    with data_version.charged_to([world.county.pk]):  # no villages named: every village of the county
        Village.objects.filter(pk=world.village_b.pk).update(name="白鹤新村")
    wide = data_version.village_stamps(villages)
    assert all(wide[pk] != named[pk] for pk in villages)
    assert data_version.village_stamps({}) == {}


@pytest.mark.django_db
def test_a_querysets_sql_is_compiled_once_and_anew_for_a_changed_query(world):
    people = Person.objects.filter(home_village=world.village_a)
    first = data_version.query_sql(people)
    assert data_version.query_sql(people) is first, "the same QuerySet was compiled twice"
    assert first == people.query.sql_with_params()
    narrower = people.filter(name="张三")
    assert data_version.query_sql(narrower) != first, "a filtered copy was keyed by its original's SQL"
    people.query = Person.objects.filter(home_village=world.village_b).query  # a query replaced in place
    assert data_version.query_sql(people) == people.query.sql_with_params() != first


@pytest.mark.django_db(transaction=True)
def test_a_write_charged_to_nobody_reaches_every_countys_figures(world):
    person = f.PersonFactory.create(home_village=world.village_a)
    there = Computed("there", [world.other_county.pk])
    there.read()
    Person.objects.filter(pk=person.pk).update(notes="批量")  # no write path vouched for its counties
    there.read()
    with transaction.atomic():  # one uncharged write makes the whole transaction uncharged
        with data_version.charged_to([world.county.pk]):
            Person.objects.filter(pk=person.pk).update(notes="有归属")
        Person.objects.filter(pk=person.pk).update(notes="无归属")
    there.read()
    assert there.calls == 3


@pytest.mark.django_db(transaction=True)
def test_a_person_with_a_post_in_another_county_is_charged_to_both(world, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a)
    f.PostAssignmentFactory.create(village=world.village_other_county, person=person, post=Post.COMMITTEE_MEMBER)
    assert reached([person.pk]).counties == {world.county.pk, world.other_county.pk}
    there = Computed("there", [world.other_county.pk])
    there.read()
    save_person(person=Person.objects.get(pk=person.pk), values={"phone": "13900000001"}, by=secretary_a)
    there.read()
    assert there.calls == 2
    # Moving a person's home charges the new home's county too.
    assert reached([], home_village_ids=[world.village_other_county.pk]).counties == {world.other_county.pk}


@pytest.mark.django_db
def test_every_relation_of_a_person_says_which_counties_it_reaches(world, monkeypatch):
    relations = {(r.related_model._meta.label, r.field.name) for r in Person._meta.related_objects}
    assert relations == set(reach.REACH), "a relation of Person without its path to a county (or None) in REACH"
    person = f.PersonFactory.create(home_village=world.village_a)
    assert reached([person.pk]).counties == {world.county.pk}
    monkeypatch.delitem(reach.REACH, ("reserves.Reserve", "person"))
    assert reached([person.pk]) is None, "an unknown relation must leave the write uncharged"


@pytest.mark.django_db(transaction=True)
def test_a_risk_reevaluation_is_charged_to_its_villages_counties_and_a_login_to_none(world, secretary_a):
    there = Computed("there", [world.other_county.pk])
    here = Computed("here", [world.county.pk])
    there.read(), here.read()
    with signals_paused():  # evaluated below, by hand
        f.PostAssignmentFactory.create(village=world.village_a, post=Post.COMMITTEE_MEMBER)  # uncharged: a factory
    there.read(), here.read()
    assert (there.calls, here.calls) == (2, 2)
    summary = recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk))
    assert summary.created, "the re-evaluation wrote risk rows"
    there.read(), here.read()
    assert (there.calls, here.calls) == (2, 3)
    secretary_a.set_password("login-pass-2026!")
    secretary_a.save()
    there.read(), here.read()
    assert (there.calls, here.calls) == (3, 4)
    form = {"username": secretary_a.username, "password": "login-pass-2026!"}
    assert Client().post(reverse("login"), form).status_code == 302  # logged in: last_login written
    secretary_a.refresh_from_db()
    assert secretary_a.last_login is not None
    there.read(), here.read()
    assert (there.calls, here.calls) == (3, 4), "a login's last_login stamp emptied county figures"


@pytest.mark.django_db(transaction=True)
def test_another_countys_dashboard_stays_cached_and_this_countys_shows_the_edit_at_once(world, client_county, client_a):
    staff_there = f.CountyStaffFactory.create(username="staff_there", county=world.other_county)
    client_there = Client()
    client_there.force_login(staff_there)
    member = f.PostAssignmentFactory.create(village=world.village_a, post=Post.COMMITTEE_MEMBER, group=None).person
    assert members_on_dashboard(client_county) == 1
    client_there.get(reverse("dashboards:dashboard"))
    with CaptureQueriesContext(connection) as cached_look:
        client_there.get(reverse("dashboards:dashboard"))

    person = Person.objects.get(pk=member.pk)
    body = {"education": "junior_high", "version": person.version}
    assert client_a.patch(f"/api/v1/people/{person.pk}/", body, content_type="application/json").status_code == 200

    with CaptureQueriesContext(connection) as after_edit:
        client_there.get(reverse("dashboards:dashboard"))
    assert len(after_edit.captured_queries) == len(cached_look.captured_queries), (
        "recomputed after another county's edit"
    )
    page = client_county.get(reverse("dashboards:dashboard")).content.decode()
    assert JUNIOR.search(page).group(1) == "1"


@pytest.mark.django_db(transaction=True)
def test_a_request_reads_the_versions_once_and_again_after_its_own_write(world, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a)
    here, also_here = Computed("here", [world.county.pk]), Computed("also", [world.county.pk])
    with data_version.stamps_read_once():
        with CaptureQueriesContext(connection) as reads:
            here.read(), also_here.read(), here.read()
            data_version.cached_many(  # per-key figures of the same county (the villages API list)
                "per-village", [world.village_a.pk], (), lambda pks: dict.fromkeys(pks, 1),
                county_of={world.village_a.pk: world.county.pk},
            )  # fmt: skip
        stamp_reads = [q for q in reads.captured_queries if "countydataversion" in q["sql"]]
        assert len(stamp_reads) == 1, "the county's stamp was read once per figure"
        assert (here.calls, also_here.calls) == (1, 1)

        save_person(person=Person.objects.get(pk=person.pk), values={"phone": "13900000001"}, by=secretary_a)

        here.read()
        assert here.calls == 2, "after its own write the request was served the figure from before it"
    with data_version.stamps_read_once():  # the next request: the stamp is read again
        with CaptureQueriesContext(connection) as reads:
            here.read()
        assert any("countydataversion" in q["sql"] for q in reads.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_the_villages_api_list_shows_each_write_at_the_next_request(world, client_county, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a, education=Education.BACHELOR)
    f.PostAssignmentFactory.create(village=world.village_a, person=person, post=Post.COMMITTEE_MEMBER)
    url = f"/api/v1/villages/?county={world.county.code}&page_size=100"

    def village_a() -> dict:
        rows = client_county.get(url).json()["results"]
        return next(row for row in rows if row["code"] == world.village_a.code)

    before = village_a()
    assert village_a() == before  # served again, now from the cache
    save_person(person=Person.objects.get(pk=person.pk), values={"education": Education.PRIMARY}, by=secretary_a)
    after = village_a()
    assert after["stats"]["junior_high_or_below"] == before["stats"]["junior_high_or_below"] + 1, (
        "a person's save was not in the list"
    )
    world.village_a.groups.create(number=9, name="新九社")
    assert "新九社" in [g["name"] for g in village_a()["groups"]], "a new group was not in the list"


# Villages (villages/data_version.py `charged_to(..., villages=…)`): a write charged to some villages leaves the
# other villages' figures cached; a place at no village reaches every village of its county.


def member_of(village: Village) -> Person:
    """A 两委 member of the village who lives there."""
    person = f.PersonFactory.create(home_village=village)
    f.PostAssignmentFactory.create(village=village, person=person, post=Post.COMMITTEE_MEMBER)
    return person


def villages_judged_by(module, monkeypatch) -> list[int]:
    """The villages the risk engine judges through `module`'s name for it, listed as it judges them."""
    judged: list[int] = []
    evaluate = module.evaluations_for_villages

    def counting(*, villages, as_of=None):
        judged.extend(villages.values_list("pk", flat=True))
        return evaluate(villages=villages, as_of=as_of)

    monkeypatch.setattr(module, "evaluations_for_villages", counting)
    return judged


class VillageFigures:
    """Cached per-village figures (as the villages API keeps them) that record which villages were computed."""

    def __init__(self, *villages: Village) -> None:
        self.places = data_version.village_places(villages)
        self.computed: list[int] = []

    def read(self) -> list[int]:
        """Read every village's figure; answer the villages computed by this read."""
        before = len(self.computed)

        def compute(pks: list[int]) -> dict[int, int]:
            self.computed += pks
            return {pk: Person.objects.filter(posts__village_id=pk).count() for pk in pks}

        data_version.cached_many("per-village", list(self.places), (), compute, village_of=self.places)
        return sorted(self.computed[before:])


@pytest.mark.django_db(transaction=True)
def test_an_edit_in_one_village_keeps_the_other_villages_figures_and_renews_its_own(world, secretary_a):
    person = member_of(world.village_a)
    figures = VillageFigures(world.village_a, world.village_b, world.village_other_county)
    county = Computed("county", [world.county.pk])
    figures.read(), county.read()
    assert figures.read() == [], "served again: nothing recomputed"

    save_person(person=Person.objects.get(pk=person.pk), values={"phone": "13900000002"}, by=secretary_a)

    assert figures.read() == [world.village_a.pk], "the edited village's figure must be renewed, and only it"
    county.read()
    assert county.calls == 2, "the county's own figure was served from before the edit in one of its villages"


@pytest.mark.django_db(transaction=True)
def test_a_place_at_no_village_reaches_every_village_of_its_county(world, secretary_a):
    person = member_of(world.village_a)
    NegativeRecord.objects.create(
        person=person, county=world.county, item_code="1", source_department="纪委", occurred_on=dt.date(2024, 1, 1),
        document_number="巴纪〔2024〕1号", recorded_by=secretary_a,
    )  # fmt: skip
    assert reached([person.pk]) == data_version.Charge(
        counties=frozenset({world.county.pk}),
        villages=frozenset({world.village_a.pk}),
        wide=frozenset({world.county.pk}),
    )
    figures = VillageFigures(world.village_a, world.village_b, world.village_other_county)
    figures.read()
    save_person(person=Person.objects.get(pk=person.pk), values={"phone": "13900000003"}, by=secretary_a)
    assert figures.read() == sorted([world.village_a.pk, world.village_b.pk]), (
        "a county-held record (no village) must reach every village of its county, and no other county's"
    )


@pytest.mark.django_db(transaction=True)
def test_a_write_charged_to_nobody_or_to_a_whole_county_reaches_its_villages(world):
    person = f.PersonFactory.create(home_village=world.village_a)
    figures = VillageFigures(world.village_a, world.village_b, world.village_other_county)
    figures.read()
    Person.objects.filter(pk=person.pk).update(notes="批量")  # uncharged
    assert figures.read() == sorted([world.village_a.pk, world.village_b.pk, world.village_other_county.pk])
    with data_version.charged_to([world.county.pk]):  # a county, no villages named: all of its villages
        Person.objects.filter(pk=person.pk).update(notes="县级")
    assert figures.read() == sorted([world.village_a.pk, world.village_b.pk])
    with data_version.charged_to([world.county.pk], villages=[world.village_b.pk]):
        Person.objects.filter(pk=person.pk).update(notes="白鹤村")
    assert figures.read() == [world.village_b.pk]
    with data_version.charged_to(()):  # read by no figure
        Person.objects.filter(pk=person.pk).update(notes="无")
    assert figures.read() == []


@pytest.mark.django_db(transaction=True)
def test_a_person_is_charged_to_every_village_that_reads_them(world, secretary_a):
    person = f.PersonFactory.create(home_village=world.village_a)
    f.PostAssignmentFactory.create(village=world.village_other_county, person=person, post=Post.COMMITTEE_MEMBER)
    f.ReserveFactory.create(village=world.village_b, person=person)
    found = reached([person.pk])
    assert found.villages == {world.village_a.pk, world.village_b.pk, world.village_other_county.pk}
    assert found.wide == set()
    figures = VillageFigures(world.village_a, world.village_b, world.village_other_county)
    figures.read()
    # Moving the person's home to 白鹤村 charges both homes; the post and the reserve place are charged too.
    save_person(person=Person.objects.get(pk=person.pk), values={"home_village": world.village_b}, by=secretary_a)
    assert figures.read() == sorted([world.village_a.pk, world.village_b.pk, world.village_other_county.pk])
    assert reached([], home_village_ids=[world.village_b.pk]).villages == {world.village_b.pk}


@pytest.mark.django_db(transaction=True)
def test_a_risk_reevaluation_is_charged_to_its_villages(world):
    with signals_paused():  # evaluated below, by hand
        f.PostAssignmentFactory.create(village=world.village_a, post=Post.COMMITTEE_MEMBER)
    figures = VillageFigures(world.village_a, world.village_b)
    figures.read()
    assert recompute_risks(villages=Village.objects.filter(pk=world.village_a.pk)).created
    assert figures.read() == [world.village_a.pk]


@pytest.mark.django_db(transaction=True)
def test_the_villages_api_list_recomputes_only_the_edited_village(world, client_county, secretary_a, monkeypatch):
    person = member_of(world.village_a)
    url = f"/api/v1/villages/?county={world.county.code}&page_size=100"
    judged = villages_judged_by(risk_engine, monkeypatch)
    client_county.get(url)
    assert sorted(judged) == sorted([world.village_a.pk, world.village_b.pk])
    judged.clear()
    save_person(person=Person.objects.get(pk=person.pk), values={"education": Education.PRIMARY}, by=secretary_a)
    rows = {row["code"]: row for row in client_county.get(url).json()["results"]}
    assert judged == [world.village_a.pk], "only the edited village is judged again"
    assert rows[world.village_a.code]["stats"]["junior_high_or_below"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_township_page_judges_only_the_edited_village_again(world, client_a, secretary_a, monkeypatch):
    from villages import headlines

    neighbour = f.VillageFactory.create(township=world.township_a, code="511902100202", name="白龙村")
    person = member_of(world.village_a)
    Person.objects.filter(pk=person.pk).update(education=Education.BACHELOR)
    member_of(neighbour)
    judged = villages_judged_by(headlines, monkeypatch)
    url = reverse("villages:township", args=[world.township_a.code])
    row = re.compile(
        rf'data-unit="{world.village_a.code}" data-members="(\d+)"[^>]*data-red="(\d+)" data-amber="(\d+)"'
    )

    before = row.search(client_a.get(url).content.decode()).groups()
    assert sorted(judged) == sorted([world.village_a.pk, neighbour.pk])
    judged.clear()
    client_a.get(url)
    assert judged == [], "served again: no village judged"

    save_person(person=Person.objects.get(pk=person.pk), values={"education": Education.PRIMARY}, by=secretary_a)
    after = row.search(client_a.get(url).content.decode()).groups()
    assert judged == [world.village_a.pk], "only the edited village is judged again"
    assert after != before, "the edit is not on the township page"


# List totals (`counted`, `VersionedPaginator`): kept per version of the user's counties; never for a table whose
# writes raise no version.


@pytest.mark.django_db(transaction=True)
def test_a_list_of_an_untracked_table_is_counted_every_time(world, client_a, secretary_a):
    from tasks.models import ReportJob

    def total() -> int:
        return client_a.get("/api/v1/reports/").json()["count"]

    assert total() == 0
    ReportJob.objects.create(kind="village", scope=world.village_a.code, created_by=secretary_a)  # raises no version
    assert total() == 1, "a report job's list total was served from before the job"


@pytest.mark.django_db(transaction=True)
def test_people_totals_keep_across_another_countys_edit_and_show_this_countys_at_once(
    world, client_county, secretary_a
):
    staff_there = f.CountyStaffFactory.create(username="staff_there", county=world.other_county)
    client_there = Client()
    client_there.force_login(staff_there)
    member = member_of(world.village_a)
    moving = f.PersonFactory.create(home_village=world.village_other_county)
    township_there = world.village_other_county.township
    secretary_there = f.TownshipSecretaryFactory.create(username="sec_there", township=township_there)

    def totals(client) -> tuple[int, str]:
        api = client.get("/api/v1/people/").json()["count"]
        page = client.get(reverse("villages:people")).content.decode()
        return api, page

    here_before, _ = totals(client_county)
    client_there.get("/api/v1/people/")
    with CaptureQueriesContext(connection) as cached_count:
        client_there.get("/api/v1/people/")

    save_person(person=Person.objects.get(pk=member.pk), values={"phone": "13900000009"}, by=secretary_a)
    with CaptureQueriesContext(connection) as after_edit:
        client_there.get("/api/v1/people/")
    assert len(after_edit.captured_queries) == len(cached_count.captured_queries), (
        "another county's edit made this county's total be counted again"
    )

    # A person moving home from 通江县 into 青龙村 (charged to both counties) is in 巴州区's totals at once.
    save_person(person=Person.objects.get(pk=moving.pk), values={"home_village": world.village_a}, by=secretary_there)
    here_after, page = totals(client_county)
    assert here_after == here_before + 1, "the API total was served from before the move"
    assert f"共 {here_after} 人" in page, "the people page's total was served from before the move"


@pytest.mark.django_db(transaction=True)
def test_the_risk_list_keeps_each_row_and_shows_each_write_at_the_next_request(
    world, client_county, county_staff, secretary_a, monkeypatch
):
    from villages.views import risks as risk_views

    people = {}
    for village in (world.village_a, world.village_b):
        people[village.pk] = f.PersonFactory.create(
            home_village=village, birth_date=dt.date(1955, 1, 1), education=Education.PRIMARY
        )
        f.PostAssignmentFactory.create(village=village, person=people[village.pk], post=Post.PARTY_SECRETARY)
    recompute_risks()
    rendered: list[int] = []
    render = risk_views.render_to_string

    def counting(name, context):
        rendered.append(context["risk"].village_id)
        return render(name, context)

    monkeypatch.setattr(risk_views, "render_to_string", counting)
    url = reverse("villages:risks")

    def table() -> str:
        page = client_county.get(url).content.decode()
        return page[page.index('<section id="risk-table">') : page.index("</section>")]

    first = table()
    assert set(rendered) == {world.village_a.pk, world.village_b.pk}
    rendered.clear()
    assert table() == first, "a kept row differs from the row rendered with the page"
    assert rendered == []

    person = Person.objects.get(pk=people[world.village_a.pk].pk)
    save_person(person=person, values={"name": "改名后"}, by=secretary_a)  # charged to 青龙村
    renamed = table()
    assert "改名后" in renamed
    assert rendered and set(rendered) == {world.village_a.pk}, "only the renamed person's village's rows again"

    target = Risk.objects.filter(village=world.village_b, person__isnull=False).first()
    review = {"review_status": "in_progress", "owner": county_staff.pk, "due_on": "", "note": "约谈中", "version": 1}
    assert client_county.post(reverse("villages:risk_review", args=[target.pk]), review).status_code == 302
    assert "约谈中" in table(), "a review (a write charged to nobody) was not on the next list"


@pytest.mark.django_db(transaction=True)
def test_a_figure_of_an_empty_scope_is_computed_and_kept(world):
    """A user with no area (`for_user` gives `pk IN ()`) has an empty scope: its stamp is the shared one alone."""
    empty = Computed("empty-scope", County.objects.filter(pk__in=[]))
    assert empty.read() == empty.read() == Person.objects.count()
    assert empty.calls == 1
    assert data_version.counted(Person.objects.all(), counties=County.objects.none()) == Person.objects.count()
