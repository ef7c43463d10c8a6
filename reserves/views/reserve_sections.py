"""The bench sections of the reserve page (mentors, talks, placements, 学历提升): their context, shared by the
page (reserves/views/roster.py) and the section writes (reserves/views/mentoring.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from reserves.bench_forms import MentorForm, PlacementForm, ProgrammeEndForm, ProgrammeForm, TalkForm
from reserves.choices import ReserveStatus
from reserves.mentoring import mentoring_statuses
from reserves.models import Reserve
from villages import permissions
from villages.education import person_education
from villages.http import AuthedHttpRequest
from villages.models import Person, Village
from villages.rules import rules_for

SECTIONS = "reserves/_bench_sections.html"


def village_people(village: Village) -> QuerySet[Person]:
    return Person.objects.alive().in_villages(Village.objects.filter(pk=village.pk)).order_by("name", "pk")


def bench_context(request: AuthedHttpRequest, reserve: Reserve, **forms: Any) -> dict[str, Any]:
    """Mentoring state, talks, placements, programmes and (for the township's secretary) their forms; a form given
    in `forms` (one with errors) replaces the blank one."""
    can_edit = permissions.can_edit_roster(request.user, reserve.village) and reserve.status == ReserveStatus.ACTIVE
    person = reserve.person
    rules = rules_for(county_id=reserve.village.township.county_id, on=timezone.localdate())

    def form(name: str, default: Any) -> Any:
        return forms.get(name) or (default() if can_edit else None)

    return {
        "mentoring": mentoring_statuses(reserves=Reserve.objects.filter(pk=reserve.pk)).get(reserve.pk),
        "education": person_education(person, rules=rules),
        "talks": reserve.talks.all(),
        "placements": reserve.placements.all(),
        "programmes": person.education_programmes.select_related("enrollment__training_class"),
        "can_edit_bench": can_edit,
        "mentor_form": form("mentor_form", lambda: MentorForm(people=village_people(reserve.village))),
        "talk_form": form("talk_form", TalkForm),
        "placement_form": form("placement_form", PlacementForm),
        "programme_form": form("programme_form", lambda: ProgrammeForm(person=person)),
        "programme_end_form": forms.get("programme_end_form") or (ProgrammeEndForm() if can_edit else None),
    }
