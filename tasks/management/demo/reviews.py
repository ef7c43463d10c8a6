"""AFTER_SEED_HOOKS entry: the demo township (凌云乡) is in the middle of its 资格联审 for the coming election.

The secretaries and directors of its first three villages (by code), and one committee member of each, are
candidates of the election cycle of the county's planned date. Every opinion is in and 通过, except:
- one candidate (a director) has a live negative-list entry (第9.3项, 失信被执行人, not removed) and 法院 answered
  不通过 for it: the review fails;
- one candidate (a committee member) still lacks 信访局's opinion, whose deadline has passed: the review is pending
  and the department is overdue in the risk list.
Idempotent: nothing is added when the township already has reviews. Runs before the risk recomputation hook.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from reserves.choices import Conclusion, ReviewPurpose, ReviewRound
from reserves.models import NegativeRecord, Review, ReviewOpinion
from reserves.reviews import ReviewRuleBook, cycle_of
from tasks.management.demo.tables import DEMO_TOWNSHIP, Scale
from villages.choices import Post
from villages.headlines import POST_ORDER
from villages.models import PostAssignment, User, Village

CANDIDATE_POSTS = (Post.PARTY_SECRETARY, Post.DIRECTOR, Post.COMMITTEE_MEMBER)
LATE_DEPARTMENT = "信访局"
FAILING_DEPARTMENT = "法院"


def seed_hook(*, scale: Scale, seed: int) -> None:
    """Create the demo township's reviews (see the module docstring) unless it has some."""
    today = timezone.localdate()
    if Review.objects.filter(village__township__code=DEMO_TOWNSHIP).exists():
        return
    county_user = User.objects.filter(username="county").first()
    township_user = User.objects.filter(username="township").first()
    villages = list(Village.objects.filter(township__code=DEMO_TOWNSHIP).select_related("township__county")[:3])
    if county_user is None or township_user is None or not villages:
        return
    county = villages[0].township.county
    election_on = county.planned_election_on or today
    departments = ReviewRuleBook.load(county_ids=[county.pk]).departments(county_id=county.pk, on=today)
    with transaction.atomic():
        reviews = _open(villages, by=county_user, cycle=cycle_of(election_on), today=today)
        if len(reviews) < 2:
            return
        failing = next((r for r in reviews if r.post == Post.DIRECTOR), reviews[1])
        late = next((r for r in reviews if r.post == Post.COMMITTEE_MEMBER and r != failing), reviews[-1])
        opinions = []
        for review in reviews:
            opinions += _opinions(
                review, departments, county_user, township_user, today=today, failing=failing, late=late
            )
        ReviewOpinion.objects.bulk_create(opinions)
        NegativeRecord.objects.create(
            person=failing.person,
            county=county,
            item_code="9.3",
            source_department=FAILING_DEPARTMENT,
            occurred_on=today - dt.timedelta(days=400),
            document_number=f"（{today.year - 1}）川1902执{seed % 1000}号",
            detail="被列为失信被执行人，尚未履行，未移出名单",
            recorded_by=county_user,
        )


def _open(villages: list[Village], *, by: User, cycle: str, today: dt.date) -> list[Review]:
    holders = (
        PostAssignment.objects.current(today)
        .filter(village__in=villages, post__in=CANDIDATE_POSTS, person__deleted_at__isnull=True)
        .select_related("person", "village")
        .order_by("village__code", "pk")
    )
    chosen: dict[int, PostAssignment] = {}
    members: set[int] = set()
    for post in sorted(holders, key=lambda p: (p.village.code, POST_ORDER[p.post], p.pk)):
        if post.person_id in chosen or (post.post == Post.COMMITTEE_MEMBER and post.village_id in members):
            continue
        chosen[post.person_id] = post
        if post.post == Post.COMMITTEE_MEMBER:
            members.add(post.village_id)
    return Review.objects.bulk_create(
        Review(
            person_id=person_id,
            village=post.village,
            purpose=ReviewPurpose.ELECTION,
            cycle=cycle,
            post=post.post,
            opened_on=today - dt.timedelta(days=40),
            opened_by=by,
            opinions_due_on=today - dt.timedelta(days=7),
        )
        for person_id, post in chosen.items()
    )


def _opinions(
    review: Review,
    departments: list[str],
    county_user: User,
    township_user: User,
    *,
    today: dt.date,
    failing: Review,
    late: Review,
) -> list[ReviewOpinion]:
    def opinion(round_: str, by: User, days_ago: int, department: str = "", number: str = "") -> ReviewOpinion:
        fails = review.pk == failing.pk and department == FAILING_DEPARTMENT
        return ReviewOpinion(
            review=review,
            round=round_,
            department=department,
            conclusion=Conclusion.FAIL if fails else Conclusion.PASS,
            note="经查系失信被执行人，尚未移出名单" if fails else "",
            concluded_on=today - dt.timedelta(days=days_ago),
            document_number=number,
            recorded_by=by,
        )

    found = [
        opinion(ReviewRound.VILLAGE, township_user, 35, number=f"{review.village.name}支〔{today.year}〕{review.pk}号"),
        opinion(ReviewRound.TOWNSHIP, township_user, 30, number=f"凌委〔{today.year}〕{20 + review.pk}号"),
    ]
    for n, department in enumerate(departments):
        if review.pk == late.pk and department == LATE_DEPARTMENT:
            continue
        found.append(
            opinion(ReviewRound.COUNTY, county_user, 20 - n % 5, department, f"{department}函〔{today.year}〕{n + 1}号")
        )
    if review.pk != late.pk and review.pk != failing.pk:
        found.append(opinion(ReviewRound.COMMITTEE, county_user, 10, number=f"巴组考〔{today.year}〕{review.pk}号"))
    return found
