"""Training outcomes (进入两委率/就职率, posts won, retention) and reserve coverage.

Definitions (docs/domain.md §6; numerator and denominator are always kept together in a `Rate`):
- a trainee *entered the committee* when, after their class ended, they hold a 两委 post
  (`villages.choices.COMMITTEE_POSTS`): a current assignment, or one that started on or after the class end.
  社长 (group_leader) and 监委 (supervision_*) posts are reported separately and never count as entering.
- the rate is entered ÷ completed (only completers count; dropped and still-enrolled trainees do not).
- retention after N years: of those whose first post-class 两委 term started at least N years before `as_of`,
  the share still holding a 两委 post on that start date + N years.
- re-elected: entered, and elected (how=elected) to a 两委 post again at a later election.
- reserve coverage: villages with a reserve that counts (active, and eligible or kept with a recorded reason)
  targeted at the party secretary post ÷ all villages.

All functions load their facts in a constant number of queries (three for outcomes, one for coverage),
whatever the number of classes, trainees or villages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from reserves.choices import EnrollmentStatus, ReserveStatus
from reserves.models import Enrollment, Reserve, TrainingClass
from villages.choices import COMMITTEE_POSTS, How, Post
from villages.models import County, PostAssignment, Township, Village

if TYPE_CHECKING:  # django-stubs-ext is a dev dependency: annotations only
    from django_stubs_ext import WithAnnotations

SUPERVISION_POSTS: frozenset[str] = frozenset({Post.SUPERVISION_DIRECTOR, Post.SUPERVISION_MEMBER})
# Posts whose holders are counted in `by_post`: 两委 posts plus the separately reported 社长 and 监委 posts.
REPORTED_POSTS: frozenset[str] = COMMITTEE_POSTS | SUPERVISION_POSTS | {Post.GROUP_LEADER}
RETENTION_YEARS = (1, 3)


@dataclass(frozen=True)
class Rate:
    """A share with its numerator and denominator; rounded half-up to one decimal for display."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        exact = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def display(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent}%"

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator} ({self.display})"


@dataclass(frozen=True)
class Outcomes:
    """Outcome counts of a set of trainees. Rates are properties so numerator/denominator travel together."""

    enrolled: int = 0
    completed: int = 0
    dropped: int = 0
    reserves: int = 0
    entered_committee: int = 0
    secretary: int = 0
    director: int = 0
    other_committee: int = 0
    group_leader: int = 0
    supervision: int = 0
    re_elected: int = 0
    by_post: dict[str, int] = field(default_factory=dict)
    retained: dict[int, tuple[int, int]] = field(default_factory=dict)  # years → (still holding, eligible)

    @property
    def rate(self) -> Rate:
        return Rate(self.entered_committee, self.completed)

    @property
    def completion_rate(self) -> Rate:
        return Rate(self.completed, self.enrolled)

    @property
    def secretary_rate(self) -> Rate:
        return Rate(self.secretary, self.completed)

    @property
    def director_rate(self) -> Rate:
        return Rate(self.director, self.completed)

    @property
    def other_committee_rate(self) -> Rate:
        return Rate(self.other_committee, self.completed)

    @property
    def group_leader_rate(self) -> Rate:
        return Rate(self.group_leader, self.completed)

    @property
    def supervision_rate(self) -> Rate:
        return Rate(self.supervision, self.completed)

    def retention(self, years: int) -> Rate:
        return Rate(*self.retained.get(years, (0, 0)))

    @property
    def retention_1y(self) -> Rate:
        return self.retention(1)

    @property
    def retention_3y(self) -> Rate:
        return self.retention(3)

    @property
    def funnel(self) -> list[tuple[str, int]]:
        """enrolled → completed → reserve → elected → re-elected (labels as the UI shows them)."""
        return [
            ("报名", self.enrolled),
            ("结业", self.completed),
            ("纳入后备", self.reserves),
            ("进入两委", self.entered_committee),
            ("连选连任", self.re_elected),
        ]


@dataclass(frozen=True)
class _Trainee:
    person_id: int
    status: str
    class_end: dt.date
    township_id: int


@dataclass
class _Facts:
    """Everything outcome arithmetic needs, loaded once: enrolments, post periods and reserve statuses."""

    enrollments: list[tuple[int, _Trainee]]  # (class id, trainee)
    posts: dict[int, list[tuple[str, dt.date | None, dt.date | None, str]]]  # person → (post, start, end, how)
    reserve_people: set[int]
    as_of: dt.date


