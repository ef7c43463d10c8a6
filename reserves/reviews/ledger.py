"""The 联审台账: every review of an area with its status per round and department, and its workbook.

Contract of `ledger`:
- rows: the reviews of the villages given (already scoped), optionally one purpose, cycle and derived status, in
  village code order, then post order, then the order they were opened; each with its outcome
  (reserves/reviews/status.py) on `on`;
- columns: 村党组织自审, 乡镇初审, every department any row's list needs (in list order), 党委考察; a cell is
  `pass`, `fail`, `missing`, or "" where that review does not need the department;
- `detail` says whether failures may be shown with their reasons and negative-list items (county staff and the
  city admin); township users get the outcome and what is missing only;
- five queries whatever the number of reviews, plus one for the rows `Ledger.materialize` loads to show.

The workbook (`ledger_workbook`) has one sheet in the shape documented in docs/domain.md §9 ("联审台账 workbook").
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from reserves.choices import QualificationStatus, ReviewRound
from reserves.models import NegativeRecord, Review
from reserves.reviews.rules import ReviewRuleBook
from reserves.reviews.status import (
    ReviewOutcome,
    county_of,
    negative_records_of,
    outcomes_for,
    required_slots,
    with_outcome_data,
)
from villages import idcard
from villages.choices import Post
from villages.headlines import POST_ORDER
from villages.models import Village

CELL_LABELS = {"pass": "通过", "fail": "不通过", "missing": "未反馈", "partial": "部分反馈", "": "—"}
CELL_BADGES = {"pass": "badge ok", "fail": "badge red", "missing": "badge amber", "": "muted"}
STATUS_ORDER = list(QualificationStatus.values)


@dataclass
class LedgerRow:
    review: Review
    outcome: ReviewOutcome
    cells: list[tuple[str, str]] = field(default_factory=list)  # (column label, state) per Ledger.columns

    @property
    def shown_cells(self) -> list[tuple[str, str, str]]:
        """(column label, css class, text) per column, for the page."""
        return [(label, CELL_BADGES[state], CELL_LABELS[state]) for label, state in self.cells]

    reasons: list[str] = field(default_factory=list)  # why it failed, worded for the reader (detail or not)

    @property
    def status(self) -> str:
        return self.outcome.status


@dataclass
class Ledger:
    rows: list[LedgerRow]
    columns: list[tuple[str, str]]  # (round, department) in column order
    detail: bool
    on: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    book: ReviewRuleBook | None = None
    records: dict[int, list[NegativeRecord]] = field(default_factory=dict)

    @property
    def column_labels(self) -> list[str]:
        return [department or ReviewRound(round_).label for round_, department in self.columns]

    @property
    def missing_opinions(self) -> int:
        return sum(len(row.outcome.missing) for row in self.rows if row.status == QualificationStatus.PENDING)

    def materialize(self, rows: Sequence[LedgerRow]) -> list[LedgerRow]:
        """The rows to show or export: person and village loaded, the opinions in full (two queries), cells and
        reasons."""
        full = list(with_outcome_data(Review.objects.filter(pk__in=[row.review.pk for row in rows])))
        outcomes = outcomes_for(full, on=self.on, book=self.book, records=self.records)
        labels = self.column_labels
        for row in rows:
            row.outcome = outcomes[row.review.pk]
            row.review = row.outcome.review
            row.cells = list(zip(labels, _cells(row.outcome, self.columns), strict=True))
            row.reasons = row.outcome.failure_reasons(detail=self.detail)
        return list(rows)


def ledger(
    *,
    villages: QuerySet[Village],
    detail: bool,
    purpose: str = "",
    cycle: str = "",
    status: str = "",
    on: dt.date | None = None,
) -> Ledger:
    """The 台账 of the villages (see the module contract)."""
    on = on or timezone.localdate()
    reviews = Review.objects.filter(village__in=villages, person__deleted_at__isnull=True)
    if purpose:
        reviews = reviews.filter(purpose=purpose)
    if cycle:
        reviews = reviews.filter(cycle=cycle)
    # Plain reviews with the two values the ledger needs (a county under review has thousands); the shown rows are
    # loaded in full by `Ledger.materialize`.
    found = list(reviews.annotate(village_code=F("village__code"), county_ref=F("village__township__county_id")))
    book = ReviewRuleBook.load(county_ids={r.county_ref for r in found})
    records = negative_records_of(reviews.values("person_id"))
    outcomes = outcomes_for(found, on=on, book=book, records=records, light=True, source=reviews)
    counts = {value: 0 for value in STATUS_ORDER}
    for outcome in outcomes.values():
        counts[outcome.status] += 1
    if status:
        found = [r for r in found if outcomes[r.pk].status == status]
    found.sort(key=lambda r: (r.village_code, POST_ORDER.get(r.post, 99), r.pk))
    rows = [LedgerRow(r, outcomes[r.pk]) for r in found]
    return Ledger(rows, _columns(found, book), detail, on, counts, book, records)


def _columns(reviews: Sequence[Review], book: ReviewRuleBook) -> list[tuple[str, str]]:
    departments: dict[str, None] = {}
    for review in {(county_of(r), r.opened_on): r for r in reviews}.values():  # one per list in use
        for department in required_slots(review, book)[1]:
            departments.setdefault(department)
    return [
        (ReviewRound.VILLAGE, ""),
        (ReviewRound.TOWNSHIP, ""),
        *((ReviewRound.COUNTY, d) for d in departments),
        (ReviewRound.COMMITTEE, ""),
    ]


def _cells(outcome: ReviewOutcome, columns: list[tuple[str, str]]) -> list[str]:
    needed = {(slot.round, slot.department) for slot in outcome.slots}
    answered = {(slot.round, slot.department): opinion.conclusion for slot, opinion in outcome.latest.items()}
    return [answered.get(key) or ("missing" if key in needed else "") for key in columns]


HEADER = ["序号", "乡镇", "村名称", "姓名", "公民身份号码", "拟任职务", "联审类别", "届次"]
TRAILER = ["状态", "尚缺意见", "不通过原因", "发起日期", "部门意见反馈期限"]


def ledger_workbook(book: Ledger, *, title: str) -> bytes:
    """One sheet: a title row, the header row (HEADER, one column per round or department, TRAILER), a row per
    review. ID numbers are always masked here (the department sheets are where whole numbers go)."""
    book.materialize(book.rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("联审台账")
    labels = [*HEADER, *book.column_labels, *TRAILER]
    for index, width in enumerate([6, 10, 12, 10, 21, 12, 14, 6, *([10] * len(book.columns)), 8, 24, 40, 12, 14]):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = Font(bold=True, size=14)
    sheet.append([title_cell])
    sheet.append([_bold(sheet, label) for label in labels])
    for number, row in enumerate(book.rows, start=1):
        review, outcome = row.review, row.outcome
        reasons = "；".join(row.reasons)
        sheet.append(
            [
                number,
                review.village.township.name,
                review.village.name,
                review.person.name,
                idcard.mask(review.person.id_number),
                Post(review.post).label if review.post else "",
                review.get_purpose_display(),
                review.cycle,
                *(CELL_LABELS[cell] for _, cell in row.cells),
                outcome.status_label,
                "、".join(outcome.missing_labels()) if row.status == QualificationStatus.PENDING else "",
                reasons,
                review.opened_on,
                review.opinions_due_on,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold(sheet: object, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell
