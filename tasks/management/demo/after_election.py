"""Demo data for the work after an election (AFTER_SEED_HOOKS, after the reserves hook, before the risk recompute).

Through the product's own write paths (election results, villages.roster, reserves/filings.py, aftercare.py,
midterm.py), at both scales, idempotently (nothing is done again once 大和乡 has this cycle's elections):
- 巴州区's 大和乡 (`ELECTED_TOWNSHIP`) has held its 2026 election, every winner having passed the election's
  qualification review (资格联审: opened a month before, every round 通过): half of its villages about six weeks ago
  (`EARLY_DAYS`), the others about two weeks ago (`LATE_DAYS`). Most members are re-elected; those aged 60 or over
  on the day, and about a third of the ordinary members, make way for a reserve of the village (or are re-elected
  when none can take the seat), and the new members carry a 干部来源. The villages held early chose their 监委会
  with the 两委; the others have not yet.
- 备案: the secretary's and director's filings are opened by the results; about half of the early villages have
  filed, so the others are overdue; the late villages' are due.
- Follow-up steps: results reported everywhere; the early villages also finished handover and talks, some the
  training; the late villages only the report (their 监委会 and handover steps fall due or overdue).
- Compliance: in the first village the director's brother sits on the 监委会 (a relatives record), so
  `supervision_conflict` fires with its reason.
- 届中调整 in the demo township 凌云乡: a 村委委员 of its third village resigned; an active reserve was nominated
  and passed the mid-term qualification review (recorded as the change's review step); the 任前备案 is due, the
  appointment not yet made (in progress for the `township` account).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from reserves.aftercare import complete_step
from reserves.choices import AftercareStep, Conclusion, ReserveStatus, ReviewPurpose, ReviewRound, VacancyReason
from reserves.elections import ResultRow, ResultsRefused, record_village_results
from reserves.filings import record_filing
from reserves.midterm import nominate, open_vacancy, record_review
from reserves.models import Election, Filing, MidTermChange, PostElectionTask, Reserve, Review
from reserves.reviews import ReviewRuleBook, cycle_of
from reserves.reviews.opening import Nominee, open_batch, record_opinion
from tasks.management.demo.tables import DEMO_TOWNSHIP, Scale
from villages.choices import COMMITTEE_POSTS, ORGAN_OF_POST, CadreSource, Organ, PoliticalStatus, Post, Relation
from villages.models import Person, PostAssignment, Relative, Township, User, Village
from villages.risk import signals_paused
from villages.roster.relatives import add_relative

ELECTED_TOWNSHIP = "511902101"  # 大和乡
TERM = "2026—2031"
EARLY_DAYS, LATE_DAYS = 42, 12
RETIRE_AGE = 60
# Besides those aged 60 or over, about a third of the ordinary members make way for a reserve (where one can).
RENEWED_POSTS = frozenset({Post.COMMITTEE_MEMBER, Post.DEPUTY_DIRECTOR, Post.PARTY_MEMBER, Post.CLERK})
RENEWAL_SHARE = 0.35
NEW_SOURCES = [
    (CadreSource.RETURNEE, 30),
    (CadreSource.VILLAGER, 20),
    (CadreSource.ECONOMIC_ORG_HEAD, 12),
    (CadreSource.COLLEGE_GRADUATE, 12),
    (CadreSource.VETERAN, 10),
    (CadreSource.COLLEGE_GRADUATE_OFFICIAL, 6),
    (CadreSource.INDUSTRY_ASSOCIATION_HEAD, 5),
    (CadreSource.DISPATCHED_CADRE, 3),
    (CadreSource.RETIRED, 2),
]
SUPERVISION_POSTS = (Post.SUPERVISION_DIRECTOR, Post.SUPERVISION_MEMBER)


def seed_hook(*, scale: Scale, seed: int) -> None:
    """Hold 大和乡's election and run the work after it, and open the 凌云乡 mid-term change (see the module)."""
    township = Township.objects.filter(code=ELECTED_TOWNSHIP).first()
    if township is None:
        return
    today = timezone.localdate()
    rng = random.Random(seed * 53 + 11)
    reviewer = User.objects.filter(username="county").first()
    if reviewer is None:
        return
    with transaction.atomic(), signals_paused():  # the risk hook that follows recomputes everything once
        if not Election.objects.filter(village__township=township, term=TERM).exists():
            _hold_elections(rng, township, today=today, reviewer=reviewer)
        if not MidTermChange.objects.filter(village__township__code=DEMO_TOWNSHIP).exists():
            _mid_term_change(today=today, reviewer=reviewer)


