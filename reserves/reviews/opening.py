"""Writing reviews: open one or a whole batch, record an opinion, withdraw; enter and rectify negative records.

Contract:
- one review per person, purpose and cycle (also a database constraint): opening it again returns the existing
  one (a withdrawn one is reopened), so a batch can be run twice without doubles;
- `open_for_slates` opens an `election` review for every person proposed on the township's slates, one slate per
  village: its final slate, else the draft edited last; the cycle is the year of that slate's election date and
  the post the first the person is proposed for (roster order). `open_for_nominees` opens reviews for a list of
  people (reserve intake, mid-term nominees). Both take a constant number of queries;
- an opinion is refused when the review is withdrawn, when the round needs a department that is missing (county
  round) or given (other rounds), when a 不通过 has no reason, or when the date lies in the future; permissions are
  the caller's (reserves/reviews/access.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reserves.choices import Conclusion, ItemEnd, ReviewPurpose, ReviewRound, SlateStatus
from reserves.cycles import cycle_of
from reserves.models import NegativeRecord, Reserve, Review, ReviewOpinion, Slate, SlateCandidate
from reserves.reviews.rules import ReviewRuleBook
from villages.headlines import POST_ORDER
from villages.models import County, Person, PostAssignment, Township, User, Village
from villages.signals import schedule_recompute


@dataclass(frozen=True)
class Nominee:
    person: Person
    village: Village
    post: str = ""


@dataclass
class BatchResult:
    created: list[Review] = field(default_factory=list)
    reopened: list[Review] = field(default_factory=list)
    existing: list[Review] = field(default_factory=list)

    @property
    def message(self) -> str:
        return (
            f"新发起资格联审 {len(self.created)} 人，重新启用 {len(self.reopened)} 人，已在审 {len(self.existing)} 人"
        )


def open_review(
    *,
    person: Person,
    village: Village,
    purpose: str,
    cycle: str,
    by: User,
    post: str = "",
    opened_on: dt.date | None = None,
    opinions_due_on: dt.date | None = None,
) -> Review:
    """Open (or return, or reopen) the review of one person for one purpose and cycle."""
    batch = open_batch(
        nominees=[Nominee(person, village, post)],
        purpose=purpose,
        cycle=cycle,
        by=by,
        opened_on=opened_on,
        opinions_due_on=opinions_due_on,
    )
    return (batch.created or batch.reopened or batch.existing)[0]


@transaction.atomic
def open_batch(
    *,
    nominees: Iterable[Nominee],
    purpose: str,
    cycle: str,
    by: User,
    opened_on: dt.date | None = None,
    opinions_due_on: dt.date | None = None,
) -> BatchResult:
    """Open reviews for many people at once (one per person; the first nominee of a person wins)."""
    if purpose not in ReviewPurpose.values:
        raise ValidationError("联审类别不正确")
    opened_on = opened_on or timezone.localdate()
    if opinions_due_on is not None and opinions_due_on < opened_on:
        raise ValidationError("部门意见反馈期限不能早于发起日期")
    wanted: dict[int, Nominee] = {}
    for nominee in nominees:
        wanted.setdefault(nominee.person.pk, nominee)
    result = BatchResult()
    existing = Review.objects.filter(person_id__in=wanted, purpose=purpose, cycle=cycle)
    for review in existing:
        wanted.pop(review.person_id)
        if review.withdrawn_on is not None:
            review.withdrawn_on, review.withdrawn_reason = None, ""
            review.save(update_fields=["withdrawn_on", "withdrawn_reason"])
            result.reopened.append(review)
        else:
            result.existing.append(review)
    result.created = Review.objects.bulk_create(
        Review(
            person=n.person,
            village=n.village,
            purpose=purpose,
            cycle=cycle,
            post=n.post,
            opened_on=opened_on,
            opened_by=by,
            opinions_due_on=opinions_due_on,
        )
        for n in wanted.values()
    )
    # bulk_create sends no post_save: the work queue learns of the new reviews here.
    schedule_recompute({review.village_id for review in result.created + result.reopened})
    return result


def nominees_in(*, people: Iterable[Person], township: Township) -> list[Nominee]:
    """People of a pasted list as nominees of the township: each for their home village when it is in the
    township, else the village of a current post there, else of a reserve there. Three queries."""
    people = list(people)
    villages = {v.pk: v for v in Village.objects.filter(township=township)}
    ids = [p.pk for p in people]
    posts = dict(
        PostAssignment.objects.current(timezone.localdate())
        .filter(person_id__in=ids, village_id__in=villages)
        .values_list("person_id", "village_id")
    )
    reserves = dict(
        Reserve.objects.filter(person_id__in=ids, village_id__in=villages).values_list("person_id", "village_id")
    )
    placed = []
    for person in people:
        village_id = person.home_village_id if person.home_village_id in villages else None
        village_id = village_id or posts.get(person.pk) or reserves.get(person.pk)
        if village_id is None:
            raise ValidationError(f"{person.name}不在{township.name}的人员中")
        placed.append(Nominee(person, villages[village_id]))
    return placed


def slate_nominees(*, township: Township) -> tuple[list[Nominee], dict[int, str]]:
    """Everyone proposed on the township's slates (one slate per village, see the module contract), and the cycle
    of each person (person id → cycle). Two queries."""
    chosen: dict[int, Slate] = {}
    slates = Slate.objects.filter(village__township=township).order_by("village_id", "-updated_at", "-pk")
    for slate in slates.select_related("village"):
        current = chosen.get(slate.village_id)
        if current is None or (slate.status == SlateStatus.FINAL and current.status != SlateStatus.FINAL):
            chosen[slate.village_id] = slate
    candidates = SlateCandidate.objects.filter(slate__in=list(chosen.values()), person__deleted_at__isnull=True)
    by_slate = {slate.pk: slate for slate in chosen.values()}
    rows = sorted(
        candidates.select_related("person"),
        key=lambda c: (by_slate[c.slate_id].village.code, POST_ORDER.get(c.post, 99), c.seat),
    )
    nominees: dict[int, Nominee] = {}
    cycles: dict[int, str] = {}
    for candidate in rows:
        slate = by_slate[candidate.slate_id]
        if candidate.person_id not in nominees:
            nominees[candidate.person_id] = Nominee(candidate.person, slate.village, candidate.post)
            cycles[candidate.person_id] = cycle_of(slate.election_on)
    return list(nominees.values()), cycles


def open_for_slates(
    *, township: Township, by: User, opinions_due_on: dt.date | None = None, opened_on: dt.date | None = None
) -> BatchResult:
    """Election reviews for everyone on the township's slates, in one step (grouped by cycle)."""
    nominees, cycles = slate_nominees(township=township)
    if not nominees:
        raise ValidationError(f"{township.name}尚无预备人选方案，请先在各村制定方案")
    result = BatchResult()
    with transaction.atomic():
        for cycle in sorted(set(cycles.values())):
            batch = open_batch(
                nominees=[n for n in nominees if cycles[n.person.pk] == cycle],
                purpose=ReviewPurpose.ELECTION,
                cycle=cycle,
                by=by,
                opened_on=opened_on,
                opinions_due_on=opinions_due_on,
            )
            result.created += batch.created
            result.reopened += batch.reopened
            result.existing += batch.existing
    return result


