"""The one county / township / village filter of the list pages: choices scoped to the user, and the village list
holding only the chosen township's villages (villages/forms/area.py)."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from tests.conftest import World
from villages.forms.area import AreaFilterForm
from villages.forms.fields import model_choice
from villages.forms.people_filters import PersonFilter
from villages.models import Person, User


def listed_villages(form: forms.BaseForm) -> list[str]:
    return [str(value) for value, _ in model_choice(form, "village").widget.choices if value]


def test_county_staff_see_villages_only_after_choosing_a_township(county_staff: User, world: World) -> None:
    assert listed_villages(AreaFilterForm({}, user=county_staff)) == []
    chosen = AreaFilterForm({"township": world.township_a.code}, user=county_staff)
    assert listed_villages(chosen) == [world.village_a.code]


def test_township_secretary_sees_their_own_villages_and_township(secretary_a: User, world: World) -> None:
    form = AreaFilterForm({}, user=secretary_a)
    assert listed_villages(form) == [world.village_a.code]
    assert list(model_choice(form, "township").queryset or []) == [world.township_a]
    assert list(model_choice(form, "county").queryset or []) == [world.county]


def test_a_village_outside_the_scope_is_refused_and_filters_nothing_in(secretary_a: User, world: World) -> None:
    form = AreaFilterForm({"village": world.village_b.code}, user=secretary_a)
    assert not form.is_valid() and "village" in form.errors
    assert not form.area_villages().exists()


def test_the_chosen_area_narrows_the_villages(county_staff: User, city_admin: User, world: World) -> None:
    assert list(AreaFilterForm({"township": world.township_b.code}, user=county_staff).area_villages()) == [
        world.village_b
    ]
    city = AreaFilterForm({"county": world.other_county.code}, user=city_admin).area_villages()
    assert list(city) == [world.village_other_county]


def test_a_bookmarked_village_without_its_township_stays_listed(county_staff: User, world: World) -> None:
    form = AreaFilterForm({"village": world.village_b.code}, user=county_staff)
    assert form.is_valid() and listed_villages(form) == [world.village_b.code]


def test_the_people_filter_offers_the_same_choices(county_staff: User, world: World) -> None:
    data = {"township": world.township_a.code}
    people = PersonFilter(data, queryset=Person.objects.for_user(county_staff), user=county_staff)
    assert listed_villages(people.form) == listed_villages(AreaFilterForm(data, user=county_staff))


PAGES = (
    "villages:people",
    "villages:risks",
    "villages:audit",
    "villages:confirmations",
    "villages:cycles",
    "villages:age_out",
)


def test_pages_with_the_filter_answer_for_each_persona(client_a, client_county, client_city, world: World) -> None:
    for client in (client_a, client_county, client_city):
        for name in PAGES:
            response = client.get(reverse(name) + f"?township={world.township_a.code}")
            assert response.status_code == 200, name
