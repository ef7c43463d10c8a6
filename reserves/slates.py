"""Candidate slates (预备人选): propose a person for each seat of a village's next committee and compare the
proposed committee with today's, with the same rule engine as the real roster, as of the election date.

Contract:
- Seats are the 两委 posts and one 社长 per 社 (the posts the rules judge). Single seats (书记, 主任, 文书 …)
  have seat number 1; the members' posts are numbered 1, 2 …; a 社长 seat is numbered by its 社.
- Candidates come from the village's reserves, its current post holders, or anyone placed in its township
  (`candidate_pool`). One person may hold two seats (一肩挑: 书记 and 主任).
- `simulate_slate` judges today's committee and the proposed one on the slate's election date through
  `villages.risk.evaluate_committee`. A reserve who is proposed for a seat no longer counts as a reserve in the
  proposed committee (they would be appointed), so a slate that uses up the village's reserves shows it.
- Editing is for the township's own secretary (the same people who keep the roster); everyone who may see the
  village may see its slates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reserves.choices import ReserveStatus, ReviewPurpose, SlateStatus
from reserves.models import Reserve, Slate, SlateCandidate
from reserves.reviews import cycle_of, review_refusals
from villages.choices import COMMITTEE_POSTS, Post
from villages.headlines import POST_ORDER, roster_order
from villages.models import Group, Person, PostAssignment, User, Village
from villages.permissions import can_edit_roster
from villages.risk import Evaluation, RuleResult, Seat, evaluate_committee

# The seats a slate fills: the 两委 posts and 社长, in roster order (villages.roster.POST_ORDER).
SLATE_POSTS: tuple[str, ...] = tuple(p for p in Post.values if p in COMMITTEE_POSTS or p == Post.GROUP_LEADER)
MULTI_SEAT_POSTS = frozenset(
    {Post.PARTY_MEMBER, Post.COMMITTEE_MEMBER, Post.PARTY_DEPUTY_SECRETARY, Post.DEPUTY_DIRECTOR}
)
MAX_SEATS = 9


# ---- lookups ----


def slate_for(user: User, pk: int) -> Slate:
    """A slate the user may see (outsiders: 404)."""
    slates = Slate.objects.for_user(user).select_related("village__township__county", "created_by")
    return get_object_or_404(slates, pk=pk)


def slate_for_edit(user: User, pk: int) -> Slate:
    slate = slate_for(user, pk)
    if not can_edit_roster(user, slate.village):
        raise PermissionDenied("预备人选方案由本乡镇党委书记维护")
    return slate


def default_election_on(village: Village, *, today: dt.date | None = None) -> dt.date:
    """The village's planned election date, else its county's, else today."""
    return village.planned_election_on or village.township.county.planned_election_on or today or timezone.localdate()


# ---- the candidate pool ----


def candidate_pool(*, village: Village) -> QuerySet[Person]:
    """Everyone who may be proposed: placed in the village's township (home village, a post or a reserve there).

    The village's own reserves and current post holders are part of it (their village is in the township).
    """
    return Person.objects.alive().in_villages(Village.objects.filter(township_id=village.township_id))


@dataclass(frozen=True)
class PoolGroups:
    """The pool split the way the picker shows it."""

    reserves: list[Person]
    members: list[Person]
    others: list[Person]


def pool_groups(*, village: Village, on: dt.date) -> PoolGroups:
    """Reserves of the village first, then its current post holders, then the rest of the township (3 queries)."""
    reserve_ids = set(
        Reserve.objects.filter(village=village, status=ReserveStatus.ACTIVE).values_list("person_id", flat=True)
    )
    member_ids = set(PostAssignment.objects.current(on).filter(village=village).values_list("person_id", flat=True))
    groups: dict[str, list[Person]] = {"reserves": [], "members": [], "others": []}
    for person in candidate_pool(village=village).order_by("name", "pk"):
        key = "reserves" if person.pk in reserve_ids else "members" if person.pk in member_ids else "others"
        groups[key].append(person)
    return PoolGroups(**groups)


# ---- editing ----


def _group(slate: Slate, post: str, seat: int) -> Group | None:
    if post != Post.GROUP_LEADER:
        return None
    group = Group.objects.filter(village=slate.village, number=seat).first()
    if group is None:
        raise ValidationError(f"{slate.village.name}没有第{seat}社")
    return group


@transaction.atomic
def start_slate(*, village: Village, by: User, name: str, election_on: dt.date, from_current: bool = True) -> Slate:
    """Create a draft slate; with `from_current`, every seat starts with today's holder (change what you want)."""
    if not can_edit_roster(by, village):
        raise PermissionDenied("预备人选方案由本乡镇党委书记维护")
    slate = Slate.objects.create(village=village, name=name, election_on=election_on, created_by=by)
    if from_current:
        SlateCandidate.objects.bulk_create(
            SlateCandidate(slate=slate, post=s.post, seat=n, group_id=s.group_id, person_id=s.person_id)
            for s, n in _numbered(_current_assignments(village=village, on=timezone.localdate()))
        )
    return slate