def _load_facts(enrollments: QuerySet[Enrollment], *, as_of: dt.date) -> _Facts:
    rows = list(
        enrollments.order_by().values_list(
            "training_class_id",
            "person_id",
            "status",
            "training_class__ends_on",
            "training_class__starts_on",
            "person__home_village__township_id",
        )
    )
    people = {row[1] for row in rows}
    # The trainees as a subquery, not as a list: a province has tens of thousands of them, and binding that many
    # parameters cost more than the query (issue 18).
    trainees_sql = enrollments.order_by().values("person_id")
    posts: dict[int, list] = defaultdict(list)
    if people:
        for person_id, post, start, end, how in (
            PostAssignment.objects.filter(person_id__in=trainees_sql, post__in=REPORTED_POSTS)
            .order_by()
            .values_list("person_id", "post", "start_on", "end_on", "how")
        ):
            posts[person_id].append((post, start, end, how))
    reserves = Reserve.objects.filter(
        person_id__in=trainees_sql, status__in=[ReserveStatus.ACTIVE, ReserveStatus.APPOINTED]
    )
    reserve_people = set(reserves.order_by().values_list("person_id", flat=True)) if people else set()
    trainees = [
        (class_id, _Trainee(person_id, status, ends_on or starts_on, township_id))
        for class_id, person_id, status, ends_on, starts_on, township_id in rows
    ]
    return _Facts(trainees, posts, reserve_people, as_of)


