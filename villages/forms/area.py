"""The one city / county / township / village filter of every list page (people, risks, audit, confirmations…).

The city choice is a province admin's only (everyone else has one city at most) and comes with the county choice.

Choices are scoped to the user (`.for_user(user)`), chosen by code (bookmarkable URLs), and the village list shows
only the chosen township's villages: a city has thousands, and listing them all makes every page slow. Any village
in the user's scope still validates (a bookmarked `?village=` without its township keeps working).

Plain forms subclass `AreaFilterForm`; the django-filter FilterSets (people, risks) declare their own filters and
call `scope_area_fields` on their form, so both get the same choices.
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from villages.forms.fields import model_choice
from villages.models import City, County, Township, User, Village, VillageQuerySet

AREA_LEVELS = ("city", "county", "township", "village")
# Each level's model, label and "all" choice: the same wording on every list page.
_AREA_FIELDS: dict[str, tuple[type[City | County | Township | Village], str, str]] = {
    "city": (City, "市/州", "全部市州"),
    "county": (County, "区/县", "全部区县"),
    "township": (Township, "乡镇", "全部乡镇"),
    "village": (Village, "村", "全部村"),
}


def area_field(level: str) -> forms.ModelChoiceField:
    """A plain form's choice of one area level, by code (choices are set per user by `scope_area_fields`)."""
    model, label, empty = _AREA_FIELDS[level]
    return forms.ModelChoiceField(
        label=label, queryset=model.objects.none(), to_field_name="code", required=False, empty_label=empty
    )


def area_filter(level: str, **kwargs: Any) -> django_filters.ModelChoiceFilter:
    """A FilterSet's choice of one area level, by code; `kwargs`: how it filters (field_name or method)."""
    model, label, empty = _AREA_FIELDS[level]
    return django_filters.ModelChoiceFilter(
        label=label, queryset=model.objects.none(), to_field_name="code", empty_label=empty, **kwargs
    )


def scope_area_fields(form: forms.BaseForm, *, user: User) -> None:
    """Scope whichever of the city / county / township / village fields the form has to the user's area (the city
    field is dropped for all but province admins)."""
    if "city" in form.fields:
        if user.is_province_admin and "county" in form.fields:
            model_choice(form, "city").queryset = City.objects.for_user(user)
        else:
            del form.fields["city"]
    if "county" in form.fields:
        model_choice(form, "county").queryset = County.objects.for_user(user)
    if "township" in form.fields:
        scope_township_field(form, user=user)
    if "village" in form.fields:
        field = model_choice(form, "village")
        villages = Village.objects.for_user(user)
        field.queryset = villages  # validation: any village in scope
        township, chosen = _raw(form, "township"), _raw(form, "village")
        if township:
            listed, empty = villages.filter(_code_or_chosen(Q(township__code=township), chosen)), "全部村"
        elif user.is_township_secretary:  # one township: its villages are the list
            listed, empty = villages, "全部村"
        else:
            listed, empty = villages.filter(code=chosen), "全部村（先选择乡镇）"
        _list(field, listed, empty)


def scope_township_field(form: forms.BaseForm, *, user: User) -> None:
    """The township choice: any township in scope validates; a province admin (thousands of townships) is listed
    those of the chosen county or city only, as the village choice lists the chosen township's villages."""
    field = model_choice(form, "township")
    townships = Township.objects.for_user(user)
    field.queryset = townships
    if not user.is_province_admin:
        return
    county, city, chosen = _raw(form, "county"), _raw(form, "city"), _raw(form, "township")
    if county:
        listed, empty = townships.filter(_code_or_chosen(Q(county__code=county), chosen)), "全部乡镇"
    elif city:
        listed, empty = townships.filter(_code_or_chosen(Q(county__city__code=city), chosen)), "全部乡镇"
    else:
        listed, empty = townships.filter(code=chosen), "全部乡镇（先选择市州或区县）"
    _list(field, listed, empty)


def _code_or_chosen(area: Q, chosen: str) -> Q:
    """The units of `area`, plus the chosen one when there is one (an OR with an empty code defeats the index)."""
    return area | Q(code=chosen) if chosen else area


def _list(field: forms.ModelChoiceField, listed: QuerySet, empty: str) -> None:
    """Show `listed` as the field's options (its queryset, all that validates, stays wider)."""
    # A ModelChoiceField's choices are lazy: the list is read when the page renders, not when the form is built.
    # An option shows a unit's code and name only (every unit's label is its name).
    field.widget.choices = forms.ModelChoiceField(
        queryset=listed.order_by("code").only("code", "name"), to_field_name="code", empty_label=empty
    ).choices


def _raw(form: forms.BaseForm, name: str) -> str:
    """The submitted value of a field before validation (choices depend on it), or ""."""
    return str((form.data or {}).get(form.add_prefix(name), "") or "")


def area_villages(user: User, data: dict[str, Any]) -> VillageQuerySet:
    """The user's villages within the chosen city / county / township / village of cleaned filter `data` (all if
    none)."""
    villages = Village.objects.for_user(user)
    if data.get("city"):
        villages = villages.filter(township__county__city=data["city"])
    if data.get("county"):
        villages = villages.filter(township__county=data["county"])
    if data.get("township"):
        villages = villages.filter(township=data["township"])
    if data.get("village"):
        villages = villages.filter(pk=data["village"].pk)
    return villages


class AreaFilterForm(forms.Form):
    """Base of the plain (GET) list filters. `area_levels` names the levels a page offers (the rest are dropped)."""

    area_levels: ClassVar[tuple[str, ...]] = AREA_LEVELS

    city = area_field("city")
    county = area_field("county")
    township = area_field("township")
    village = area_field("village")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name in AREA_LEVELS:
            if name not in self.area_levels and not (name == "city" and "county" in self.area_levels):
                del self.fields[name]
        scope_area_fields(self, user=user)

    def area_villages(self) -> VillageQuerySet:
        """The user's villages in the chosen area; none when the filter is invalid (its errors are shown)."""
        if not self.is_valid():
            return Village.objects.none()
        return area_villages(self.user, self.cleaned_data)