def set_candidate(*, slate: Slate, post: str, seat: int, person: Person) -> SlateCandidate:
    """Propose `person` for one seat (replacing whoever was proposed there). The person must be in the pool."""
    if post not in SLATE_POSTS:
        raise ValidationError(f"预备人选方案不含该职务：{post}")
    if not 1 <= seat <= (99 if post == Post.GROUP_LEADER else MAX_SEATS):
        raise ValidationError("席位编号不正确")
    if post not in MULTI_SEAT_POSTS and post != Post.GROUP_LEADER and seat != 1:
        raise ValidationError(f"{Post(post).label}只有一个席位")
    if not candidate_pool(village=slate.village).filter(pk=person.pk).exists():
        raise ValidationError(f"{person.name}不在本乡镇人员中，不能提名")
    candidate, _ = SlateCandidate.objects.update_or_create(
        slate=slate, post=post, seat=seat, defaults={"person": person, "group": _group(slate, post, seat)}
    )
    slate.save(update_fields=["updated_at"])
    return candidate


def clear_seat(*, slate: Slate, post: str, seat: int) -> None:
    """Leave a seat without a proposed person (the seat then counts as vacant in the simulation)."""
    SlateCandidate.objects.filter(slate=slate, post=post, seat=seat).delete()
    slate.save(update_fields=["updated_at"])


def set_status(*, slate: Slate, status: str, by: User | None = None) -> None:
    """定稿 needs every proposed person to have passed the election's qualification review when the county
    requires it (未经联审不得任职); the refusal lists each person and why. Back to draft is always allowed."""
    if status not in SlateStatus.values:
        raise ValidationError("状态不正确")
    if status == SlateStatus.FINAL:
        refusals = review_refusals(
            people=list(dict.fromkeys(slate.candidates.values_list("person_id", flat=True))),
            purpose=ReviewPurpose.ELECTION,
            cycle=cycle_of(slate.election_on),
            county=slate.village.township.county_id,
            on=slate.election_on,
            by=by,
            context="slate_final",
        )
        if refusals:
            raise ValidationError(["方案未定稿：", *refusals.values()])
    slate.status = status
    slate.save(update_fields=["status", "updated_at"])


# ---- seats ----


def _current_assignments(*, village: Village, on: dt.date) -> list[PostAssignment]:
    posts = (
        PostAssignment.objects.current(on)
        .filter(village=village, post__in=SLATE_POSTS, person__deleted_at__isnull=True)
        .select_related("person", "group")
    )
    return sorted(posts, key=roster_order)


def _numbered(assignments: list[PostAssignment]) -> list[tuple[PostAssignment, int]]:
    """Seat numbers for today's holders: 社长 by their 社, other posts 1, 2 … in order."""
    counters: dict[str, int] = {}
    numbered = []
    for a in assignments:
        if a.post == Post.GROUP_LEADER:
            numbered.append((a, a.group_number or 0))
            continue
        counters[a.post] = counters.get(a.post, 0) + 1
        numbered.append((a, counters[a.post]))
    return numbered


def _seat(a: PostAssignment) -> Seat:
    return Seat(a.person, a.post, a.how, a.start_on, a.group_number)


def current_seats(*, village: Village, on: dt.date) -> list[Seat]:
    """Today's committee as evaluate_committee takes it (one query)."""
    return [_seat(a) for a in _current_assignments(village=village, on=on)]


def slate_candidates(slate: Slate) -> list[SlateCandidate]:
    rows = slate.candidates.select_related("person", "group")
    return sorted(rows, key=lambda c: (POST_ORDER.get(c.post, 99), c.seat))


def slate_seats(slate: Slate, candidates: list[SlateCandidate]) -> list[Seat]:
    """The proposed committee: every candidate elected on the election date."""
    return [
        Seat(c.person, c.post, "elected", slate.election_on, c.group.number if c.group else None) for c in candidates
    ]


# ---- simulation ----


@dataclass(frozen=True)
class RuleRow:
    key: str
    label: str
    today: RuleResult
    proposed: RuleResult

    @property
    def change(self) -> str:
        """ "fixed", "broken" or "" (unchanged)."""
        if self.today.passed == self.proposed.passed:
            return ""
        return "fixed" if self.proposed.passed else "broken"


@dataclass(frozen=True)
class SeatRow:
    post: str
    seat: int
    label: str
    today: list[Person]
    proposed: Person | None
    proposed_flags: list[str]  # person flag labels in the proposed committee


@dataclass
class SlateComparison:
    slate: Slate
    as_of: dt.date
    today: Evaluation
    proposed: Evaluation
    rules: list[RuleRow]
    seats: list[SeatRow] = field(default_factory=list)

    @property
    def indicators(self) -> list[tuple[str, object, object]]:
        """(label, today, proposed) for the structure indicators printed side by side."""
        return [(label, getter(self.today.stats), getter(self.proposed.stats)) for label, getter in INDICATORS]

    @property
    def failing_today(self) -> int:
        return sum(not r.today.passed for r in self.rules)

    @property
    def failing_proposed(self) -> int:
        return sum(not r.proposed.passed for r in self.rules)


