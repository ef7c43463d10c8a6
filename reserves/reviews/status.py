"""A review's status, derived and never stored (docs/domain.md §9).

Contract of `outcomes_for` / `outcome_of`:
- the review needs one opinion per slot: 村党组织自审, 乡镇初审, one per department of the county's department list
  in force on the day the review was opened (县级联审), and 党委考察. For each slot the latest opinion counts
  (by date, then by entry), so a department that first answered 不通过 can later answer 通过; every opinion is kept;
- `withdrawn` when the review was withdrawn; else `failed` when any latest opinion is 不通过 (a department outside
  the list included) or the person has a live negative-list entry that the county's item says disqualifies
  (`rules.is_live` on the date asked, default today); else `passed` when no slot is missing; else `pending`;
- the reasons of a failure name the department or the negative-list item; `failure_reasons(detail=False)` gives
  the wording for township users, who see the outcome and what to do but no negative-list detail.
Bulk: a constant number of queries for any number of reviews: the opinions are read as plain rows
(`OpinionFact`, one query, no model instances: a county under review has tens of thousands), the rules are two
queries, the negative records one. Reviews should come through `with_outcome_data` (person and village loaded).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import Conclusion, QualificationStatus, ReviewRound
from reserves.models import NegativeRecord, Review, ReviewOpinion
from reserves.reviews.rules import ItemRule, ReviewRuleBook, is_live

FALLBACK_DEPARTMENT = "县级联审"  # the county round's one slot when no department list is in force
HIDDEN_DETAIL = "详情由县委组织部掌握"


class Slot(NamedTuple):
    """One opinion the review needs: a round, and for the county round a department (a tuple: hashed and
    ordered in C, it is looked up ~15 times per review)."""

    position: int
    round: str
    department: str = ""

    @property
    def label(self) -> str:
        return self.department or ReviewRound(self.round).label


ROUND_POSITION = {value: n * 100 for n, value in enumerate(ReviewRound.values)}
OPINION_FIELDS = (
    "id", "review_id", "round", "department", "conclusion", "note", "concluded_on", "document_number",
    "recorded_by_id",
)  # fmt: skip
STATUS_FIELDS = OPINION_FIELDS[:5]  # what the status needs (no date conversions: a county has ~30,000 rows)


class OpinionFact(NamedTuple):
    """One recorded opinion as a plain row (what the status needs, and what pages and the API print)."""

    id: int
    review_id: int
    round: str
    department: str
    conclusion: str
    note: str = ""
    concluded_on: dt.date | None = None
    document_number: str = ""
    recorded_by_id: int | None = None

    @property
    def conclusion_label(self) -> str:
        return Conclusion(self.conclusion).label


LIGHT_PAD = ("", None, "", None)  # the fields a light read leaves out, as OpinionFact's defaults


def opinion_facts(reviews: Iterable[int] | QuerySet[Review], *, light: bool = False) -> dict[int, list[OpinionFact]]:
    """Every opinion of the reviews (ids, or a QuerySet read as a subquery), oldest first (by date, then entry),
    by review id. One query. `light` reads only what the status needs (the note, date and 文号 stay empty)."""
    found: dict[int, list[OpinionFact]] = defaultdict(list)
    selected: Any = reviews.values("pk") if isinstance(reviews, QuerySet) else list(reviews)
    rows = ReviewOpinion.objects.filter(review_id__in=selected).order_by("concluded_on", "pk")
    pad = LIGHT_PAD if light else ()
    for row in rows.values_list(*(STATUS_FIELDS if light else OPINION_FIELDS)):
        fact = tuple.__new__(OpinionFact, row + pad)  # skips the generated __new__: ~2× faster on 30,000 rows
        found[fact.review_id].append(fact)
    return found


def slot_of(round_: str, department: str = "", *, order: Sequence[str] = ()) -> Slot:
    offset = order.index(department) + 1 if department in order else 99
    return Slot(ROUND_POSITION[round_] + (offset if round_ == ReviewRound.COUNTY else 0), round_, department)


@dataclass(frozen=True)
class LiveItem:
    """A negative-list entry that counts against the person on the date asked."""

    item: ItemRule
    record: NegativeRecord

    @property
    def detail(self) -> str:
        source = f"{self.record.source_department}，{self.record.document_number}"
        return f"负面清单{self.item.label}（{source}）"


@dataclass
class ReviewOutcome:
    review: Review
    status: str
    slots: list[Slot]
    latest: dict[Slot, OpinionFact] = field(default_factory=dict)
    live_items: list[LiveItem] = field(default_factory=list)
    history: list[OpinionFact] = field(default_factory=list)  # every opinion, oldest first

    @property
    def status_label(self) -> str:
        return QualificationStatus(self.status).label

    @property
    def missing(self) -> list[Slot]:
        return [slot for slot in self.slots if slot not in self.latest]

    @property
    def failed_opinions(self) -> list[tuple[Slot, OpinionFact]]:
        return [(s, o) for s, o in sorted(self.latest.items()) if o.conclusion == Conclusion.FAIL]

    def failure_reasons(self, *, detail: bool) -> list[str]:
        """Why it failed: each 不通过 with its reason, then the negative-list items (only with `detail`)."""
        reasons = [f"{slot.label}不通过" + (f"：{o.note}" if detail else "") for slot, o in self.failed_opinions]
        if detail:
            reasons += [live.detail for live in self.live_items]
        elif self.live_items:
            reasons.append(f"负面清单（{HIDDEN_DETAIL}）")
        return reasons

    def missing_labels(self) -> list[str]:
        return [slot.label for slot in self.missing]

    def summary(self, *, detail: bool) -> str:
        """One line in Chinese: the status and what is behind it."""
        if self.status == QualificationStatus.FAILED:
            return "不通过：" + "；".join(self.failure_reasons(detail=detail))
        if self.status == QualificationStatus.PENDING:
            return "待审：尚缺" + "、".join(self.missing_labels()) + "意见"
        if self.status == QualificationStatus.WITHDRAWN:
            return f"已撤回：{self.review.withdrawn_reason}"
        return "通过"

    def round_state(self, round_: str) -> str:
        """ "pass", "fail", "partial" (some county departments answered) or "missing" for one round."""
        slots = [slot for slot in self.slots if slot.round == round_]
        answered = [self.latest[slot] for slot in slots if slot in self.latest]
        extra = [o for slot, o in self.latest.items() if slot.round == round_ and slot not in slots]
        if any(o.conclusion == Conclusion.FAIL for o in answered + extra):
            return "fail"
        if len(answered) == len(slots):
            return "pass"
        return "partial" if answered else "missing"

    def opinion(self, round_: str, department: str = "") -> OpinionFact | None:
        return next((o for s, o in self.latest.items() if s.round == round_ and s.department == department), None)


def with_outcome_data(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """The related rows `outcomes_for` and the pages read (one query with the reviews)."""
    return reviews.select_related("person", "village__township")


def county_of(review: Review) -> int:
    """The county whose rules apply: annotated as `county_ref` by bulk readers (no joins loaded), else related."""
    return getattr(review, "county_ref", None) or review.village.township.county_id


def outcomes_for(
    reviews: Sequence[Review],
    *,
    on: dt.date | None = None,
    book: ReviewRuleBook | None = None,
    records: dict[int, list[NegativeRecord]] | None = None,
    light: bool = False,
    source: QuerySet[Review] | None = None,
) -> dict[int, ReviewOutcome]:
    """Outcome per review pk (see the module contract). For long lists pass the QuerySet the reviews came from
    as `source` (opinions and records are then read through subqueries, not thousands of ids) and `light=True`
    (the opinions' texts are left out)."""
    on = on or timezone.localdate()
    if book is None:
        book = ReviewRuleBook.load(county_ids={county_of(r) for r in reviews})
    if records is None:
        records = negative_records_of(
            source.values("person_id") if source is not None else {r.person_id for r in reviews}
        )
    facts = opinion_facts(source if source is not None else [r.pk for r in reviews], light=light) if reviews else {}
    return {
        r.pk: _outcome(r, on=on, book=book, records=records.get(r.person_id, []), facts=facts.get(r.pk, []))
        for r in reviews
    }


def outcome_of(review: Review, *, on: dt.date | None = None) -> ReviewOutcome:
    return outcomes_for([review], on=on)[review.pk]


def negative_records_of(person_ids: set[int] | QuerySet) -> dict[int, list[NegativeRecord]]:
    """Every negative record of the people (ids, or a subquery of ids; one query), by person."""
    found: dict[int, list[NegativeRecord]] = defaultdict(list)
    for record in NegativeRecord.objects.filter(person_id__in=person_ids).order_by("occurred_on", "pk"):
        found[record.person_id].append(record)
    return found


_SLOTS: dict[tuple[int, tuple[str, ...]], tuple[list[Slot], dict[tuple[str, str], Slot]]] = {}


def required_slots(review: Review, book: ReviewRuleBook) -> tuple[list[Slot], list[str]]:
    """The slots the review needs and the department order of its list."""
    departments = book.departments(county_id=county_of(review), on=review.opened_on) or [FALLBACK_DEPARTMENT]
    return _slots(departments)[0], departments


def _slots(departments: list[str]) -> tuple[list[Slot], dict[tuple[str, str], Slot]]:
    """Slots of a department list, and (round, department) → slot; kept per list (a county has one or two)."""
    key = (len(departments), tuple(departments))
    if key not in _SLOTS:
        slots = [slot_of(ReviewRound.VILLAGE), slot_of(ReviewRound.TOWNSHIP)]
        slots += [slot_of(ReviewRound.COUNTY, d, order=departments) for d in departments]
        slots.append(slot_of(ReviewRound.COMMITTEE))
        _SLOTS[key] = (slots, {(slot.round, slot.department): slot for slot in slots})
    return _SLOTS[key]


def _outcome(
    review: Review, *, on: dt.date, book: ReviewRuleBook, records: list[NegativeRecord], facts: list[OpinionFact]
) -> ReviewOutcome:
    county_id = county_of(review)
    departments = book.departments(county_id=county_id, on=review.opened_on) or [FALLBACK_DEPARTMENT]
    slots, by_key = _slots(departments)
    latest: dict[Slot, OpinionFact] = {}
    for opinion in facts:  # oldest first: later ones replace earlier ones
        department = opinion.department if opinion.round == ReviewRound.COUNTY else ""
        slot = by_key.get((opinion.round, department)) or slot_of(opinion.round, department, order=departments)
        latest[slot] = opinion
    live = []
    for record in records:
        item = book.item(county_id=county_id, code=record.item_code, on=on)
        if item is not None and item.disqualifies and is_live(record, item, on=on):
            live.append(LiveItem(item, record))
    outcome = ReviewOutcome(review, QualificationStatus.PENDING, slots, latest, live, facts)
    if review.withdrawn_on is not None:
        outcome.status = QualificationStatus.WITHDRAWN
    elif live or any(o.conclusion == Conclusion.FAIL for o in latest.values()):
        outcome.status = QualificationStatus.FAILED
    elif not outcome.missing:
        outcome.status = QualificationStatus.PASSED
    return outcome
