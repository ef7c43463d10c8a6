"""Bulk evaluation: facts for many villages in a fixed handful of queries, then the rule functions.

Reference date: villages/reference.py (an explicit `as_of`, else the village's planned election date, else its
county's, else today); each Evaluation carries it (`reference`) with the rule values it was judged by (`rules`).
Reserve counts: villages/structure.py `active_reserves_expression` (the one count every surface prints)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from villages.choices import (
    EDUCATION_RANK,
    KEY_POSTS,
    Grade,
    Post,
    ReserveStatus,
    counting_reserve,
)
from villages.models import Assessment, PostAssignment, Relative, Village, age_on
from villages.reference import election_date, reference_date, reference_from, roster_date
from villages.risk.checks import evaluate, person_findings
from villages.risk.compliance import ASSESSED_POSTS, SUPERVISION_POSTS, ComplianceFacts, Kinship
from villages.risk.findings import FLAGGED_POSTS, SEVERITY_ORDER, Evaluation, Finding, Seat, SeatFacts, VillageFacts
from villages.rules import RuleBook, rules_for
from villages.structure import active_reserves_expression, annotated_seats

__all__ = ["evaluate_committee", "evaluations_for_villages", "findings_for_villages", "reference_date"]


# ---- bulk loading (constant number of queries) ----

SEAT_FIELDS = (
    "village_id",
    "person_id",
    "person__name",
    "post",
    "how",
    "start_on",
    "group__number",
    "person__birth_date",
    "age",
    "edu_rank",
    "person__gender",
    "person__health",
    "person__able_to_serve",
    "person__quality_rating",
    "latest_grade",
    "latest_grade_year",
)


def _seat_rows(*, villages: QuerySet[Village], as_of: dt.date | None, person_filter: Q | None = None):
    latest = Assessment.objects.filter(person=OuterRef("person")).order_by("-year")
    # The 监委会 too: the compliance rules read it (person flags and the other rules never look at its posts).
    seats = annotated_seats(villages=villages, as_of=as_of, posts=FLAGGED_POSTS | SUPERVISION_POSTS)
    if person_filter is not None:
        seats = seats.filter(person_filter)
    seats = seats.annotate(
        latest_grade=Subquery(latest.values("grade")[:1]), latest_grade_year=Subquery(latest.values("year")[:1])
    )
    return seats.order_by("village_id", "pk").values_list(*SEAT_FIELDS)


def _seat_from_row(row: tuple) -> SeatFacts:
    (_, pid, name, post, how, start_on, group_no, birth, age, edu_rank, gender, health, able, quality, grade, year) = (
        row
    )
    return SeatFacts(
        pid, name, post, how, start_on, group_no, birth, age, edu_rank, gender, health, able, quality, grade, year
    )


def _village_facts(*, villages: QuerySet[Village], as_of: dt.date | None) -> dict[int, VillageFacts]:
    def active(**extra: object) -> QuerySet[Village]:
        # Reserves that count (active, and eligible or kept with a reason: villages.choices.counting_reserve) through
        # the reverse relation: the reserves app sits above this one and is never imported. One filter() call, so
        # every condition applies to the same reserve row.
        return Village.objects.filter(counting_reserve("reserves__"), pk=OuterRef("pk"), **extra)

    # Why the secretary seat has no reserve that counts: an active one who no longer meets the rules (the flag says so).
    uncounted = Village.objects.filter(
        pk=OuterRef("pk"),
        reserves__status=ReserveStatus.ACTIVE,
        reserves__person__deleted_at__isnull=True,
        reserves__target_post=Post.PARTY_SECRETARY,
        reserves__eligible=False,
        reserves__eligibility_override_reason="",
    ).order_by("reserves__rank", "reserves__pk")
    rows = (
        villages.order_by()
        .values_list(
            "pk",
            "township__county_id",
            "planned_election_on",
            "township__county__planned_election_on",
            "last_party_admission_on",
        )
        .annotate(
            n_reserves=active_reserves_expression(),
            has_sec_reserve=Exists(active(reserves__target_post=Post.PARTY_SECRETARY)),
            uncounted_name=Subquery(uncounted.values("reserves__person__name")[:1]),
            uncounted_note=Subquery(uncounted.values("reserves__eligibility_note")[:1]),
        )
    )
    status_on = as_of or timezone.localdate()
    facts = {}
    for pk, county_id, planned, county_planned, last_adm, n_reserves, has_sec, un_name, un_note in rows:
        reference = reference_from(as_of=as_of, village_planned=planned, county_planned=county_planned)
        election_on = election_date(village_planned=planned, county_planned=county_planned)
        facts[pk] = VillageFacts(
            pk, county_id, reference.on, status_on, election_on, last_adm, n_reserves, has_sec, reference=reference
        )
        if un_name and not has_sec:
            facts[pk].uncounted_secretary_reserve = f"书记后备{un_name}不再符合条件，不计入：{un_note}"
    vacated = (
        PostAssignment.objects.filter(
            village__in=villages.values("pk"), post__in=list(KEY_POSTS), end_on__isnull=False, end_on__lte=status_on
        )
        .order_by()
        .values_list("village_id", "post")
        .annotate(last=Max("end_on"))
    )
    for village_id, post, last in vacated:
        facts[village_id].last_vacated[post] = last
    return facts


def _kinships(people: QuerySet | list[int]) -> list[Kinship]:
    """Relative records in which any of `people` is the person or the relative on record (one query)."""
    rows = Relative.objects.filter(Q(person__in=people) | Q(relative__in=people)).values_list(
        "person_id", "relation", "relative_id", "relative_name"
    )
    return [Kinship(*row) for row in rows.order_by("pk")]


def _compliance_facts(
    seats: dict[int, list[SeatFacts]], *, villages: QuerySet[Village], as_of: dt.date | None
) -> dict[int, ComplianceFacts]:
    """Relative records touching the current 两委 and 监委会 members, and their 不称职 years, per village (two
    queries). A record joins every village where either of its two people holds a seat."""
    holders = (
        PostAssignment.objects.current(roster_date(as_of))
        .filter(village__in=villages.values("pk"), post__in=list(ASSESSED_POSTS))
        .values("person_id")
    )
    villages_of: dict[int, set[int]] = defaultdict(set)
    for village_id, village_seats in seats.items():
        for seat in village_seats:
            villages_of[seat.person_id].add(village_id)
    facts: dict[int, ComplianceFacts] = defaultdict(ComplianceFacts)
    for kinship in _kinships(holders):
        ends = villages_of.get(kinship.person_id, set()) | villages_of.get(kinship.relative_id or 0, set())
        for village_id in ends:
            facts[village_id].kinships.append(kinship)
    years = Assessment.objects.filter(grade=Grade.INCOMPETENT, person__in=holders).values_list("person_id", "year")
    for person_id, year in years.order_by("person_id", "year"):
        for village_id in villages_of.get(person_id, set()):
            facts[village_id].incompetent_years.setdefault(person_id, []).append(year)
    return facts


def evaluations_for_villages(*, villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, Evaluation]:
    """Evaluation per village id (findings, person flags, rule results, Python stats). Six queries in all."""
    facts = _village_facts(villages=villages, as_of=as_of)
    book = RuleBook.load()
    seats: dict[int, list[SeatFacts]] = defaultdict(list)
    for row in _seat_rows(villages=villages, as_of=as_of):
        seats[row[0]].append(_seat_from_row(row))
    compliance = _compliance_facts(seats, villages=villages, as_of=as_of)
    return {
        pk: evaluate(
            facts=f,
            seats=seats.get(pk, []),
            rules=book.rules(county_id=f.county_id, on=f.reference_on),
            compliance=compliance[pk],
        )
        for pk, f in facts.items()
    }


def findings_for_villages(*, villages: QuerySet[Village], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """Every finding (person flags and village gaps) per village id; every village of the queryset is a key."""
    return {pk: e.findings for pk, e in evaluations_for_villages(villages=villages, as_of=as_of).items()}


def person_flags_for(*, people: Collection[int], as_of: dt.date | None = None) -> dict[int, list[Finding]]:
    """Person flags per person id (`people`: ids), over the posts each holds (in any village). People without
    flags are absent.

    Three queries whatever the number of people. The ids go into the SQL as lists, not subqueries: with a
    subquery PostgreSQL hashed every current post of the city to find a page's dozen (145 ms instead of 5).
    """
    person_ids = list(people)
    village_ids = set(
        PostAssignment.objects.current(roster_date(as_of))
        .filter(person_id__in=person_ids)
        .values_list("village_id", flat=True)
    )
    villages = Village.objects.filter(pk__in=village_ids)
    facts = {
        pk: (county_id, reference_from(as_of=as_of, village_planned=planned, county_planned=county_planned).on)
        for pk, county_id, planned, county_planned in villages.values_list(
            "pk", "township__county_id", "planned_election_on", "township__county__planned_election_on"
        )
    }
    book = RuleBook.load()
    by_village_person: dict[tuple[int, int], list[SeatFacts]] = defaultdict(list)
    for row in _seat_rows(villages=villages, as_of=as_of, person_filter=Q(person_id__in=person_ids)):
        by_village_person[(row[0], row[1])].append(_seat_from_row(row))
    merged: dict[int, dict[str, Finding]] = defaultdict(dict)
    for (village_id, person_id), seats in by_village_person.items():
        county_id, on = facts[village_id]
        for finding in person_findings(seats, book.rules(county_id=county_id, on=on)):
            current = merged[person_id].get(finding.kind)
            if current is None or SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[current.severity]:
                merged[person_id][finding.kind] = finding
    return {pid: list(flags.values()) for pid, flags in merged.items()}


# ---- hypothetical committees ----


def evaluate_committee(
    *,
    village: Village,
    seats: Sequence[Seat],
    as_of: dt.date,
    reserves_count: int | None = None,
    secretary_reserve: bool | None = None,
) -> Evaluation:
    """Judge a (proposed or current) committee of `village` on `as_of` with the same rules as the real roster.

    Village facts not given (reserve count, secretary reserve) are read from the database; the people's
    assessments and relative records are read in one query each. Ages are 周岁 on as_of.
    """
    facts = _village_facts(villages=Village.objects.filter(pk=village.pk), as_of=as_of)[village.pk]
    if reserves_count is not None:
        facts.active_reserves = reserves_count
    if secretary_reserve is not None:
        facts.secretary_reserve = secretary_reserve
    people = [s.person.pk for s in seats if s.person.pk]
    latest: dict[int, tuple[str, int]] = {}
    compliance = ComplianceFacts(kinships=_kinships(people))
    assessments = Assessment.objects.filter(person__in=people).order_by("person", "year")
    for pid, grade, year in assessments.values_list("person_id", "grade", "year"):
        latest[pid] = (grade, year)
        if grade == Grade.INCOMPETENT:
            compliance.incompetent_years.setdefault(pid, []).append(year)
    seat_facts = [_seat_from_person(s, as_of=as_of, latest=latest) for s in seats]
    rules = rules_for(county_id=facts.county_id, on=as_of)
    return evaluate(facts=facts, seats=seat_facts, rules=rules, compliance=compliance)


def _seat_from_person(seat: Seat, *, as_of: dt.date, latest: dict[int, tuple[str, int]]) -> SeatFacts:
    p = seat.person
    ranks = [EDUCATION_RANK[e] for e in (p.education, p.education_in_service) if e]
    grade, year = latest.get(p.pk, (None, None))
    return SeatFacts(
        p.pk or 0, p.name, seat.post, seat.how, seat.start_on, seat.group_number, p.birth_date,
        age_on(p.birth_date, as_of), max(ranks, default=-1), p.gender, p.health, p.able_to_serve,
        p.quality_rating, grade, year,
    )  # fmt: skip


# ---- the Risk work queue ----