def _share(value: object) -> str:
    return "—" if value is None else f"{value}%"


INDICATORS = [
    ("两委成员（人）", lambda s: s.members),
    ("平均年龄（岁）", lambda s: s.average_age if s.average_age is not None else "—"),
    ("60岁及以上", lambda s: f"{s.aged_60_plus}（{_share(s.share_aged_60_plus)}）"),
    ("35岁及以下", lambda s: f"{s.aged_35_or_under}（{_share(s.share_aged_35_or_under)}）"),
    ("初中及以下", lambda s: f"{s.junior_high_or_below}（{_share(s.share_junior_high_or_below)}）"),
    ("大专及以上", lambda s: f"{s.associate_or_above}（{_share(s.share_associate_or_above)}）"),
    ("女性", lambda s: f"{s.women}（{_share(s.share_women)}）"),
]


def _reserve_facts(slate: Slate, proposed_ids: set[int]) -> tuple[int, bool]:
    """Active reserves left, and whether a secretary reserve is left, once the proposed people are appointed."""
    reserves = Reserve.objects.filter(
        village=slate.village, status=ReserveStatus.ACTIVE, person__deleted_at__isnull=True
    ).values_list("person_id", "target_post")
    left = [(pid, post) for pid, post in reserves if pid not in proposed_ids]
    return len(left), any(post == Post.PARTY_SECRETARY for _, post in left)


def _seat_label(post: str, seat: int) -> str:
    if post == Post.GROUP_LEADER:
        return f"{seat}社社长"
    return f"{Post(post).label}{seat if post in MULTI_SEAT_POSTS else ''}"


def _seat_rows(
    *, today: list[tuple[PostAssignment, int]], candidates: list[SlateCandidate], flags: dict[int, list]
) -> list[SeatRow]:
    """Every seat held today or proposed, with who holds it today and who is proposed."""
    holders: dict[tuple[str, int], list[Person]] = {}
    for assignment, number in today:
        holders.setdefault((assignment.post, number), []).append(assignment.person)
    proposed = {(c.post, c.seat): c.person for c in candidates}
    keys = sorted(set(holders) | set(proposed), key=lambda k: (POST_ORDER.get(k[0], 99), k[1]))
    rows = []
    for post, seat in keys:
        person = proposed.get((post, seat))
        labels = [f.kind_label for f in flags.get(person.pk, [])] if person else []
        rows.append(SeatRow(post, seat, _seat_label(post, seat), holders.get((post, seat), []), person, labels))
    return rows


def simulate_slate(*, slate: Slate) -> SlateComparison:
    """Today's committee and the proposed one judged side by side on the slate's election date.

    A fixed number of queries (about a dozen) whatever the size of the village.
    """
    village = slate.village
    numbered = _numbered(_current_assignments(village=village, on=timezone.localdate()))
    today_seats = [_seat(a) for a, _ in numbered]
    candidates = slate_candidates(slate)
    proposed_seats = slate_seats(slate, candidates)
    reserves_left, secretary_reserve_left = _reserve_facts(slate, {c.person_id for c in candidates})
    today = evaluate_committee(village=village, seats=today_seats, as_of=slate.election_on)
    proposed = evaluate_committee(
        village=village,
        seats=proposed_seats,
        as_of=slate.election_on,
        reserves_count=reserves_left,
        secretary_reserve=secretary_reserve_left,
    )
    rules = [RuleRow(t.key, t.label, t, p) for t, p in zip(today.rule_results, proposed.rule_results, strict=True)]
    seats = _seat_rows(today=numbered, candidates=candidates, flags=proposed.person_flags)
    return SlateComparison(slate, slate.election_on, today, proposed, rules, seats)


def seat_options(*, slate: Slate, comparison: SlateComparison) -> list[tuple[str, str]]:
    """("post:seat", label) for the seat picker: every seat shown, a new seat per multi-seat post, and the 社
    without a 社长 (one query for the groups)."""
    options = [(f"{row.post}:{row.seat}", row.label) for row in comparison.seats]
    taken = {(row.post, row.seat) for row in comparison.seats}
    for post in SLATE_POSTS:
        used = [seat for p, seat in taken if p == post]
        if post in MULTI_SEAT_POSTS or (post != Post.GROUP_LEADER and not used):
            seat = max(used, default=0) + 1
            options.append((f"{post}:{seat}", f"新增：{_seat_label(post, seat)}"))
    for number in slate.village.groups.values_list("number", flat=True):
        if (Post.GROUP_LEADER, number) not in taken:
            options.append((f"{Post.GROUP_LEADER}:{number}", f"新增：{number}社社长"))
    return options
