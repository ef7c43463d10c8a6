"""学历提升: programme records, the person's course under way (在读) they keep in step, and the projected
大专及以上 share of the committees on the next election date.

Contract:
- `record_programme`, `end_programme`: the only writes of a programme. A person with programme records has as course
  under way (Person.education_in_progress) the highest level among their programmes still under way, or none; a
  graduation adds the level to their in-service education (在职学历) when it is higher (`sync_person_education`, which
  saves the person, so the risk recompute and the reserves' eligibility follow). A person without programme records
  keeps whatever the roster says.
- A degree class's trainee (学历班) may be linked to a programme (`enrollment`): when the enrolment is marked dropped
  or completed, the programme follows (`follow_enrollment`, called by reserves/bench_signals.py).
- `education_projection`: per village, township or county, the 两委 members (each person once per village) with
  大专 or above today (degrees held, as villages/structure.py counts them) and on the next election date (the
  village's planned date, else its county's): a member whose programme under way (大专 or above) is expected to
  graduate on or before that date counts, one expected after it does not. Three queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import EnrollmentStatus, ProgrammeStatus
from reserves.models import EducationProgramme, Enrollment
from reserves.outcomes import Rate
from villages.choices import COMMITTEE_POSTS, EDUCATION_RANK, Education
from villages.models import Person, PostAssignment, Village, held_education

ASSOCIATE_RANK = EDUCATION_RANK[Education.ASSOCIATE]


class ProgrammeRefused(ValueError):
    """A programme write that cannot be made; the message says why (in Chinese)."""


def _check_dates(*, enrolled_on: dt.date, expected_graduation_on: dt.date) -> None:
    if expected_graduation_on < enrolled_on:
        raise ProgrammeRefused("预计毕业日期不能早于入学日期")
    if enrolled_on > timezone.localdate():
        raise ProgrammeRefused("入学日期不能晚于今天")


@transaction.atomic
def record_programme(
    *,
    person: Person,
    institution: str,
    major: str,
    level: str,
    enrolled_on: dt.date,
    expected_graduation_on: dt.date,
    funding_note: str = "",
    enrollment: Enrollment | None = None,
) -> EducationProgramme:
    """A new programme under way for the person (the person's 在读 follows)."""
    _check_dates(enrolled_on=enrolled_on, expected_graduation_on=expected_graduation_on)
    if enrollment is not None and enrollment.person_id != person.pk:
        raise ProgrammeRefused("所选学历班学员不是此人")
    programme = EducationProgramme.objects.create(
        person=person,
        institution=institution,
        major=major,
        level=level,
        enrolled_on=enrolled_on,
        expected_graduation_on=expected_graduation_on,
        funding_note=funding_note,
        enrollment=enrollment,
    )
    sync_person_education(person=person)
    return programme


@transaction.atomic
def end_programme(*, programme: EducationProgramme, status: str, on: dt.date) -> EducationProgramme:
    """Mark a programme graduated or dropped on a date (the person's 在读 and in-service education follow)."""
    if status not in (ProgrammeStatus.GRADUATED, ProgrammeStatus.DROPPED):
        raise ProgrammeRefused("只能登记为已毕业或退学")
    if on < programme.enrolled_on:
        raise ProgrammeRefused("毕业或退学日期不能早于入学日期")
    if on > timezone.localdate():
        raise ProgrammeRefused("毕业或退学日期不能晚于今天")
    programme.status, programme.ended_on = status, on
    programme.version += 1
    programme.save(update_fields=["status", "ended_on", "version"])
    sync_person_education(person=programme.person)
    return programme


def sync_person_education(*, person: Person) -> None:
    """Bring the person's 在读 and in-service education in line with their programme records (see the contract)."""
    programmes = list(person.education_programmes.values_list("level", "status"))
    if not programmes:
        return
    studying = [level for level, status in programmes if status == ProgrammeStatus.STUDYING]
    in_progress = max(studying, key=EDUCATION_RANK.__getitem__, default="")
    graduated = [level for level, status in programmes if status == ProgrammeStatus.GRADUATED]
    in_service = max([person.education_in_service, *graduated], key=lambda e: EDUCATION_RANK.get(e, -1))
    if (person.education_in_progress, person.education_in_service) == (in_progress, in_service):
        return
    person.education_in_progress, person.education_in_service = in_progress, in_service
    person.version += 1
    person.save(update_fields=["education_in_progress", "education_in_service", "version"])


def follow_enrollment(*, enrollment: Enrollment) -> None:
    """A degree class's trainee dropped out or completed: its linked programme (if any) follows."""
    programme = EducationProgramme.objects.filter(enrollment=enrollment, status=ProgrammeStatus.STUDYING).first()
    if programme is None:
        return
    if enrollment.status == EnrollmentStatus.DROPPED:
        end_programme(programme=programme, status=ProgrammeStatus.DROPPED, on=timezone.localdate())
    elif enrollment.status == EnrollmentStatus.COMPLETED:
        on = enrollment.completed_on or timezone.localdate()
        end_programme(programme=programme, status=ProgrammeStatus.GRADUATED, on=max(on, programme.enrolled_on))


# ---- the projected 大专及以上 share on the next election date ----


@dataclass
class EducationProjection:
    """两委 members of an area with 大专 or above today and on the election date (each member once per village)."""

    code: str
    name: str
    members: int = 0
    associate_now: int = 0
    associate_projected: int = 0
    students: int = 0  # members studying for 大专 or above
    graduating_after: int = 0  # of whom expected to graduate after the election
    election_dates: set[dt.date] = field(default_factory=set)

    @property
    def now(self) -> Rate:
        return Rate(self.associate_now, self.members)

    @property
    def projected(self) -> Rate:
        return Rate(self.associate_projected, self.members)

    @property
    def election_on(self) -> dt.date | None:
        """The election date when the area has one (else None: several dates or none planned)."""
        return next(iter(self.election_dates)) if len(self.election_dates) == 1 else None


LEVEL_PATHS = {"village": "", "township": "township__", "county": "township__county__"}


def combined_projection(rows: list[EducationProjection], *, code: str = "", name: str = "") -> EducationProjection:
    """An area's projection from its units' rows (each member is counted once per village, so the rows add up)."""
    total = EducationProjection(code, name)
    for row in rows:
        total.members += row.members
        total.associate_now += row.associate_now
        total.associate_projected += row.associate_projected
        total.students += row.students
        total.graduating_after += row.graduating_after
        total.election_dates |= row.election_dates
    return total


def education_projection(*, villages: QuerySet[Village], level: str = "village") -> list[EducationProjection]:
    """Rows per village, township or county of the villages (ordered by code), see the contract. Three queries."""
    path = LEVEL_PATHS[level]
    units = {
        pk: (code, name, planned or county_planned)
        for pk, code, name, planned, county_planned in villages.order_by().values_list(
            "pk", f"{path}code", f"{path}name", "planned_election_on", "township__county__planned_election_on"
        )
    }
    members = (
        PostAssignment.objects.current(timezone.localdate())
        .filter(village__in=villages.values("pk"), post__in=list(COMMITTEE_POSTS), person__deleted_at__isnull=True)
        .order_by()
        .values_list("village_id", "person_id", "person__education", "person__education_in_service")
    )  # one row per seat: 一肩挑 is deduplicated below (cheaper than DISTINCT over the whole city)
    seen: dict[tuple[int, int], int] = {}
    for village_id, person_id, education, in_service in members:
        held = held_education(education=education, in_service=in_service)
        seen[(village_id, person_id)] = EDUCATION_RANK[held] if held else -1
    graduations = _graduations(person_ids={pid for _, pid in seen})
    rows: dict[str, EducationProjection] = {}
    for (village_id, person_id), rank in seen.items():
        code, name, election_on = units[village_id]
        row = rows.setdefault(code, EducationProjection(code, name))
        if election_on:
            row.election_dates.add(election_on)
        _count_member(row, rank=rank, graduates_on=graduations.get(person_id), election_on=election_on)
    for code, name, election_on in units.values():  # areas without members still get their row
        row = rows.setdefault(code, EducationProjection(code, name))
        if election_on:
            row.election_dates.add(election_on)
    return sorted(rows.values(), key=lambda r: r.code)


def _graduations(*, person_ids: set[int]) -> dict[int, dt.date]:
    """Per person, the earliest expected graduation of a programme under way at 大专 or above. One query."""
    found: dict[int, dt.date] = {}
    if not person_ids:
        return found
    # Programmes under way are few (hundreds in a city): reading them all beats an IN list of every member.
    for person_id, expected in (
        EducationProgramme.objects.studying()
        .filter(level__in=[e for e, r in EDUCATION_RANK.items() if r >= ASSOCIATE_RANK])
        .order_by("person_id", "expected_graduation_on")
        .values_list("person_id", "expected_graduation_on")
    ):
        if person_id in person_ids:
            found.setdefault(person_id, expected)
    return found


def _count_member(
    row: EducationProjection, *, rank: int, graduates_on: dt.date | None, election_on: dt.date | None
) -> None:
    row.members += 1
    if rank >= ASSOCIATE_RANK:
        row.associate_now += 1
        row.associate_projected += 1
        return
    if graduates_on is None:
        return
    row.students += 1
    if election_on is None:
        return  # no election planned: nothing to project
    if graduates_on <= election_on:
        row.associate_projected += 1
    else:
        row.graduating_after += 1


def projection_students(*, villages: QuerySet[Village]) -> QuerySet[EducationProgramme]:
    """The programmes behind the projection (drill-down): 两委 members' programmes under way, soonest first."""
    members = PostAssignment.objects.current(timezone.localdate()).filter(
        village__in=villages.values("pk"), post__in=list(COMMITTEE_POSTS)
    )
    return (
        EducationProgramme.objects.studying()
        .filter(person__in=members.values("person_id"), person__deleted_at__isnull=True)
        .select_related("person__home_village")
        .order_by("expected_graduation_on", "pk")
    )


def students_by_person(*, person_ids: set[int]) -> dict[int, list[EducationProgramme]]:
    """Programmes of the people, newest first (one query), for pages that list people with their programmes."""
    found: dict[int, list[EducationProgramme]] = defaultdict(list)
    for programme in EducationProgramme.objects.filter(person_id__in=person_ids).order_by("-enrolled_on", "pk"):
        found[programme.person_id].append(programme)
    return found
