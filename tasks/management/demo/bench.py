"""Demo data for growing the bench (docs/domain.md §11): talent pool, mentors, talks, placements, 学历提升.

`seed_hook(scale=..., seed=...)` runs after the reserve pipeline's demo data (AFTER_SEED_HOOKS) and before the risk
recompute, which re-checks every reserve's eligibility and finds missing mentors and overdue talks. Idempotent:
does nothing once any talent exists. Bulk inserts, so the city scale stays fast. What it shows:
- a talent pool in most villages (people working elsewhere, business owners, graduates, veterans, 致富能手), and in
  the demo township one talent promoted to reserve in one step (`promote_talent`: the same person record);
- mentors named for most active reserves, talks for most of them (about one in ten overdue, and in the demo township
  one reserve whose mentor and secretary talks are both overdue), a few 培育岗;
- 梁坝村 (`DROPPED_TRAINEE_VILLAGE`): its only secretary reserve was a 大专 student of the county's degree class
  (大专在读, so eligible without a reason) and dropped out: the re-check finds them 初中, they stop counting, and
  书记无后备 returns with the reason;
- in the demo township, two committee members studying for 大专: one expected to graduate before the next
  election (counted in the projected share), one after it (not counted).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from reserves.choices import (
    ClassLevel,
    EnrollmentStatus,
    ProgrammeStatus,
    ReturnWillingness,
    RuralTalentCategory,
    TalentSource,
    TalkBy,
)
from reserves.education import record_programme
from reserves.mentoring import add_months
from reserves.models import EducationProgramme, Enrollment, Placement, Reserve, Talent, Talk, TrainingClass
from reserves.talents import promote_talent
from tasks.management.demo.committees import IdNumbers, person_name
from tasks.management.demo.history import create_with_history
from tasks.management.demo.province import cities_demo_first
from tasks.management.demo.tables import DEMO_TOWNSHIP, Scale
from villages.choices import COMMITTEE_POSTS, EDUCATION_RANK, Education, Gender, PoliticalStatus, Post
from villages.models import City, Person, PostAssignment, Village
from villages.risk import signals_paused

DROPPED_TRAINEE_VILLAGE = "511902103209"  # 梁坝村 (曾口镇)
BATCH = 1000
TALENTS_PER_VILLAGE = [(0, 15), (1, 35), (2, 30), (3, 20)]
LOCATIONS = [
    ("浙江省宁波市", "机械加工厂技术员"),
    ("广东省东莞市", "电子厂班组长"),
    ("成都市武侯区", "物流公司站点负责人"),
    ("重庆市渝北区", "餐饮店主"),
    ("福建省泉州市", "鞋厂车间主任"),
    ("巴中市巴州区", "农资门市经营者"),
    ("本村", "家庭农场主"),
    ("本村", "茶叶专业合作社理事"),
]
CADRES = [
    ("王建华", "乡镇党委副书记"),
    ("李国强", "乡镇党委组织委员"),
    ("张晓燕", "乡镇党委宣传委员"),
    ("刘志明", "乡镇纪委书记"),
]
TOPICS = ["工作近况与思想动态", "学历提升计划", "领办项目进展", "群众工作方法", "换届前准备"]


def seed_hook(*, scale: Scale, seed: int) -> None:
    """Create the bench demo data once (see the module docstring)."""
    if Talent.objects.exists():
        return
    rng = random.Random(seed * 47 + 11)
    today = timezone.localdate()
    with transaction.atomic(), signals_paused():  # hooks.risks recomputes everything afterwards
        ids = IdNumbers(set(Person.objects.values_list("id_number", flat=True)))
        # City by city, 巴中 first: its talents and mentors are those of the `city` scale.
        for city in cities_demo_first(City.objects.values_list("code", flat=True)):
            _seed_talents(rng, city=city, ids=ids, today=today)
            _seed_mentoring(rng, city=city, today=today)
        _promote_one(today=today)
        _overdue_talk(today=today)
        _dropped_trainee(today=today)
        _students(today=today)


def _seed_talents(rng: random.Random, *, city: str, ids: IdNumbers, today: dt.date) -> None:
    in_city = Village.objects.filter(township__county__city__code=city)
    villages = list(in_city.select_related("township__county").order_by("code"))
    people: list[Person] = []
    talents: list[Talent] = []
    for village in villages:
        count = rng.choices(*zip(*TALENTS_PER_VILLAGE, strict=True))[0]
        for _ in range(count):
            person = _talent_person(rng, village=village, ids=ids, today=today)
            location, work = rng.choice(LOCATIONS)
            people.append(person)
            talents.append(
                Talent(
                    person=person,
                    village=village,
                    source=rng.choices(list(TalentSource), [35, 20, 20, 10, 12, 3])[0],
                    category=rng.choices(list(RuralTalentCategory), [30, 30, 15, 15, 10])[0],
                    current_location=location,
                    current_work=work,
                    contact=f"微信 wx{rng.randrange(10**6):06d}" if rng.random() < 0.4 else "",
                    willingness=rng.choices(list(ReturnWillingness), [30, 35, 15, 20])[0],
                    entered_on=today - dt.timedelta(days=rng.randint(20, 700)),
                )
            )
    create_with_history(people, Person, batch_size=BATCH)
    for talent in talents:
        talent.person_id = talent.person.pk
    create_with_history(talents, Talent, batch_size=BATCH)


def _talent_person(rng: random.Random, *, village: Village, ids: IdNumbers, today: dt.date) -> Person:
    age = rng.randint(23, 42)
    birth = today - dt.timedelta(days=age * 365 + age // 4 + rng.randint(5, 355))
    gender = Gender.FEMALE if rng.random() < 0.3 else Gender.MALE
    education = rng.choices(
        [Education.JUNIOR_HIGH, Education.HIGH_SCHOOL, Education.SECONDARY_VOCATIONAL, Education.ASSOCIATE,
         Education.BACHELOR],
        [10, 25, 20, 30, 15],
    )[0]  # fmt: skip
    return Person(
        name=person_name(rng, gender=gender, birth=birth),
        id_number=ids.allocate(rng, county_code=village.township.county.code, birth_date=birth, gender=gender),
        gender=gender,
        birth_date=birth,
        education=education,
        political_status=rng.choices(
            [PoliticalStatus.CPC_MEMBER, PoliticalStatus.CYL_MEMBER, PoliticalStatus.MASSES], [25, 20, 55]
        )[0],
        phone=f"138{rng.randrange(10**8):08d}",
        home_village=village,
    )


def _seed_mentoring(rng: random.Random, *, city: str, today: dt.date) -> None:
    """Mentors for most active reserves of the city, their talks (about one in ten overdue) and a few 培育岗."""
    in_city = Reserve.objects.active().filter(village__township__county__city__code=city)
    reserves = list(in_city.select_related("village__township").order_by("pk"))
    talks: list[Talk] = []
    placements: list[Placement] = []
    for reserve in reserves:
        township = reserve.village.township_id
        name, post = CADRES[township % len(CADRES)]
        recent = (today - reserve.added_on).days < 200
        if not (recent and rng.random() < 0.3):
            reserve.township_mentor_name, reserve.township_mentor_post = name, post
            reserve.township_mentor_named_on = reserve.added_on + dt.timedelta(days=rng.randint(3, 25))
        if reserve.mentor_id:
            reserve.mentor_named_on = reserve.added_on + dt.timedelta(days=rng.randint(3, 25))
        overdue = rng.random() < 0.1
        talks += _talks(rng, reserve, today=today, overdue=overdue, township_secretary=f"{name[0]}书记")
        if reserve.readiness == "ready_now" and rng.random() < 0.35:
            starts_on = max(reserve.added_on, add_months(today, -10))
            placements.append(
                Placement(
                    reserve=reserve, post_name="书记助理", starts_on=starts_on, stipend=True, stipend_note="每月800元"
                )
            )
    Reserve.objects.bulk_update(
        reserves,
        ["township_mentor_name", "township_mentor_post", "township_mentor_named_on", "mentor_named_on"],
        batch_size=BATCH,
    )
    create_with_history(talks, Talk, batch_size=BATCH)
    create_with_history(placements, Placement, batch_size=BATCH)


def _talks(
    rng: random.Random, reserve: Reserve, *, today: dt.date, overdue: bool, township_secretary: str
) -> list[Talk]:
    mentor_months = rng.randint(7, 10) if overdue else rng.randint(0, 5)
    secretary_months = rng.randint(13, 16) if overdue else rng.randint(1, 11)
    found = []
    for months, by, who in (
        (mentor_months, TalkBy.TOWNSHIP_MENTOR, reserve.township_mentor_name or "乡镇帮带人"),
        (secretary_months, TalkBy.TOWNSHIP_SECRETARY, township_secretary),
    ):
        held_on = add_months(today, -months) - dt.timedelta(days=rng.randint(0, 20))
        if held_on >= reserve.added_on:
            found.append(Talk(reserve=reserve, held_on=held_on, by=by, by_name=who, topic=rng.choice(TOPICS)))
    return found


def _promote_one(*, today: dt.date) -> None:
    """A willing 大专 talent of the demo township becomes a reserve in one step (the same person record)."""
    talent = (
        Talent.objects.in_pool()
        .filter(village__township__code=DEMO_TOWNSHIP, willingness="willing", person__education=Education.ASSOCIATE)
        .order_by("village__code", "pk")
        .first()
    )
    if talent is not None:
        promote_talent(talent=talent, target_post=Post.DIRECTOR, added_on=max(talent.entered_on, today))


def _overdue_talk(*, today: dt.date) -> None:
    """A reserve of the demo township whose talks are overdue: mentor 8 months ago, township secretary 14 months ago."""
    reserve = (
        Reserve.objects.active()
        .filter(village__township__code=DEMO_TOWNSHIP, added_on__lte=add_months(today, -15))
        .order_by("village__code", "pk")
        .first()
    )
    if reserve is None:
        return
    reserve.talks.all().delete()
    for months, by, who in ((8, TalkBy.TOWNSHIP_MENTOR, reserve.township_mentor_name or "乡镇帮带人"),
                            (14, TalkBy.TOWNSHIP_SECRETARY, "乡镇党委书记")):  # fmt: skip
        Talk.objects.create(reserve=reserve, held_on=add_months(today, -months), by=by, by_name=who, topic="工作近况")


def _dropped_trainee(*, today: dt.date) -> None:
    """梁坝村's only secretary reserve: a 大专 student of the degree class (eligible as such) who dropped out."""
    reserve = (
        Reserve.objects.active()
        .filter(village__code=DROPPED_TRAINEE_VILLAGE, target_post=Post.PARTY_SECRETARY)
        .select_related("person", "village__township")
        .first()
    )
    if reserve is None:
        return
    degree = TrainingClass.objects.filter(county_id=reserve.village.township.county_id, level=ClassLevel.DEGREE).first()
    if degree is None:
        return
    person = reserve.person
    # After the drop-out the course under way is gone (record_programme/end_programme keep this in step in the product).
    Person.objects.filter(pk=person.pk).update(
        education=Education.JUNIOR_HIGH, education_in_service="", education_in_progress=""
    )
    enrollment, _ = Enrollment.objects.update_or_create(
        training_class=degree,
        person=person,
        defaults={"status": EnrollmentStatus.DROPPED, "enrolled_on": degree.starts_on},
    )
    dropped_on = max(degree.starts_on + dt.timedelta(days=30), today - dt.timedelta(days=40))
    EducationProgramme.objects.create(
        person=person,
        institution=degree.institution,
        major="农村行政管理",
        level=Education.ASSOCIATE,
        enrolled_on=degree.starts_on,
        expected_graduation_on=dt.date(degree.starts_on.year + 2, 7, 1),
        status=ProgrammeStatus.DROPPED,
        ended_on=min(dropped_on, today),
        funding_note="县财政补助学费70%，毕业后在村服务不少于5年",
        enrollment=enrollment,
    )
    # Entered as a 大专 student (大专在读 counts as 大专), so no reason to keep them was ever recorded.
    Reserve.objects.filter(pk=reserve.pk).update(eligibility_override_reason="")


def _students(*, today: dt.date) -> None:
    """Two committee members of a demo-township village studying for 大专: graduating before and after the election."""
    village = (
        Village.objects.filter(township__code=DEMO_TOWNSHIP).select_related("township__county").order_by("code").first()
    )
    if village is None:
        return
    election_on = village.planned_election_on or village.township.county.planned_election_on
    if election_on is None:
        return
    members = (
        PostAssignment.objects.current(today)
        .filter(village=village, post__in=list(COMMITTEE_POSTS))
        .select_related("person")
        .order_by("pk")
    )
    below = [a.person for a in members if EDUCATION_RANK[a.person.highest_education] < EDUCATION_RANK["associate"]]
    for person, graduates_on in zip(
        dict.fromkeys(below), (election_on - dt.timedelta(days=11), election_on + dt.timedelta(days=182)), strict=False
    ):
        record_programme(
            person=person,
            institution="四川开放大学巴中分部",
            major="农村行政管理",
            level=Education.ASSOCIATE,
            enrolled_on=min(today, graduates_on) - dt.timedelta(days=900),
            expected_graduation_on=graduates_on,
            funding_note="县财政补助学费70%",
        )
