"""`Person.objects.in_villages`: the one rule of who is placed in a village (home, a post there, a reserve place
there), which every scoped people query (`for_user`, `editable_by`) stands on. Written as SQL (issue 19); these
tests hold it to the rule on each database the suite runs on."""

from __future__ import annotations

import pytest

from tests import factories as f
from villages.models import Person, Village


@pytest.mark.django_db
def test_each_kind_of_placement_places_a_person_and_nothing_else_does(world):
    here = Village.objects.filter(pk=world.village_a.pk)
    at_home = f.PersonFactory.create(home_village=world.village_a)
    with_post = f.PersonFactory.create(home_village=world.village_other_county)
    f.PostAssignmentFactory.create(person=with_post, village=world.village_a)
    reserve = f.PersonFactory.create(home_village=world.village_other_county)
    f.ReserveFactory.create(person=reserve, village=world.village_a)
    elsewhere = f.PersonFactory.create(home_village=world.village_b)
    f.PostAssignmentFactory.create(person=elsewhere, village=world.village_b)

    placed = set(Person.objects.in_villages(here).values_list("pk", flat=True))

    assert placed == {at_home.pk, with_post.pk, reserve.pk}
    assert elsewhere.pk not in placed
    both = Village.objects.filter(pk__in=[world.village_a.pk, world.village_b.pk])
    assert Person.objects.in_villages(both).filter(pk=elsewhere.pk).exists()
    # As a subquery of another query, with filters on both sides.
    names = Person.objects.filter(pk__in=Person.objects.in_villages(here).values("pk")).filter(pk=reserve.pk)
    assert list(names) == [reserve]


@pytest.mark.django_db
def test_no_villages_place_nobody(world):
    f.PersonFactory.create(home_village=world.village_a)
    assert not Person.objects.in_villages(Village.objects.none()).exists()
    assert not Person.objects.in_villages(Village.objects.filter(pk__in=[])).exists()
    assert not Person.objects.in_villages(Village.objects.filter(code="000000000000")).exists()
