"""Demo data for the reserve pipeline: reserves, training classes with enrolments, and the 2021 election records.

`seed_hook(scale=..., seed=...)` runs after tasks.management.demo.villages has committed the villages and their rosters
(AFTER_SEED_HOOKS). It is idempotent (does nothing once the survey class exists) and bulk-inserts, so the city
scale stays fast. What it creates:
- reserves: most villages 0–3 (new young villagers, a few ineligible ones with a recorded reason, a few
  withdrawn); some villages have none for the secretary post, and the survey's "no qualified secretary
  candidate" villages have no reserves at all;
- classes per county; in the first county the survey's 首批中期班 of 116 trainees, all completed, of whom 103
  were elected to 两委 posts at the 2021 election (就职率 103/116 = 88.8%): they are people who hold elected 两委
  posts since 2021, and the other 13 are reserves who were not elected; later short and degree classes draw
  on the reserves;
- one Election per village on its held_election_on, with a result for every post elected that day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from reserves.choices import AddedHow, ClassLevel, EnrollmentStatus, Readiness, ReserveStatus
from reserves.models import Election, ElectionResult, Enrollment, Reserve, TrainingClass
from tasks.management.demo.committees import IdNumbers, person_name
from tasks.management.demo.history import create_with_history
from tasks.management.demo.province import cities_demo_first
from tasks.management.demo.tables import DEMO_COUNTY, SURVEY_CASES, Scale
from villages.choices import COMMITTEE_POSTS, Education, Gender, How, PoliticalStatus, Post
from villages.models import City, County, Person, PostAssignment, Village

SURVEY_CLASS_NAME = "村级后备干部专修班首批中期班"
SURVEY_CLASS_SIZE, SURVEY_CLASS_ELECTED = 116, 103
SURVEY_CLASS_START, SURVEY_CLASS_END = dt.date(2019, 9, 1), dt.date(2020, 12, 31)
RESERVE_COUNT_WEIGHTS = [(0, 12), (1, 30), (2, 33), (3, 25)]
OTHER_TARGETS = [Post.DIRECTOR, Post.COMMITTEE_MEMBER, Post.CLERK, Post.PARTY_MEMBER, Post.GROUP_LEADER]
BATCH = 1000


def seed_hook(*, scale: Scale, seed: int) -> None:
    """Create the pipeline demo data once (see the module docstring)."""
    if TrainingClass.objects.filter(name=SURVEY_CLASS_NAME).exists():
        return
    rng = random.Random(seed * 31 + 5)
    today = timezone.localdate()
    with transaction.atomic():
        ids = IdNumbers(set(Person.objects.values_list("id_number", flat=True)))
        # City by city, 巴中 first: its reserves, classes and elections are those of the `city` scale.
        for city in cities_demo_first(City.objects.values_list("code", flat=True)):
            reserves = _seed_reserves(rng, city=city, ids=ids, today=today)
            _seed_classes(rng, city=city, reserves=reserves)
            _seed_elections(rng, city=city)


def _seed_reserves(rng: random.Random, *, city: str, ids: IdNumbers, today: dt.date) -> list[Reserve]:
    in_city = Village.objects.filter(township__county__city__code=city)
    villages = list(in_city.select_related("township__county").order_by("code"))
    secretaries = dict(
        PostAssignment.objects.current(on=today)
        .filter(post=Post.PARTY_SECRETARY, village__in=in_city)
        .values_list("village_id", "person_id")
    )
    no_candidates = set(SURVEY_CASES.get("no_qualified_secretary", []))
    people: list[Person] = []
    reserves: list[Reserve] = []
    for village in villages:
        count = 0 if village.code in no_candidates else rng.choices(*zip(*RESERVE_COUNT_WEIGHTS, strict=True))[0]
        targets = [Post.PARTY_SECRETARY if rng.random() < 0.72 else rng.choice(OTHER_TARGETS)]
        targets += [rng.choice([Post.PARTY_SECRETARY, *OTHER_TARGETS]) for _ in range(count - 1)]
        ranks: dict[str, int] = defaultdict(int)
        for target in targets[:count]:
            ranks[target] += 1
            person = _young_person(rng, village=village, ids=ids, today=today)
            people.append(person)
            mentor = secretaries.get(village.pk)
            reserves.append(_reserve(rng, village, person, target, ranks[target], mentor=mentor, today=today))
    create_with_history(people, Person, batch_size=BATCH)
    for reserve in reserves:
        reserve.person_id = reserve.person.pk
    create_with_history(reserves, Reserve, batch_size=BATCH)
    return reserves


def _young_person(rng: random.Random, *, village: Village, ids: IdNumbers, today: dt.date) -> Person:
    age = rng.randint(24, 44)
    birth = today - dt.timedelta(days=age * 365 + age // 4 + rng.randint(5, 355))
    gender = Gender.FEMALE if rng.random() < 0.35 else Gender.MALE
    education = rng.choices(
        [
            Education.JUNIOR_HIGH,
            Education.HIGH_SCHOOL,
            Education.SECONDARY_VOCATIONAL,
            Education.ASSOCIATE,
            Education.BACHELOR,
        ],
        [8, 30, 22, 30, 10],
    )[0]
    return Person(
        name=person_name(rng, gender=gender, birth=birth),
        id_number=ids.allocate(rng, county_code=village.township.county.code, birth_date=birth, gender=gender),
        gender=gender,
        birth_date=birth,
        education=education,
        education_in_progress=Education.ASSOCIATE if education == Education.HIGH_SCHOOL and rng.random() < 0.2 else "",
        political_status=rng.choice(
            [PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY, PoliticalStatus.MASSES]
        ),
        phone=f"139{rng.randrange(10**8):08d}",
        home_village=village,
    )


def _reserve(
    rng: random.Random, village: Village, person: Person, target: str, rank: int, *, mentor: int | None, today: dt.date
) -> Reserve:
    withdrawn = rng.random() < 0.05
    age = person.age_on(today)
    ineligible = person.education == Education.JUNIOR_HIGH or age > 45
    return Reserve(
        person=person,
        village=village,
        target_post=target,
        readiness=rng.choices(list(Readiness), [30, 40, 30])[0],
        rank=rank,
        emergency_successor=target == Post.PARTY_SECRETARY and rank == 1 and rng.random() < 0.5,
        added_on=dt.date(rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28)),
        added_how=rng.choice(list(AddedHow)),
        mentor_id=mentor,
        status=ReserveStatus.WITHDRAWN if withdrawn else ReserveStatus.ACTIVE,
        withdrawn_reason="外出务工，本人申请退出" if withdrawn else "",
        status_changed_on=dt.date(2025, 6, 30) if withdrawn else None,
        eligibility_override_reason="致富带头人，群众基础好，经乡镇党委研究同意纳入" if ineligible else "",
    )


def _seed_classes(rng: random.Random, *, city: str, reserves: list[Reserve]) -> None:
    counties = list(County.objects.filter(city__code=city).select_related("city").order_by("code"))
    pool: dict[int, list[int]] = defaultdict(list)  # county → reserve person ids
    for reserve in reserves:
        pool[reserve.village.township.county_id].append(reserve.person_id)
    enrollments: list[Enrollment] = []
    for county in counties:
        people = pool[county.pk][:]
        rng.shuffle(people)
        first = county.code == DEMO_COUNTY  # the survey's class (the first county at every scale)
        classes = _classes_of(county, first=first)
        create_with_history(classes, TrainingClass)
        if first:
            enrollments += _survey_enrollments(rng, classes[0], people)
            later = classes[1:]
        else:
            later = classes
        for training_class in later:
            size = min(len(people), rng.randint(30, 60))
            chosen, people = people[:size], people[size:]
            enrollments += [_later_enrollment(rng, training_class, person_id) for person_id in chosen]
    create_with_history(enrollments, Enrollment, batch_size=BATCH)


def _classes_of(county: County, *, first: bool) -> list[TrainingClass]:
    institution = f"{county.name}职业中学"
    classes = [
        TrainingClass(
            name="2023年村级后备干部短期班",
            institution=f"{county.name}委党校",
            level=ClassLevel.SHORT,
            county=county,
            cohort="2023",
            starts_on=dt.date(2023, 4, 10),
            ends_on=dt.date(2023, 6, 30),
            funding_yuan=180000,
        ),
        TrainingClass(
            name="2025级村干部学历提升班（大专）",
            institution=f"四川开放大学{county.city.name[:2]}分部",
            level=ClassLevel.DEGREE,
            county=county,
            cohort="2025级",
            starts_on=dt.date(2025, 9, 1),
            ends_on=None,
            funding_yuan=320000,
        ),
    ]
    if first:
        survey = TrainingClass(
            name=SURVEY_CLASS_NAME,
            institution=institution,
            level=ClassLevel.MID_TERM,
            county=county,
            cohort="首批",
            starts_on=SURVEY_CLASS_START,
            ends_on=SURVEY_CLASS_END,
            funding_yuan=1740000,
        )
        classes.insert(0, survey)
    return classes


def _survey_enrollments(rng: random.Random, survey: TrainingClass, reserve_people: list[int]) -> list[Enrollment]:
    """103 people elected to 两委 posts in 2021 (young enough to have been reserves) and 13 reserves not elected."""
    elected = list(
        PostAssignment.objects.filter(
            village__township__county=survey.county,
            post__in=COMMITTEE_POSTS,
            how=How.ELECTED,
            end_on__isnull=True,
            start_on__gt=SURVEY_CLASS_END,
            person__birth_date__gt=dt.date(1970, 1, 1),
        )
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )
    rng.shuffle(elected)
    chosen = elected[:SURVEY_CLASS_ELECTED]
    others = reserve_people[: SURVEY_CLASS_SIZE - len(chosen)]
    del reserve_people[: len(others)]  # not drawn again for the later classes
    return [
        Enrollment(
            training_class=survey,
            person_id=person_id,
            status=EnrollmentStatus.COMPLETED,
            enrolled_on=SURVEY_CLASS_START,
            completed_on=SURVEY_CLASS_END,
        )
        for person_id in chosen + others
    ]


def _later_enrollment(rng: random.Random, training_class: TrainingClass, person_id: int) -> Enrollment:
    if training_class.ends_on is None:
        status = EnrollmentStatus.ENROLLED if rng.random() < 0.93 else EnrollmentStatus.DROPPED
    else:
        status = EnrollmentStatus.COMPLETED if rng.random() < 0.9 else EnrollmentStatus.DROPPED
    return Enrollment(
        training_class=training_class,
        person_id=person_id,
        status=status,
        enrolled_on=training_class.starts_on,
        completed_on=training_class.ends_on if status == EnrollmentStatus.COMPLETED else None,
    )


def _seed_elections(rng: random.Random, *, city: str) -> None:
    """One recorded Election per village of the city on its last election date, with the posts elected that day."""
    villages = Village.objects.filter(township__county__city__code=city, held_election_on__isnull=False).values_list(
        "pk", "held_election_on"
    )
    recorded_at = timezone.now()
    elections = [
        Election(village_id=pk, held_on=held_on, term="2021—2026", recorded_at=recorded_at)
        for pk, held_on in villages
        if held_on is not None
    ]
    Election.objects.bulk_create(elections, batch_size=BATCH)
    by_village: dict[tuple[int, dt.date | None], Election] = {(e.village_id, e.held_on): e for e in elections}
    won = PostAssignment.objects.filter(how=How.ELECTED, village_id__in=[e.village_id for e in elections]).values_list(
        "pk", "village_id", "start_on", "person_id", "post", "group_id"
    )
    results = [
        ElectionResult(
            election=by_village[(village_id, start_on)],
            person_id=person_id,
            post=post,
            group_id=group_id,
            votes=rng.randint(300, 1500),
            assignment_id=pk,
        )
        for pk, village_id, start_on, person_id, post, group_id in won
        if (village_id, start_on) in by_village
    ]
    ElectionResult.objects.bulk_create(results, batch_size=BATCH, ignore_conflicts=True)
