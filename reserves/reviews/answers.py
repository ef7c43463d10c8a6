"""Reading the departments' answers back from their sheets (reserves/reviews/sheets.py): preview, then apply.

Contract:
- the file is read with the roster workbook's reader (`villages.workbook.reader.read_roster` with `SHEET_COLUMNS`):
  title rows, merged cells, full-width text and footers are handled as for rosters;
- a row with an empty 审查结论 is not answered yet and is skipped; every other row must name a review the user may
  record the county round of (联审编号, within the villages given), with the same 姓名 and 公民身份号码 (whole, or
  masked as exported), a department the review's county round needs, 通过/不通过 (common wordings accepted), a
  reason for 不通过 and a 审查日期 (the roster's date shapes) not in the future; a department may answer a review
  once per file. Problems are `RowProblem`s (`row N: column: problem`);
- a row that repeats an opinion already recorded (same review, department, conclusion, date and 文号) is skipped,
  so importing the same sheet twice records nothing the second time;
- `apply_answers` writes the planned opinions in one transaction after checking them again (the data may have
  changed since the preview): any problem, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import Conclusion, ReviewRound
from reserves.models import Review, ReviewOpinion
from reserves.reviews.access import can_record_round
from reserves.reviews.opening import opinion_problems
from reserves.reviews.rules import ReviewRuleBook
from reserves.reviews.sheets import SHEET_COLUMNS
from reserves.reviews.status import required_slots
from villages import idcard
from villages.models import User, Village
from villages.signals import schedule_recompute
from villages.workbook.dates import DateShapeError, parse_date
from villages.workbook.problems import RowProblem
from villages.workbook.reader import RosterSheet, SheetRow, Source, read_roster

CONCLUSIONS = {
    "通过": Conclusion.PASS, "同意": Conclusion.PASS, "无异议": Conclusion.PASS, "合格": Conclusion.PASS,
    "pass": Conclusion.PASS, "不通过": Conclusion.FAIL, "不同意": Conclusion.FAIL, "有异议": Conclusion.FAIL,
    "不合格": Conclusion.FAIL, "fail": Conclusion.FAIL,
}  # fmt: skip
HEADER = {column.key: column.header for column in SHEET_COLUMNS}


@dataclass(frozen=True)
class Answer:
    """One opinion to record, as planned from a sheet row (and signed into the preview page)."""

    row: int
    review_id: int
    department: str
    conclusion: str
    note: str
    concluded_on: str  # ISO date
    document_number: str
    person_name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AnswerPlan:
    answers: list[Answer] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    blank: int = 0  # rows without a conclusion (not answered yet)
    repeated: int = 0  # rows already recorded

    @property
    def ok(self) -> bool:
        return not self.problems


def plan_answers(source: Source, *, user: User, villages: QuerySet[Village]) -> AnswerPlan:
    """Read and check a returned sheet (see the module contract); nothing is written."""
    sheet = read_roster(source, columns=SHEET_COLUMNS, today=timezone.localdate())
    plan = AnswerPlan(problems=list(sheet.problems))
    if sheet.problems:
        return plan
    reviews = _reviews(sheet.rows, villages)
    departments = _departments(reviews.values())
    recorded = _recorded(reviews.values())
    seen: dict[tuple[int, str], int] = {}
    for row in sheet.rows:
        answer = _answer(row, sheet, reviews, departments, user=user, plan=plan)
        if answer is None:
            continue
        key = (answer.review_id, answer.department)
        if key in seen:
            plan.problems.append(
                _problem(row, sheet, "department", f"与第 {seen[key]} 行重复（同一部门对同一人只填一次）")
            )
            continue
        seen[key] = row.number
        if (*key, answer.conclusion, answer.concluded_on, answer.document_number) in recorded:
            plan.repeated += 1
            continue
        plan.answers.append(answer)
    plan.problems.sort()
    return plan


def _reviews(rows: list[SheetRow], villages: QuerySet[Village]) -> dict[int, Review]:
    ids = {
        int(str(row.cells.get("review")).strip())
        for row in rows
        if str(row.cells.get("review") or "").strip().isdigit()
    }
    found = Review.objects.filter(pk__in=ids, village__in=villages, person__deleted_at__isnull=True)
    return {r.pk: r for r in found.select_related("person", "village__township")}


def _departments(reviews: Any) -> dict[int, list[str]]:
    reviews = list(reviews)
    book = ReviewRuleBook.load(county_ids={r.village.township.county_id for r in reviews})
    return {r.pk: required_slots(r, book)[1] for r in reviews}


def _recorded(reviews: Any) -> set[tuple[int, str, str, str, str]]:
    opinions = ReviewOpinion.objects.filter(review__in=list(reviews), round=ReviewRound.COUNTY)
    return {
        (o.review_id, o.department, o.conclusion, o.concluded_on.isoformat(), o.document_number)
        for o in opinions.only("review_id", "department", "conclusion", "concluded_on", "document_number")
    }


def _problem(row: SheetRow, sheet: RosterSheet, key: str, message: str) -> RowProblem:
    return RowProblem(row.number, sheet.header(key), message)


def _text(row: SheetRow, key: str) -> str:
    value = row.cells.get(key)
    return "" if value is None else str(value).strip()


def _answer(
    row: SheetRow,
    sheet: RosterSheet,
    reviews: dict[int, Review],
    departments: dict[int, list[str]],
    *,
    user: User,
    plan: AnswerPlan,
) -> Answer | None:
    raw_conclusion = _text(row, "conclusion")
    if not raw_conclusion:
        plan.blank += 1
        return None
    problems: list[RowProblem] = []

    def report(key: str, message: str) -> None:
        problems.append(_problem(row, sheet, key, message))

    review = reviews.get(int(_text(row, "review"))) if _text(row, "review").isdigit() else None
    if review is None or not can_record_round(user, review, ReviewRound.COUNTY):
        report("review", f"联审编号“{_text(row, 'review')}”不存在或不在本次导入范围内")
        plan.problems += problems
        return None
    _check_person(row, review, report)
    department = _text(row, "department")
    if department not in departments[review.pk]:
        report("department", f"“{department}”不是该人县级联审需要的部门（{'、'.join(departments[review.pk])}）")
    conclusion = CONCLUSIONS.get(raw_conclusion.replace(" ", ""))
    if conclusion is None:
        report("conclusion", f"无法识别的结论“{raw_conclusion}”，请填写“通过”或“不通过”")
    concluded_on = _date(row, report)
    note = _text(row, "note")
    checked = opinion_problems(
        review=review,
        round=ReviewRound.COUNTY,
        department=department,
        conclusion=conclusion or Conclusion.PASS,
        note=note,
        concluded_on=concluded_on,
    )
    for key, message in checked.items():
        if key != "concluded_on":  # the date was reported above, in the sheet's own words
            report(key if key in HEADER else "review", message)
    if problems or conclusion is None or concluded_on is None:
        plan.problems += problems
        return None
    document = _text(row, "document_number")
    return Answer(
        row.number, review.pk, department, conclusion, note, concluded_on.isoformat(), document, review.person.name
    )


def _check_person(row: SheetRow, review: Review, report: Any) -> None:
    person = review.person
    if _text(row, "name") != person.name:
        report("name", f"姓名与联审编号 {review.pk} 不符（应为{person.name}）")
    written = _text(row, "id_number").upper().replace(" ", "")
    if written not in (person.id_number, idcard.mask(person.id_number)):
        report("id_number", f"身份证号码与联审编号 {review.pk} 的{person.name}不符")


def _date(row: SheetRow, report: Any) -> dt.date | None:
    value = row.cells.get("concluded_on")
    if value is None:
        report("concluded_on", "须填写审查日期")
        return None
    try:
        concluded = parse_date(value)
    except DateShapeError as error:
        report("concluded_on", str(error))
        return None
    if concluded > timezone.localdate():
        report("concluded_on", f"审查日期（{concluded:%Y-%m-%d}）不能晚于今天")
        return None
    return concluded


def apply_answers(answers: list[Answer], *, user: User, villages: QuerySet[Village]) -> list[RowProblem]:
    """Record the planned opinions, all or nothing; returns the problems (empty when written)."""
    problems: list[RowProblem] = []
    with transaction.atomic():
        reviews = {
            r.pk: r
            for r in Review.objects.select_for_update()
            .filter(pk__in={a.review_id for a in answers}, village__in=villages)
            .select_related("village__township")
        }
        departments = _departments(reviews.values())
        opinions = []
        for answer in answers:
            review = reviews.get(answer.review_id)
            if review is None or not can_record_round(user, review, ReviewRound.COUNTY):
                problems.append(RowProblem(answer.row, HEADER["review"], "该联审已不在本次导入范围内"))
                continue
            concluded_on = dt.date.fromisoformat(answer.concluded_on)
            checked = opinion_problems(
                review=review,
                round=ReviewRound.COUNTY,
                department=answer.department,
                conclusion=answer.conclusion,
                note=answer.note,
                concluded_on=concluded_on,
            )
            if answer.department not in departments[review.pk]:
                checked["department"] = "该部门已不在该人县级联审需要的部门中"
            problems += [RowProblem(answer.row, HEADER.get(key, HEADER["review"]), m) for key, m in checked.items()]
            opinions.append(
                ReviewOpinion(
                    review=review,
                    round=ReviewRound.COUNTY,
                    department=answer.department,
                    conclusion=answer.conclusion,
                    note=answer.note,
                    concluded_on=concluded_on,
                    document_number=answer.document_number,
                    recorded_by=user,
                )
            )
        if problems:
            return sorted(problems)
        ReviewOpinion.objects.bulk_create(opinions)
        schedule_recompute({review.village_id for review in reviews.values()})  # bulk_create sends no post_save
    return []
