"""The talent pool (reserves/talents.py): entering, promotion in one step keeping the person, scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reserves.models import Reserve, Talent
from reserves.talents import TalentRefused, enter_talent, leave_pool, promote_talent
from tests import factories as f
from villages.choices import Education, Post
from villages.models import Person

TODAY = timezone.localdate()


def test_promotion_from_the_pool_keeps_the_person(world):
    talent = f.TalentFactory(person=f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 8, 1)))
    people_before = Person.objects.count()
    reserve = promote_talent(talent=talent, target_post=Post.PARTY_SECRETARY, added_on=TODAY)
    talent.refresh_from_db()
    assert reserve.person_id == talent.person_id  # the same record: nothing copied
    assert reserve.village_id == talent.village_id and reserve.status == "active" and reserve.eligible
    assert (talent.status, talent.reserve_id, talent.status_changed_on) == ("promoted", reserve.pk, TODAY)
    assert Person.objects.count() == people_before
    with pytest.raises(TalentRefused, match="不在人才库中"):
        promote_talent(talent=talent, target_post=Post.DIRECTOR)


def test_an_ineligible_talent_needs_a_reason_like_the_reserve_form(world):
    person = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 8, 1), education=Education.PRIMARY)
    talent = f.TalentFactory(person=person)
    with pytest.raises(TalentRefused, match="学历为小学") as refused:
        promote_talent(talent=talent, target_post=Post.PARTY_SECRETARY)
    assert refused.value.field == "override_reason"
    assert not Reserve.objects.exists()
    talent.refresh_from_db()
    assert talent.status == "in_pool"  # nothing written
    reserve = promote_talent(talent=talent, target_post=Post.PARTY_SECRETARY, override_reason="养殖大户，群众公认")
    assert not reserve.eligible and reserve.eligibility_override_reason == "养殖大户，群众公认"


def test_the_pool_is_for_people_not_on_the_roster_yet(world):
    member = f.PersonFactory(home_village=world.village_a)
    f.PostAssignmentFactory(person=member, village=world.village_a)
    with pytest.raises(TalentRefused, match="现任本村职务"):
        enter_talent(person=member, village=world.village_a, by=None, source="graduate", category="governance")
    newcomer = f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1999, 1, 1))
    enter_talent(person=newcomer, village=world.village_a, by=None, source="graduate", category="governance")
    with pytest.raises(TalentRefused, match="已在本村人才库中"):
        enter_talent(person=newcomer, village=world.village_a, by=None, source="graduate", category="governance")
    elsewhere = f.PersonFactory(home_village=world.village_b, birth_date=dt.date(1999, 1, 1))
    with pytest.raises(TalentRefused, match="人才库只登记本村人员"):
        enter_talent(person=elsewhere, village=world.village_a, by=None, source="graduate", category="governance")
    talent = Talent.objects.get(person=newcomer)
    with pytest.raises(TalentRefused, match="退出原因"):
        leave_pool(talent=talent, reason=" ")
    assert leave_pool(talent=talent, reason="已在外地落户").status == "left"


def test_the_township_enters_a_new_person_and_promotes_them(world, client_a, secretary_a):
    body = {
        "village": world.village_a.pk,
        "source": "migrant_worker",
        "category": "secondary_tertiary",
        "current_location": "广东省东莞市",
        "current_work": "电子厂班组长",
        "willingness": "willing",
        "entered_on": TODAY.isoformat(),
        "person-name": "陈返乡",
        "person-id_number": f.make_id_number(dt.date(1993, 4, 5), seq=77),
        "person-ethnicity": "汉族",
        "person-political_status": "cpc_member",
        "person-education": "associate",
        "person-phone": "13900000000",
    }
    response = client_a.post(reverse("reserves:talent_add"), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    talent = Talent.objects.get()
    assert (talent.person.name, talent.person.home_village, talent.entered_by) == (
        "陈返乡",
        world.village_a,
        secretary_a,
    )
    assert talent.person.birth_date == dt.date(1993, 4, 5)  # derived from the ID number
    promote = client_a.post(
        reverse("reserves:talent_promote", args=[talent.pk]),
        {"target_post": "party_secretary", "readiness": "within_term", "added_on": TODAY.isoformat(),
         "added_how": "recommended"},
    )  # fmt: skip
    reserve = Reserve.objects.get()
    assert promote.status_code == 302 and promote["Location"] == reverse("reserves:reserve", args=[reserve.pk])
    assert reserve.person_id == talent.person_id


def test_a_bad_new_person_keeps_the_input_and_says_why(world, client_a):
    body = {
        "village": world.village_a.pk,
        "source": "graduate",
        "category": "governance",
        "willingness": "unknown",
        "entered_on": TODAY.isoformat(),
        "person-name": "错号码",
        "person-id_number": "511902199304051234",
        "person-education": "associate",
        "person-political_status": "masses",
        "person-ethnicity": "汉族",
    }
    response = client_a.post(reverse("reserves:talent_add"), body)
    assert response.status_code == 422
    assert "校验码".encode() in response.content or "身份证".encode() in response.content
    assert "错号码".encode() in response.content
    assert not Talent.objects.exists() and not Person.objects.filter(name="错号码").exists()


def test_talent_pages_permissions(world, client_a, client_b, client_county, client_city):
    talent = f.TalentFactory(person=f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 1, 1)))
    detail = reverse("reserves:talent", args=[talent.pk])
    assert client_a.get(detail).status_code == 200
    assert client_b.get(detail).status_code == 404  # outsider: another township
    assert client_county.get(detail).status_code == 200
    assert client_city.get(detail).status_code == 200
    promote = reverse("reserves:talent_promote", args=[talent.pk])
    assert client_b.post(promote, {"target_post": "director"}).status_code == 404
    assert client_county.post(promote, {"target_post": "director"}).status_code == 403
    assert client_county.get(reverse("reserves:talent_add")).status_code == 403
    assert talent.person.name.encode() not in client_b.get(reverse("reserves:talents")).content


def test_talent_list_query_count_is_constant(world, client_county, django_assert_max_num_queries):
    f.TalentFactory(person=f.PersonFactory(home_village=world.village_a, birth_date=dt.date(1994, 1, 1)))
    with django_assert_max_num_queries(20) as captured:
        client_county.get(reverse("reserves:talents"))
    baseline = len(captured.captured_queries)
    for village in (world.village_a, world.village_b):
        for n in range(3):
            f.TalentFactory(person=f.PersonFactory(home_village=village, birth_date=dt.date(1990 + n, 1, 1)))
    with django_assert_max_num_queries(baseline):
        response = client_county.get(reverse("reserves:talents") + "?willingness=willing")
    assert "共 7 人".encode() in response.content