def _held_on(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    return (start is None or start <= day) and (end is None or end > day)


def _compute(trainees: Iterable[_Trainee], facts: _Facts) -> Outcomes:
    """Outcomes of trainees, one person counted once (their best status, their earliest completed class)."""
    by_person: dict[int, _Trainee] = {}
    for trainee in trainees:
        seen = by_person.get(trainee.person_id)
        if seen is None or _better(trainee, seen):
            by_person[trainee.person_id] = trainee
    counts: dict[str, int] = defaultdict(int)
    by_post: dict[str, int] = defaultdict(int)
    retained = {years: [0, 0] for years in RETENTION_YEARS}
    for trainee in by_person.values():
        counts["enrolled"] += 1
        if trainee.status == EnrollmentStatus.DROPPED:
            counts["dropped"] += 1
        if trainee.status != EnrollmentStatus.COMPLETED:
            continue
        counts["completed"] += 1
        counts["reserves"] += trainee.person_id in facts.reserve_people
        _count_posts(trainee, facts, counts, by_post, retained)
    return Outcomes(
        **counts,
        by_post=dict(sorted(by_post.items())),
        retained={years: (kept, eligible) for years, (kept, eligible) in retained.items()},
    )


def _better(candidate: _Trainee, current: _Trainee) -> bool:
    rank: dict[str, int] = {EnrollmentStatus.COMPLETED: 2, EnrollmentStatus.ENROLLED: 1, EnrollmentStatus.DROPPED: 0}
    if rank[candidate.status] != rank[current.status]:
        return rank[candidate.status] > rank[current.status]
    return candidate.class_end < current.class_end


def _count_posts(trainee: _Trainee, facts: _Facts, counts: dict, by_post: dict, retained: dict) -> None:
    after = [
        (post, start, end, how)
        for post, start, end, how in facts.posts.get(trainee.person_id, [])
        if end is None or (start is not None and start >= trainee.class_end)
    ]
    posts_held = {post for post, *_ in after}
    for post in posts_held:
        by_post[post] += 1
    committee = [row for row in after if row[0] in COMMITTEE_POSTS]
    counts["group_leader"] += Post.GROUP_LEADER in posts_held
    counts["supervision"] += bool(posts_held & SUPERVISION_POSTS)
    if not committee:
        return
    counts["entered_committee"] += 1
    counts["secretary"] += Post.PARTY_SECRETARY in posts_held
    counts["director"] += Post.DIRECTOR in posts_held
    counts["other_committee"] += not posts_held & {Post.PARTY_SECRETARY, Post.DIRECTOR}
    elected_starts = {start for _, start, _, how in committee if how == How.ELECTED and start}
    counts["re_elected"] += len(elected_starts) >= 2
    first_start = min((start for _, start, _, _ in committee if start), default=None)
    if first_start is None:
        return
    all_committee = [row for row in facts.posts[trainee.person_id] if row[0] in COMMITTEE_POSTS]
    for years in RETENTION_YEARS:
        checkpoint = _add_years(first_start, years)
        if checkpoint > facts.as_of:
            continue
        retained[years][1] += 1
        retained[years][0] += any(_held_on(start, end, checkpoint) for _, start, end, _ in all_committee)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def class_outcomes(*, training_class: TrainingClass, as_of: dt.date | None = None) -> Outcomes:
    """Outcomes of one class's trainees (3 queries)."""
    facts = _load_facts(training_class.enrollments.all(), as_of=as_of or timezone.localdate())
    return _compute((trainee for _, trainee in facts.enrollments), facts)


def _area_enrollments(
    *, classes: QuerySet[TrainingClass] | None, county: County | None, township: Township | None
) -> QuerySet[Enrollment]:
    enrollments = Enrollment.objects.all()
    if classes is not None:
        enrollments = enrollments.filter(training_class__in=classes)
    if county is not None:
        enrollments = enrollments.filter(training_class__county=county)
    if township is not None:
        enrollments = enrollments.filter(person__home_village__township=township)
    return enrollments


def area_outcomes(
    *,
    classes: QuerySet[TrainingClass] | None = None,
    county: County | None = None,
    township: Township | None = None,
    as_of: dt.date | None = None,
) -> Outcomes:
    """Outcomes over every trainee of the classes (of the county; from the township's villages), each person once."""
    facts = _load_facts(_area_enrollments(classes=classes, county=county, township=township), as_of=_today(as_of))
    return _compute((trainee for _, trainee in facts.enrollments), facts)


@dataclass(frozen=True)
class OutcomeTable:
    """An area's total and its breakdowns, computed from one load of facts."""

    total: Outcomes
    by_class: list[tuple[TrainingClass, Outcomes]]
    by_township: list[tuple[Township, Outcomes]]


def outcome_table(
    *,
    classes: QuerySet[TrainingClass],
    township: Township | None = None,
    as_of: dt.date | None = None,
) -> OutcomeTable:
    """Total, per class and per home township (5 queries, whatever the number of classes and trainees)."""
    facts = _load_facts(_area_enrollments(classes=classes, county=None, township=township), as_of=_today(as_of))
    per_class: dict[int, list[_Trainee]] = defaultdict(list)
    per_township: dict[int, list[_Trainee]] = defaultdict(list)
    for class_id, trainee in facts.enrollments:
        per_class[class_id].append(trainee)
        per_township[trainee.township_id].append(trainee)
    class_rows = [(c, _compute(per_class.get(c.pk, []), facts)) for c in classes.select_related("county")]
    townships = Township.objects.filter(pk__in=per_township).order_by("code")
    return OutcomeTable(
        total=_compute((trainee for _, trainee in facts.enrollments), facts),
        by_class=class_rows,
        by_township=[(t, _compute(per_township[t.pk], facts)) for t in townships],
    )


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or timezone.localdate()


class SecretaryReserveFlag(TypedDict):
    has_secretary_reserve: bool


def villages_with_secretary_reserve(
    villages: QuerySet[Village],
) -> QuerySet[WithAnnotations[Village, SecretaryReserveFlag]]:
    """Each village with `has_secretary_reserve`: a reserve for the secretary post that counts (active, and eligible
    or kept with a recorded reason: reserves/standing.py)."""
    secretary_reserve = Reserve.objects.counting().filter(village=OuterRef("pk"), target_post=Post.PARTY_SECRETARY)
    return villages.annotate(has_secretary_reserve=Exists(secretary_reserve))


def reserve_coverage(*, villages: QuerySet[Village]) -> Rate:
    """Villages with a secretary reserve that counts ÷ all villages (one query); withdrawn/appointed reserves, and
    active ones who no longer meet the rules without a recorded reason, do not count."""
    flags = list(villages_with_secretary_reserve(villages).values_list("has_secretary_reserve", flat=True))
    return Rate(sum(flags), len(flags))


def coverage_by_township(*, villages: QuerySet[Village]) -> list[tuple[Township, Rate]]:
    """Reserve coverage per township of the villages (two queries)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for township_id, covered in villages_with_secretary_reserve(villages).values_list(
        "township_id", "has_secretary_reserve"
    ):
        counts[township_id][0] += covered
        counts[township_id][1] += 1
    townships = Township.objects.filter(pk__in=counts).order_by("code")
    return [(t, Rate(*counts[t.pk])) for t in townships]