def record_opinion(
    *,
    review: Review,
    round: str,
    conclusion: str,
    concluded_on: dt.date,
    by: User,
    department: str = "",
    note: str = "",
    document_number: str = "",
) -> ReviewOpinion:
    """Add one written conclusion (validated as the module contract says). Raises ValidationError."""
    errors = opinion_problems(
        review=review, round=round, department=department, conclusion=conclusion, note=note, concluded_on=concluded_on
    )
    if errors:
        raise ValidationError(errors)
    return ReviewOpinion.objects.create(
        review=review,
        round=round,
        department=department.strip() if round == ReviewRound.COUNTY else "",
        conclusion=conclusion,
        note=note.strip(),
        concluded_on=concluded_on,
        document_number=document_number.strip(),
        recorded_by=by,
    )


def opinion_problems(
    *, review: Review, round: str, department: str, conclusion: str, note: str, concluded_on: dt.date | None
) -> dict[str, str]:
    """Field → problem for one opinion (empty when it may be recorded); the web form, API and sheet import share it."""
    problems: dict[str, str] = {}
    if review.withdrawn_on is not None:
        problems["review"] = "该资格联审已撤回，不能再录入意见"
    if round not in ReviewRound.values:
        problems["round"] = "审查环节不正确"
    elif round == ReviewRound.COUNTY and not department.strip():
        problems["department"] = "县级联审须填写部门"
    if conclusion not in Conclusion.values:
        problems["conclusion"] = "结论应为“通过”或“不通过”"
    elif conclusion == Conclusion.FAIL and not note.strip():
        problems["note"] = "结论为不通过时须写明理由"
    if concluded_on is None:
        problems["concluded_on"] = "须填写审查日期"
    elif concluded_on > timezone.localdate():
        problems["concluded_on"] = "审查日期不能晚于今天"
    return problems


