"""Who an election fills and who won it: a village's seats (职数) and finding the named winners.

- `seats_by_village` gives each village's seats for its results grid: one per current 两委 post assignment
  (villages.choices.COMMITTEE_POSTS), in the roster's post order (villages.roster.roster_order). A village
  without any current 两委 post gets the key posts (书记, 村委会主任). One query for any number of villages.
- `PersonLookup` finds winners named by ID number or by name among a set of people (the township's), in bulk:
  at most two queries whatever the number of rows. A text of digits (and X) is an ID number (a wrong one is
  refused with the reason); anything else is a name, refused when nobody or several people carry it, unless
  exactly one of them lives in the row's village.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from villages import idcard
from villages.choices import COMMITTEE_POSTS, KEY_POSTS, Post
from villages.headlines import roster_order
from villages.models import Person, PostAssignment, Village

# Seats of a village that has no current 两委 post to copy (post order: the enum order).
DEFAULT_SEATS: tuple[str, ...] = tuple(post for post in Post.values if post in KEY_POSTS)


class PersonNotFound(ValueError):
    """The text names nobody (or several people) in scope; the message says why, in Chinese."""


def seats_by_village(*, villages: Iterable[Village], on: dt.date) -> dict[int, list[str]]:
    """Village pk → the posts of its seats, one entry per seat (a post held by three people: three entries)."""
    village_ids = [village.pk for village in villages]
    current = (
        PostAssignment.objects.current(on)
        .filter(village_id__in=village_ids, post__in=COMMITTEE_POSTS, person__deleted_at__isnull=True)
        .only("pk", "village", "post", "group", "start_on")
    )
    seats: dict[int, list[str]] = {pk: [] for pk in village_ids}
    for assignment in sorted(current, key=roster_order):
        seats[assignment.village_id].append(assignment.post)
    return {pk: posts or list(DEFAULT_SEATS) for pk, posts in seats.items()}


def name_key(text: str) -> str:
    """A typed name as stored: full-width folded, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _is_id_number(key: str) -> bool:
    """Digits (and X) only, starting with a digit: an ID number, right or wrong. Anything else is a name."""
    return bool(re.fullmatch(r"\d[\dXx]*", key))


class PersonLookup:
    """Resolves the texts of many rows at once (see the module docstring)."""

    def __init__(self, *, people: QuerySet[Person], texts: Iterable[str]) -> None:
        numbers: set[str] = set()
        names: set[str] = set()
        for text in texts:
            key = name_key(text)
            if key and _is_id_number(key):
                try:
                    numbers.add(idcard.parse(key).number)
                except idcard.InvalidIdNumber:
                    continue
            elif key:
                names.add(key)
        self.by_number: dict[str, Person] = {}
        if numbers:
            self.by_number = {p.id_number: p for p in people.filter(id_number__in=numbers)}
        self.by_name: dict[str, list[Person]] = defaultdict(list)
        if names:
            for person in people.filter(name__in=names).order_by("pk"):
                self.by_name[person.name].append(person)

    def find(self, text: str, *, village: Village | None = None) -> Person:
        """The one person `text` names; PersonNotFound otherwise. The text must be among those given at init."""
        key = name_key(text)
        if _is_id_number(key):
            try:
                number = idcard.parse(key).number
            except idcard.InvalidIdNumber as error:
                raise PersonNotFound(str(error)) from None
            if number not in self.by_number:
                raise PersonNotFound("本乡镇花名册中没有此身份证号码的人员，请先在花名册中添加")
            return self.by_number[number]
        matches = self.by_name.get(key, [])
        if len(matches) > 1 and village is not None:
            local = [person for person in matches if person.home_village_id == village.pk]
            matches = local if len(local) == 1 else matches
        if not matches:
            raise PersonNotFound(f"本乡镇花名册中没有“{key}”，请核对姓名或填写身份证号码")
        if len(matches) > 1:
            raise PersonNotFound(f"本乡镇有{len(matches)}人名为“{key}”，请填写身份证号码")
        return matches[0]