def _passed_reviews(nominees: list[Nominee], *, purpose: str, on: dt.date, by: User) -> None:
    """Qualification reviews of `nominees` for the act on `on` (its year's cycle), opened 30 days before it and
    passed by every round (the county's departments in force then) by 10 days before it."""
    if not nominees:
        return
    county_id = nominees[0].village.township.county_id
    departments = ReviewRuleBook.load(county_ids=[county_id]).departments(county_id=county_id, on=on)
    opened_on = on - dt.timedelta(days=30)
    batch = open_batch(nominees=nominees, purpose=purpose, cycle=cycle_of(on), by=by, opened_on=opened_on)
    slots = [(ReviewRound.VILLAGE, ""), (ReviewRound.TOWNSHIP, "")]
    slots += [(ReviewRound.COUNTY, department) for department in departments]
    slots.append((ReviewRound.COMMITTEE, ""))
    for review in [*batch.created, *batch.reopened]:
        for n, (round_, department) in enumerate(slots):
            record_opinion(
                review=review,
                round=round_,
                department=department,
                conclusion=Conclusion.PASS,
                concluded_on=opened_on + dt.timedelta(days=5 + n),
                by=by,
                document_number=f"{department or ReviewRound(round_).label}〔{on.year}〕{review.pk}号",
            )


def _hold_elections(rng: random.Random, township: Township, *, today: dt.date, reviewer: User) -> None:
    villages = list(Village.objects.filter(township=township).order_by("code"))
    for index, village in enumerate(villages):
        early = index % 2 == 0
        held_on = today - dt.timedelta(days=EARLY_DAYS if early else LATE_DAYS)
        rows = _new_term(rng, village, held_on=held_on, with_supervision=early)
        winners = {
            row.person.pk: Nominee(row.person, village, row.post) for row in rows if isinstance(row.person, Person)
        }
        reviewed = Review.objects.filter(
            person_id__in=winners, purpose=ReviewPurpose.ELECTION, cycle=cycle_of(held_on)
        ).values_list("person_id", flat=True)
        for person_id in reviewed:
            winners.pop(person_id)
        _passed_reviews(list(winners.values()), purpose=ReviewPurpose.ELECTION, on=held_on, by=reviewer)
        try:
            summary = record_village_results(village=village, held_on=held_on, term=TERM, rows=rows, by=None)
        except ResultsRefused:
            continue  # a village whose roster the demo cannot refill keeps its term (never happens with this seed)
        election = summary.elections[0]
        village.villager_representatives = rng.randint(25, 45)  # 村民代表 elected with the committee
        village.save(update_fields=["villager_representatives"])
        if index == 0:
            _related_supervisor(village)
        _work_after(rng, election, early=early, index=index, today=today)


def _new_term(rng: random.Random, village: Village, *, held_on: dt.date, with_supervision: bool) -> list[ResultRow]:
    """The winners: every current 两委 (and, early, 监委会) holder again, except those aged 60 or over on the day,
    whose seats go to an active reserve of the village where one may hold them."""
    posts = [*COMMITTEE_POSTS, *(SUPERVISION_POSTS if with_supervision else ())]
    holders = list(
        PostAssignment.objects.filter(village=village, post__in=posts)
        .current(held_on)
        .select_related("person")
        .order_by("pk")
    )
    reserves = [
        r.person
        for r in Reserve.objects.filter(village=village, status=ReserveStatus.ACTIVE)
        .select_related("person")
        .order_by("rank", "pk")
    ]
    chosen: dict[int, Person] = {}  # holder person id → who takes their seats
    rows: list[ResultRow] = []
    seen: set[tuple[int, str]] = set()
    for assignment in holders:
        person = chosen.get(assignment.person_id)
        if person is None:
            person = assignment.person
            stepping_down = assignment.post in RENEWED_POSTS and rng.random() < RENEWAL_SHARE
            if person.age_on(held_on) >= RETIRE_AGE or stepping_down:
                person = _successor(reserves, post=assignment.post) or person
            chosen[assignment.person_id] = person
        if ORGAN_OF_POST[assignment.post] == Organ.PARTY and person.political_status != PoliticalStatus.CPC_MEMBER:
            person = assignment.person
        if (person.pk, assignment.post) in seen:
            continue
        seen.add((person.pk, assignment.post))
        new = person.pk != assignment.person_id
        source = rng.choices(*zip(*NEW_SOURCES, strict=True))[0] if new else ""
        rows.append(ResultRow(person, assignment.post, votes=rng.randint(300, 1500), source=source))
    return rows


