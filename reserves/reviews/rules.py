"""The county rules of the review: negative-list items and department lists in force on a date, and the cycle.

Both are dated versions with their 文号, a county's own before the city default (county empty), like
`villages.rules`: the version in force is the latest `effective_on` ≤ the date. `ReviewRuleBook` loads every
version once (two queries) and answers per (county, date) in Python, so lists of reviews cost no extra queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reserves.choices import ItemEnd
from reserves.models import NegativeListItem, NegativeRecord, ReviewDepartmentList


@dataclass(frozen=True)
class ItemRule:
    """One negative-list item as the county applies it on a date."""

    code: str
    wording: str
    ends: str
    years: int | None
    disqualifies: bool
    document_number: str

    @property
    def label(self) -> str:
        return f"第{self.code}项 {self.wording}"


def _sort_key(code: str) -> tuple[int, ...]:
    """ "9.1" after "8" and "10" after "9.3"."""
    return tuple(int(part) if part.isdigit() else 0 for part in code.split("."))


class ReviewRuleBook:
    """Negative-list items and department lists, loaded once, resolved per (county, date)."""

    def __init__(self, items: Iterable[NegativeListItem], lists: Iterable[ReviewDepartmentList]) -> None:
        self._items: dict[tuple[int | None, str], list[NegativeListItem]] = defaultdict(list)
        for item in items:
            self._items[(item.county_id, item.code)].append(item)
        for versions in self._items.values():
            versions.sort(key=lambda i: i.effective_on, reverse=True)
        self._lists: dict[int | None, list[ReviewDepartmentList]] = defaultdict(list)
        for row in lists:
            self._lists[row.county_id].append(row)
        for lists_of_county in self._lists.values():
            lists_of_county.sort(key=lambda r: r.effective_on, reverse=True)
        self._departments: dict[tuple[int | None, dt.date], list[str]] = {}

    @classmethod
    def load(cls, *, county_ids: Iterable[int] | None = None) -> ReviewRuleBook:
        """Every version of the city and of the given counties (all counties when None). Two queries."""
        items = NegativeListItem.objects.all()
        lists = ReviewDepartmentList.objects.all()
        if county_ids is not None:
            ids = list(county_ids)
            items = items.filter(county__isnull=True) | items.filter(county_id__in=ids)
            lists = lists.filter(county__isnull=True) | lists.filter(county_id__in=ids)
        return cls(items, lists)

    def _version(self, county_id: int | None, code: str, on: dt.date) -> NegativeListItem | None:
        for scope in (county_id, None) if county_id is not None else (None,):
            found = next((i for i in self._items.get((scope, code), ()) if i.effective_on <= on), None)
            if found is not None:
                return found
        return None

    def item(self, *, county_id: int | None, code: str, on: dt.date) -> ItemRule | None:
        """The item in force, or None when the county has no such item (or took it out of its list) on that date."""
        found = self._version(county_id, code, on)
        if found is None or not found.in_force:
            return None
        return ItemRule(found.code, found.wording, found.ends, found.years, found.disqualifies, found.document_number)

    def items(self, *, county_id: int | None, on: dt.date) -> list[ItemRule]:
        codes = sorted({code for _, code in self._items}, key=_sort_key)
        found = (self.item(county_id=county_id, code=code, on=on) for code in codes)
        return [item for item in found if item is not None]

    def department_list(self, *, county_id: int | None, on: dt.date) -> ReviewDepartmentList | None:
        for scope in (county_id, None) if county_id is not None else (None,):
            found = next((r for r in self._lists.get(scope, ()) if r.effective_on <= on), None)
            if found is not None:
                return found
        return None

    def departments(self, *, county_id: int | None, on: dt.date) -> list[str]:
        """The departments whose opinion the county round needs (empty when no list is in force). Kept per
        (county, date): a county's reviews share a handful of opening dates."""
        key = (county_id, on)
        if key not in self._departments:
            found = self.department_list(county_id=county_id, on=on)
            self._departments[key] = list(found.departments) if found else []
        return self._departments[key]


def record_ends_on(record: NegativeRecord, item: ItemRule) -> dt.date | None:
    """The first day a dated entry no longer counts: the record's own end date, else its date plus the item's
    years. None for entries that never lapse by date (permanent, or waiting for rectification)."""
    if item.ends != ItemEnd.PERIOD:
        return None
    if record.ends_on is not None:
        return record.ends_on
    if item.years:
        try:
            return record.occurred_on.replace(year=record.occurred_on.year + item.years)
        except ValueError:  # 29 February in a common year: the period ends on 1 March
            return dt.date(record.occurred_on.year + item.years, 3, 1)
    return None


def is_live(record: NegativeRecord, item: ItemRule | None, *, on: dt.date) -> bool:
    """Whether the entry counts on `on`: it has started, and (by how the item ends) it has not lapsed by date, and
    no rectification has been recorded for an item that ends by rectification. An item the county no longer has
    counts for nothing."""
    if item is None or record.occurred_on > on:
        return False
    if item.ends == ItemEnd.RECTIFICATION:
        return record.rectified_on is None or record.rectified_on > on
    if item.ends == ItemEnd.PERIOD:
        ends_on = record_ends_on(record, item)
        return ends_on is None or on < ends_on
    return True
