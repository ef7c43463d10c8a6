"""Building one demo village: its committee, 社长, assessments and ID numbers, drawn with a seeded random generator."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from tasks.management.demo.tables import (
    ABLE_LEADER_NAME,
    AGE_BANDS,
    ETHNICITIES,
    EXT_B_GIVEN,
    FEMALE_SHARE,
    FORCED_NAMES,
    GIVEN_FEMALE_NEW,
    GIVEN_FEMALE_OLD,
    GIVEN_MALE_NEW,
    GIVEN_MALE_OLD,
    ISSUING_CODE_NOW,
    OLD_REGION_CODES,
    PHONE_PREFIXES,
    RARE_GIVEN,
    SURNAMES,
    SURVEY_CASES,
)
from villages import idcard
from villages.choices import (
    ORGAN_OF_POST,
    Education,
    Gender,
    Grade,
    Health,
    How,
    PoliticalStatus,
    Post,
    SourceCategory,
)
from villages.models import Assessment, Group, Person, PostAssignment, Village


@dataclass
class VillagePlan:
    """One village and everything in it, unsaved; links are list indexes until the rows have primary keys."""

    village: Village
    groups: list[Group] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    posts: list[tuple[int, PostAssignment, int | None]] = field(default_factory=list)  # (person, post, group)
    assessments: list[tuple[int, Assessment]] = field(default_factory=list)


@dataclass
class SeedResult:
    counties: int = 0
    townships: int = 0
    villages: int = 0
    groups: int = 0
    people: int = 0
    posts: int = 0
    assessments: int = 0
    users: int = 0

    def summary(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in vars(self).items())


class IdNumbers:
    """Allocates unique, valid ID numbers; the sequence's parity carries the gender (odd = male)."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken

    def allocate(self, rng: random.Random, *, county_code: str, birth_date: dt.date, gender: str) -> str:
        region = issuing_region(rng, county_code=county_code, birth_year=birth_date.year)
        sequence = rng.randrange(1, 500) * 2 + (1 if gender == Gender.MALE else 0)
        while True:
            first17 = f"{region}{birth_date:%Y%m%d}{sequence % 1000:03d}"
            number = first17 + idcard.check_character(first17)
            if number not in self.taken:
                self.taken.add(number)
                return number
            sequence += 2