def _successor(reserves: list[Person], *, post: str) -> Person | None:
    party = ORGAN_OF_POST[post] == Organ.PARTY
    for person in reserves:
        if not party or person.political_status == PoliticalStatus.CPC_MEMBER:
            reserves.remove(person)
            return person
    return None


def _related_supervisor(village: Village) -> None:
    """The director's brother on the 监委会: the near-relative compliance check fires for this village."""
    current = PostAssignment.objects.filter(village=village).current().select_related("person")
    director = next((a.person for a in current if a.post == Post.DIRECTOR), None)
    supervisor = next((a.person for a in current if a.post == Post.SUPERVISION_MEMBER), None)
    if director and supervisor and not Relative.objects.filter(person=supervisor, relative=director).exists():
        add_relative(person=supervisor, relation=Relation.SIBLING, relative=director, note="同胞兄弟", by=None)


def _work_after(rng: random.Random, election: Election, *, early: bool, index: int, today: dt.date) -> None:
    held_on = election.held_on
    done: dict[str, tuple[int, str]] = {AftercareStep.RESULTS_REPORTED: (3, "已将选举结果报告单报乡镇党委、政府")}
    if early:
        done |= {
            AftercareStep.SUPERVISION_CHOSEN: (8, "村民代表会议推选监委会成员3名"),
            AftercareStep.HANDOVER: (9, "印章、账目、档案、固定资产已移交，交接清单三方签字"),
            AftercareStep.TALKS: (6, "乡镇党委书记与新任成员逐一谈心谈话"),
        }
        if index % 4 == 0:
            done[AftercareStep.TRAINING] = (30, "参加区委组织部村干部岗前集中培训")
    for task in PostElectionTask.objects.filter(election=election):
        if task.step in done:
            days, note = done[task.step]
            complete_step(
                task=task, done_on=min(held_on + dt.timedelta(days=days), today), note=note, by=None,
                expected_version=task.version,
            )  # fmt: skip
    if early and index % 4 == 0:
        for filing in Filing.objects.filter(election=election).order_by("pk"):
            filed_on = min(held_on + dt.timedelta(days=rng.randint(12, 25)), today)
            number = f"巴州组备〔{held_on.year}〕{rng.randint(10, 99)}号"
            record_filing(filing=filing, filed_on=filed_on, document_number=number, by=None, expected_version=1)


def _mid_term_change(*, today: dt.date, reviewer: User) -> None:
    """凌云乡: a 村委委员 resigned 25 days ago; a reserve was nominated and passed review; filing and appointment
    are still to come."""
    villages = Village.objects.filter(township__code=DEMO_TOWNSHIP).order_by("code")
    for village in villages[2:]:
        leaving = (
            PostAssignment.objects.filter(village=village, post=Post.COMMITTEE_MEMBER, end_on__isnull=True)
            .select_related("person", "village")
            .order_by("pk")
            .first()
        )
        reserve = Reserve.objects.filter(village=village, status=ReserveStatus.ACTIVE).order_by("rank", "pk").first()
        if leaving is None or reserve is None or reserve.person_id == leaving.person_id:
            continue
        change = open_vacancy(
            assignment=leaving,
            vacated_on=today - dt.timedelta(days=25),
            reason=VacancyReason.RESIGNED,
            reason_note="外出务工，本人书面申请辞去村委委员职务",
            by=None,
        )
        nominate(change=change, person=reserve.person, nominated_on=today - dt.timedelta(days=14), by=None,
                 expected_version=change.version)  # fmt: skip
        # Reviewed for an appointment this year (the review's cycle is the appointment's year).
        _passed_reviews([Nominee(reserve.person, village, leaving.post)], purpose=ReviewPurpose.MID_TERM_CHANGE,
                        on=today, by=reviewer)  # fmt: skip
        record_review(
            change=change,
            passed_on=today - dt.timedelta(days=4),
            reference="巴州区村干部资格联审意见（届中调整）",
            by=None,
            expected_version=change.version,
        )
        return
