"""A village's 社 (村民小组): the list every entry path (API, admin) changes through one function.

A 社 that has a 社长 in office cannot be removed: the 社长 would be left leading nothing, and every roster
workbook row naming that 社 would be refused. Nor can a 社 that past records point at (former 社长, election
results): removing it would lose them. Renaming a 社 keeps its number and everything attached to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from villages.choices import Post
from villages.models import Group, PostAssignment, Village


class GroupsRefused(Exception):
    """The change would remove a 社 that must stay; the message says which and why, in Chinese."""


def group_removal_refusal(*, village: Village, numbers: Iterable[int]) -> str | None:
    """Why the 社 numbered `numbers` cannot be removed from `village` (a 社长 in office, named), or None."""
    today = timezone.localdate()
    leaders = (
        PostAssignment.objects.filter(group__village=village, group__number__in=list(numbers), post=Post.GROUP_LEADER)
        .filter(Q(end_on__isnull=True) | Q(end_on__gt=today))
        .order_by("group__number", "pk")
        .values_list("group__number", "person__name")
    )
    named = [f"第{number}社（在任社长{name}）" for number, name in leaders]
    if not named:
        return None
    return f"{'、'.join(named)}不能删除：请先结束社长任职，或保留该社"


def replace_groups(*, village: Village, groups: Sequence[tuple[int, str]]) -> None:
    """Make the village's 社 exactly `groups` (number, name): add new numbers, rename changed ones, remove the rest.

    All or nothing. Raises GroupsRefused, writing nothing, when a 社 to remove has a 社长 in office or records that
    keep it (former 社长, election results).
    """
    wanted = dict(groups)
    with transaction.atomic():
        existing = {group.number: group for group in village.groups.select_for_update()}
        removed = sorted(set(existing) - set(wanted))
        refusal = group_removal_refusal(village=village, numbers=removed)
        if refusal:
            raise GroupsRefused(refusal)
        for number, name in wanted.items():
            group = existing.get(number)
            if group is None:
                Group.objects.create(village=village, number=number, name=name)
            elif group.name != name:
                group.name = name
                group.save(update_fields=["name"])
        try:
            with transaction.atomic():
                Group.objects.filter(village=village, number__in=removed).delete()
        except ProtectedError as error:
            kept = sorted({obj.group.number for obj in error.protected_objects if hasattr(obj, "group")})
            which = "、".join(f"第{n}社" for n in kept) or "、".join(f"第{n}社" for n in removed)
            raise GroupsRefused(f"{which}有历任社长或换届结果记录，不能删除") from None