def withdraw_review(*, review: Review, reason: str, on: dt.date | None = None) -> None:
    if not reason.strip():
        raise ValidationError("撤回须写明原因")
    review.withdrawn_on, review.withdrawn_reason = on or timezone.localdate(), reason.strip()
    review.save(update_fields=["withdrawn_on", "withdrawn_reason"])


def add_negative_record(
    *,
    person: Person,
    county: County,
    item_code: str,
    source_department: str,
    occurred_on: dt.date,
    document_number: str,
    by: User,
    ends_on: dt.date | None = None,
    rectified_on: dt.date | None = None,
    detail: str = "",
) -> NegativeRecord:
    """Enter one negative-list entry (the form or serializer has checked the item exists for the county)."""
    return NegativeRecord.objects.create(
        person=person,
        county=county,
        item_code=item_code,
        source_department=source_department.strip(),
        occurred_on=occurred_on,
        ends_on=ends_on,
        rectified_on=rectified_on,
        document_number=document_number.strip(),
        detail=detail.strip(),
        recorded_by=by,
    )


def record_problems(
    *,
    county_id: int,
    item_code: str,
    occurred_on: dt.date | None,
    ends_on: dt.date | None,
    rectified_on: dt.date | None,
    new: bool = True,
) -> dict[str, str]:
    """Field → problem for a negative record (new, or a change to one when `new` is false): a new record's item
    must be on the county's list today, the dates in order and not in the future, an end date only for items
    that lapse by date and a rectification date only for items that end by rectification. A record whose item the
    county has since taken off its list can still be changed (e.g. its rectification recorded)."""
    today = timezone.localdate()
    problems: dict[str, str] = {}
    item = ReviewRuleBook.load(county_ids=[county_id]).item(county_id=county_id, code=item_code, on=today)
    if item is None and new:
        problems["item_code"] = f"本区县负面清单中没有第{item_code}项"
    if occurred_on is None:
        problems["occurred_on"] = "须填写认定日期"
    elif occurred_on > today:
        problems["occurred_on"] = "认定日期不能晚于今天"
    if ends_on is not None:
        if item is not None and item.ends != ItemEnd.PERIOD:
            problems["ends_on"] = f"第{item_code}项不按期限失效（{ItemEnd(item.ends).label}），不填写截止日期"
        elif occurred_on is not None and ends_on <= occurred_on:
            problems["ends_on"] = "截止日期应晚于认定日期"
    if rectified_on is not None:
        if item is not None and item.ends != ItemEnd.RECTIFICATION:
            problems["rectified_on"] = f"第{item_code}项不以整改失效（{ItemEnd(item.ends).label}）"
        elif rectified_on > today:
            problems["rectified_on"] = "整改完成日期不能晚于今天"
        elif occurred_on is not None and rectified_on < occurred_on:
            problems["rectified_on"] = "整改完成日期不能早于认定日期"
    return problems
