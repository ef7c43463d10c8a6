"""Per-user lookups for reserves, classes and elections (same contract as villages/permissions.py).

Outside the user's scope → 404; visible but not writable → 403. Who may write:
- reserves (and their measures and assessments): the township's own secretary (a roster, like posts);
- training classes and enrolments: county staff of the class's county, its city's admin and the province admin;
- election results: those who oversee the county (as for classes), and the secretary of the village's township.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from reserves.models import Election, Reserve, TrainingClass
from villages.models import County, Township, User
from villages.permissions import can_edit_roster


def can_manage_classes(user: User, county: County | int) -> bool:
    return user.oversees_county(county)


def can_record_elections(user: User, township: Township) -> bool:
    if user.is_township_secretary:
        return user.township_id == township.pk
    return user.oversees_county(township.county_id)


def reserve_for(user: User, pk: int) -> Reserve:
    reserves = Reserve.objects.for_user(user).select_related("person", "mentor", "village__township__county")
    return get_object_or_404(reserves, pk=pk)


def reserve_for_edit(user: User, pk: int) -> Reserve:
    reserve = reserve_for(user, pk)
    if not can_edit_roster(user, reserve.village):
        raise PermissionDenied("后备干部名册由本乡镇党委书记维护")
    return reserve


def class_for(user: User, pk: int) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.for_user(user).select_related("county"), pk=pk)


def class_for_edit(user: User, pk: int) -> TrainingClass:
    training_class = class_for(user, pk)
    if not can_manage_classes(user, training_class.county_id):
        raise PermissionDenied("专修班由县委组织部维护")
    return training_class


def election_for(user: User, pk: int) -> Election:
    return get_object_or_404(Election.objects.for_user(user).select_related("village__township__county"), pk=pk)


def election_for_record(user: User, pk: int) -> Election:
    election = election_for(user, pk)
    if not can_record_elections(user, election.village.township):
        raise PermissionDenied("只读用户不能录入换届结果")
    return election