def issuing_region(rng: random.Random, *, county_code: str, birth_year: int) -> str:
    """The region code of the first issue: most first cards came at 16–25, the first ones in 1985."""
    issued = max(1985, birth_year + 16 + rng.randrange(0, 10))
    # Outside 巴中 (`province`) the county's own code throughout; the draws are the same either way.
    since_1993, before_1993 = OLD_REGION_CODES.get(county_code, (county_code, county_code))
    if issued < 1993 and rng.random() < 0.7:
        return before_1993
    if issued < 2000 and rng.random() < 0.7:
        return since_1993
    return ISSUING_CODE_NOW.get(county_code, county_code)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _CommitteeBuilder:
    """Fills one VillagePlan: 两委, 监委会, 社长, sometimes a 第一书记, and assessments for recent years."""

    def __init__(
        self,
        *,
        rng: random.Random,
        plan: VillagePlan,
        county_code: str,
        ids: IdNumbers,
        today: dt.date,
        case: str | None,
    ) -> None:
        self.rng, self.plan, self.county_code, self.ids, self.today, self.case = (
            rng,
            plan,
            county_code,
            ids,
            today,
            case,
        )
        self.elected_on = plan.village.held_election_on
        self.members: list[int] = []  # committee people who may also lead a 社
        self.named: set[tuple[str, str]] = set()  # FORCED_NAMES already given

    def build(self) -> None:
        rng = self.rng
        secretary = self._secretary()
        one_shoulder = self.case != "acting_secretary" and rng.random() < 0.75
        if one_shoulder:
            self._post(secretary, Post.DIRECTOR)
        else:
            self._post(self._person(Post.DIRECTOR, "committee", party=0.7), Post.DIRECTOR)
        if rng.random() < 0.4 or self.case == "acting_secretary":
            self._post(self._person(Post.PARTY_DEPUTY_SECRETARY, "committee", party=1.0), Post.PARTY_DEPUTY_SECRETARY)
        party_members = [self._person(Post.PARTY_MEMBER, "committee", party=1.0) for _ in range(rng.randint(1, 2))]
        for person in party_members:
            self._post(person, Post.PARTY_MEMBER)
        if rng.random() < 0.3:
            self._post(self._person(Post.DEPUTY_DIRECTOR, "committee", party=0.5), Post.DEPUTY_DIRECTOR)
        on_committee = self._committee_members(party_members)
        self._clerk(party_members)
        self._supervision([p for p in party_members if p not in on_committee])
        self._group_leaders()
        if rng.random() < 0.3:
            self._first_secretary()

    # people

    def _person(
        self,
        post: str,
        kind: str,
        *,
        party: float,
        age: int | None = None,
        education: str | None = None,
        gender: str | None = None,
        health: str | None = None,
        able: bool | None = None,
        name: str | None = None,
    ) -> int:
        rng = self.rng
        if self.case == "no_qualified_secretary" and kind == "committee":
            # Nobody on the committee could take over: over 45, or 初中 and below.
            age, education = rng.randint(48, 66), rng.choice([Education.PRIMARY, Education.JUNIOR_HIGH])
        age = age if age is not None else _age(rng, kind)
        birth = self.today - dt.timedelta(days=age * 365 + age // 4 + rng.randint(5, 355))
        gender = gender or (Gender.FEMALE if rng.random() < FEMALE_SHARE.get(post, 0.12) else Gender.MALE)
        education = education or _education(rng, kind, age)
        health = health or _health(rng, age)
        person = Person(
            name=name or self._forced_name(post) or person_name(rng, gender=gender, birth=birth),
            id_number=self.ids.allocate(rng, county_code=self.county_code, birth_date=birth, gender=gender),
            gender=gender,
            birth_date=birth,
            ethnicity=rng.choices([e for e, _ in ETHNICITIES], [w for _, w in ETHNICITIES])[0],
            education=education,
            health=health,
            able_to_serve=able if able is not None else _able(rng, health, age),
            phone="" if age > 70 and rng.random() < 0.5 else rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            home_village=self.plan.village,
        )
        self._politics(person, party=party, age=age)
        self._education_extra(person, kind, age)
        if kind in {"committee", "secretary"} and rng.random() < 0.25:
            person.source_categories = [_source_category(rng, age)]
        self.plan.people.append(person)
        if kind == "committee":
            self.members.append(len(self.plan.people) - 1)
        return len(self.plan.people) - 1

    def _forced_name(self, post: str) -> str | None:
        key = (self.plan.village.code, post)
        if key in FORCED_NAMES and key not in self.named:
            self.named.add(key)
            return FORCED_NAMES[key]
        return None

    def _politics(self, person: Person, *, party: float, age: int) -> None:
        rng = self.rng
        if rng.random() < party:
            joined_age = rng.randint(20, max(21, min(age - 1, 45)))
            person.party_joined_on = person.birth_date + dt.timedelta(days=joined_age * 365 + rng.randint(0, 300))
            if person.party_joined_on > self.today - dt.timedelta(days=365):
                person.political_status = PoliticalStatus.CPC_PROBATIONARY
            else:
                person.political_status = PoliticalStatus.CPC_MEMBER
        elif age < 28 and rng.random() < 0.5:
            person.political_status = PoliticalStatus.CYL_MEMBER
        else:
            person.political_status = PoliticalStatus.MASSES

    def _education_extra(self, person: Person, kind: str, age: int) -> None:
        if self.case == "no_qualified_secretary" and kind != "group_leader":
            return
        low = person.education in {Education.JUNIOR_HIGH, Education.HIGH_SCHOOL, Education.SECONDARY_VOCATIONAL}
        if kind in {"committee", "secretary"} and low and age < 60 and self.rng.random() < 0.2:
            person.education_in_service = Education.ASSOCIATE  # 函授 / 电大 大专
        elif kind == "committee" and age <= 40 and self.rng.random() < 0.08:
            person.education_in_progress = Education.ASSOCIATE  # 大专在读

    # posts

    def _post(
        self,
        person: int,
        post: str,
        *,
        how: str = How.ELECTED,
        start_on: dt.date | None = None,
        end_on: dt.date | None = None,
        end_reason: str = "",
        group: int | None = None,
    ) -> None:
        assignment = PostAssignment(
            village=self.plan.village,
            organ=ORGAN_OF_POST[post],
            post=post,
            start_on=start_on or self.elected_on,
            end_on=end_on,
            how=how,
            term="2021—2026" if how in {How.ELECTED, How.BY_ELECTION} else "",
            end_reason=end_reason,
        )
        self.plan.posts.append((person, assignment, group))
        if post != Post.FIRST_SECRETARY and end_on is None:
            self._assess(person, years=(2025,) if post == Post.GROUP_LEADER else (2023, 2024, 2025))

    def _assess(self, person: int, *, years: tuple[int, ...]) -> None:
        done = {a.year for p, a in self.plan.assessments if p == person}
        for year in years:
            if year not in done:
                grade = self.rng.choices(list(Grade), [18, 70, 10, 2])[0]
                self.plan.assessments.append((person, Assessment(year=year, grade=grade)))

    def _secretary(self) -> int:
        if self.case == "no_qualified_secretary":
            person = self._person(
                Post.PARTY_SECRETARY,
                "secretary",
                party=1.0,
                age=self.rng.randint(60, 63),
                education=Education.JUNIOR_HIGH,
            )
            self._post(person, Post.PARTY_SECRETARY)
            return person
        if self.case == "acting_secretary":
            return self._acting_secretary()
        person = self._person(Post.PARTY_SECRETARY, "secretary", party=1.0)
        self._post(person, Post.PARTY_SECRETARY)
        return person

    def _acting_secretary(self) -> int:
        """The former secretary left; a township cadre holds the post (docs/domain.md: 3 villages of one town)."""
        months, how = {
            SURVEY_CASES["acting_secretary"][0]: (8, How.TOWNSHIP_CONCURRENT),
            SURVEY_CASES["acting_secretary"][1]: (5, How.ACTING),
            SURVEY_CASES["acting_secretary"][2]: (1, How.ACTING),
        }[self.plan.village.code]
        since = self.today - dt.timedelta(days=months * 30 + 5)
        former = self._person(Post.PARTY_SECRETARY, "secretary", party=1.0, age=self.rng.randint(58, 66))
        self._post(former, Post.PARTY_SECRETARY, end_on=since, end_reason=self.rng.choice(["因病辞职", "外出务工辞职"]))
        cadre = self._person(Post.PARTY_SECRETARY, "cadre", party=1.0, education=Education.BACHELOR)
        self.plan.people[cadre].notes = "乡镇干部（镇党委组织委员）" if how == How.TOWNSHIP_CONCURRENT else "乡镇干部"
        self._post(cadre, Post.PARTY_SECRETARY, how=how, start_on=since)
        return cadre

    def _committee_members(self, party_members: list[int]) -> list[int]:
        """The 村委委员; returns the party committee members among them (交叉任职)."""
        rng = self.rng
        count = rng.randint(1, 2)
        cross = [p for p in party_members if rng.random() < 0.5][:count]
        for person in cross:
            self._post(person, Post.COMMITTEE_MEMBER)
        for index in range(count - len(cross)):
            woman = index == 0 and rng.random() < 0.7
            person = self._person(
                Post.COMMITTEE_MEMBER, "committee", party=0.4, gender=Gender.FEMALE if woman else None
            )
            self._post(person, Post.COMMITTEE_MEMBER)
        return cross

    def _clerk(self, party_members: list[int]) -> None:
        if party_members and self.rng.random() < 0.35:
            self._post(party_members[-1], Post.CLERK)
        else:
            self._post(self._person(Post.CLERK, "committee", party=0.5), Post.CLERK)

    def _supervision(self, party_members: list[int]) -> None:
        """3–5 members (村民委员会组织法 Art. 32), none of them on the 村委会 (`party_members`: those who are not)."""
        # The party branch's discipline member usually chairs the 监委会.
        if party_members and self.rng.random() < 0.6:
            director = party_members[0]
        else:
            director = self._person(Post.SUPERVISION_DIRECTOR, "committee", party=0.7)
        self._post(director, Post.SUPERVISION_DIRECTOR)
        for _ in range(2 if self.rng.random() < 0.8 else 3):
            self._post(self._person(Post.SUPERVISION_MEMBER, "committee", party=0.4), Post.SUPERVISION_MEMBER)

    def _group_leaders(self) -> None:
        special = self._survey_group_leaders() if self.case == "group_leaders_unable" else {}
        for index, _ in enumerate(self.plan.groups):
            if not special and self.members and self.rng.random() < 0.2:
                person = self.members.pop()  # a committee member who also leads their own 社 (交叉任职)
            else:
                person = self._person(Post.GROUP_LEADER, "group_leader", party=0.3, **special.get(index, {}))
            self._post(person, Post.GROUP_LEADER, group=index)

    def _survey_group_leaders(self) -> dict[int, dict]:
        """白庙村: 3 社长 over 70, 1 disabled and unable to serve, 1 able (docs/domain.md)."""
        rng = self.rng
        old = {"health": Health.FAIR, "able": True}
        return {
            0: {"age": rng.randint(71, 74), **old},
            1: {"age": rng.randint(72, 76), **old},
            2: {"age": rng.randint(71, 75), **old},
            3: {"age": rng.randint(55, 64), "health": Health.DISABLED, "able": False},
            4: {
                "age": rng.randint(46, 52),
                "health": Health.HEALTHY,
                "able": True,
                "education": Education.HIGH_SCHOOL,
                "gender": Gender.MALE,
                "name": ABLE_LEADER_NAME,
            },
        }

    def _first_secretary(self) -> None:
        person = self._person(Post.FIRST_SECRETARY, "cadre", party=1.0, education=Education.BACHELOR)
        self.plan.people[person].notes = self.rng.choice(["市级部门选派", "县级部门选派", "国企选派"])
        start = dt.date(self.rng.choice([2023, 2024, 2025]), self.rng.choice([3, 6, 9]), 1)
        self._post(person, Post.FIRST_SECRETARY, how=How.DISPATCHED, start_on=start)


def _age(rng: random.Random, kind: str) -> int:
    bands = AGE_BANDS[kind]
    low, high, _ = rng.choices(bands, [w for *_, w in bands])[0]
    return rng.randint(low, high)


def _education(rng: random.Random, kind: str, age: int) -> str:
    e = Education
    if kind == "cadre":
        return e.BACHELOR
    if kind == "group_leader":
        if age >= 60:
            return rng.choices([e.NONE, e.PRIMARY, e.JUNIOR_HIGH, e.HIGH_SCHOOL], [3, 35, 50, 12])[0]
        return rng.choices(
            [e.PRIMARY, e.JUNIOR_HIGH, e.HIGH_SCHOOL, e.SECONDARY_VOCATIONAL, e.ASSOCIATE], [10, 55, 28, 5, 2]
        )[0]
    if age >= 60:
        return rng.choices([e.PRIMARY, e.JUNIOR_HIGH, e.HIGH_SCHOOL, e.SECONDARY_VOCATIONAL], [20, 55, 20, 5])[0]
    if age >= 45:
        return rng.choices(
            [e.PRIMARY, e.JUNIOR_HIGH, e.HIGH_SCHOOL, e.SECONDARY_VOCATIONAL, e.ASSOCIATE, e.BACHELOR],
            [5, 40, 30, 10, 13, 2],
        )[0]
    return rng.choices(
        [e.JUNIOR_HIGH, e.HIGH_SCHOOL, e.SECONDARY_VOCATIONAL, e.ASSOCIATE, e.BACHELOR], [15, 25, 15, 30, 15]
    )[0]


def _health(rng: random.Random, age: int) -> str:
    weights = [55, 25, 17, 3] if age >= 70 else [70, 18, 10, 2] if age >= 60 else [88, 7, 4, 1]
    return rng.choices([Health.HEALTHY, Health.FAIR, Health.CHRONIC, Health.DISABLED], weights)[0]


def _able(rng: random.Random, health: str, age: int) -> bool:
    if health == Health.DISABLED:
        return rng.random() < 0.2
    if health == Health.CHRONIC:
        return rng.random() < 0.8
    return not (age >= 70 and rng.random() < 0.1)


def _source_category(rng: random.Random, age: int) -> str:
    s = SourceCategory
    if age <= 35:
        return rng.choice([s.LOCAL_GRADUATE, s.RETURNED_MIGRANT, s.VETERAN, s.COLLEGE_GRADUATE_OFFICIAL])
    return rng.choices(
        [s.RETURNED_MIGRANT, s.ENTREPRENEUR, s.COOPERATIVE_HEAD, s.VETERAN, s.RETIRED_OFFICIAL], [35, 20, 15, 15, 5]
    )[0]


def person_name(rng: random.Random, *, gender: str, birth: dt.date) -> str:
    """Surname by frequency; one- or two-character given name in the style of the birth cohort; rarely a rare
    character (喆 堃 赟 珺 昇 䶮) or, very rarely, a CJK Extension B one."""
    surname = rng.choices([s for s, _ in SURNAMES], [w for _, w in SURNAMES])[0]
    old = birth.year < 1975
    if gender == Gender.FEMALE:
        pool = GIVEN_FEMALE_OLD if old else GIVEN_FEMALE_NEW
    else:
        pool = GIVEN_MALE_OLD if old else GIVEN_MALE_NEW
    given = [rng.choice(pool) for _ in range(2 if rng.random() < (0.8 if old else 0.6) else 1)]
    roll = rng.random()
    if roll < 0.0015:
        given[-1] = rng.choice(EXT_B_GIVEN)
    elif roll < 0.012:
        given[-1] = rng.choice(RARE_GIVEN)
    return surname + "".join(given)


# --- database -------------------------------------------------------------------------------------------------
