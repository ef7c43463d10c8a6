"""Demo data for `manage.py seed_demo` (API.md): realistic Bazhong villages, committees, 社长 and assessments.

Contract:
- `seed_demo(scale=..., seed=...)` is idempotent: counties, townships and villages are matched by code; a village
  that already exists is skipped with everything in it (its groups, people, posts and assessments are created
  together, in one transaction), so a second run creates nothing and a `city` run after a `small` run only adds
  what is missing. The same seed, scale and date give the same data on a fresh database.
- `small`: 巴州区 (511902) with 4 townships of 10 villages. `city`: 6 counties, 200 townships, ~2,300 villages,
  ~25,000 people. `small` is a prefix of `city`: the same villages with the same codes.
- Every ID number is valid for `villages.idcard.parse`; gender and birth date agree with it. Region codes follow
  where a number was first issued: 5130xx (达县地区, before 1993), 5137xx (巴中地区, 1993–2000), 5119xx (since).
- History: rows are inserted with `bulk_create_with_history`, so each seeded row has one "+" history record
  (change reason "seed_demo"); it costs about a third of the seeding time and keeps `city` within its budget.
- `AFTER_SEED_HOOKS`: dotted paths of callables run as `hook(scale=..., seed=...)` after the demo data is
  committed (other apps add their own seeding: reserves, classes, risk recomputation).

The survey's cases (DOMAIN.md §1), present at both scales, all in 巴州区 (codes in `SURVEY_CASES`):
- 白庙村 511902100201 (凌云乡): 5 社; the 社长 are 3 aged over 70, 1 disabled (health=disabled,
  able_to_serve=False) and 1 able to serve.
- 柏杨村 511902100202 (凌云乡): no new party member for 12 years (last_party_admission_on 12 years ago).
- 石梯村 511902102201, 高坪村 511902102202 (化成镇): no qualified secretary candidate: the secretary (一肩挑)
  is aged 60 or more with 初中, every other committee member is over 45 or has 初中 or below.
- 书台村 511902103201, 龙泉村 511902103202, 桂花村 511902103203 (曾口镇): the party secretary post is held by a
  township cadre: 书台村 乡镇干部兼任 for 8 months, 龙泉村 代理 for 5 months, 桂花村 代理 for 1 month
  (the previous secretary's post ended the day before).
Rare name characters appear in these villages on purpose (喆 堃 赟 珺 昇 䶮 and CJK Extension B 𠇔 𡈼 𨭉).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from simple_history.utils import bulk_create_with_history

from villages import idcard
from villages.choices import (
    ORGAN_OF_POST,
    Education,
    Gender,
    Grade,
    Health,
    How,
    PartyOrgType,
    PoliticalStatus,
    Post,
    Role,
    SourceCategory,
)
from villages.models import Assessment, County, Group, Person, PostAssignment, Township, User, Village

Scale = Literal["small", "city"]

# Dotted paths of `hook(scale=..., seed=...)` callables run after the demo data is committed.
AFTER_SEED_HOOKS: list[str] = [
    "reserves.demo.seed_hook",  # first: risk recomputation reads the reserves
    "villages.risk.seed_hook",
    "villages.snapshots.seed_hook",
    "villages.confirmation.seed_hook",
]

DEMO_PASSWORD = "demo-pass-2026"
DEMO_COUNTY = "511902"
DEMO_TOWNSHIP = "511902100"
BATCH_SIZE = 1000
SMALL_TOWNSHIPS = 4
SMALL_VILLAGES_PER_TOWNSHIP = 10
MAX_VILLAGES_PER_TOWNSHIP = 16
ELECTION_2021 = dt.date(2021, 1, 1)

SURVEY_CASES: dict[str, list[str]] = {
    "group_leaders_unable": ["511902100201"],
    "no_new_party_member": ["511902100202"],
    "no_qualified_secretary": ["511902102201", "511902102202"],
    "acting_secretary": ["511902103201", "511902103202", "511902103203"],
}
SURVEY_VILLAGE_NAMES: dict[str, str] = {
    "511902100201": "白庙村",
    "511902100202": "柏杨村",
    "511902102201": "石梯村",
    "511902102202": "高坪村",
    "511902103201": "书台村",
    "511902103202": "龙泉村",
    "511902103203": "桂花村",
}
# (village code, post) → name: rare characters the PDF fonts must cover, in villages that are easy to find.
FORCED_NAMES: dict[tuple[str, str], str] = {
    ("511902100201", Post.PARTY_SECRETARY): "苟喆",
    ("511902100202", Post.PARTY_SECRETARY): "何堃",
    ("511902100202", Post.CLERK): "李珺",
    ("511902102201", Post.PARTY_SECRETARY): "王赟",
    ("511902103201", Post.PARTY_DEPUTY_SECRETARY): "刘昇",
    ("511902103202", Post.DIRECTOR): "张䶮",
    ("511902103203", Post.SUPERVISION_DIRECTOR): "冉𡈼",
    ("511902102202", Post.GROUP_LEADER): "蒲𨭉清",
}
ABLE_LEADER_NAME = "岳𠇔"  # the one able 社长 of 白庙村

# (code, name, planned election date, township count in `city`)
COUNTIES: list[tuple[str, str, dt.date | None, int]] = [
    ("511902", "巴州区", dt.date(2026, 12, 31), 35),
    ("511903", "恩阳区", dt.date(2026, 12, 31), 30),
    ("511921", "通江县", dt.date(2027, 1, 15), 48),
    ("511922", "南江县", dt.date(2027, 1, 10), 42),
    ("511923", "平昌县", None, 40),
    ("511971", "巴中经济开发区", None, 5),
]
REAL_TOWNSHIP_NAMES: dict[str, list[str]] = {
    "511902": [
        "凌云乡",
        "大和乡",
        "化成镇",
        "曾口镇",
        "三江镇",
        "清江镇",
        "水宁寺镇",
        "大罗镇",
        "梁永镇",
        "鼎山镇",
        "寺岭乡",
        "平梁镇",
        "光辉镇",
        "枣林镇",
        "金碑乡",
        "天马山镇",
        "关渡乡",
        "白庙乡",
        "青木镇",
    ],
    "511903": [
        "柳林镇",
        "下八庙镇",
        "玉山镇",
        "群乐镇",
        "茶坝镇",
        "渔溪镇",
        "花丛镇",
        "兴隆镇",
        "三河场镇",
        "双胜镇",
        "万安镇",
        "上八庙镇",
    ],
    "511921": [
        "诺江镇",
        "火炬镇",
        "沙溪镇",
        "至诚镇",
        "广纳镇",
        "铁佛镇",
        "麻石镇",
        "涪阳镇",
        "民胜镇",
        "永安镇",
        "洪口镇",
        "陈河镇",
        "空山镇",
        "毛浴镇",
    ],
    "511922": [
        "南江镇",
        "沙河镇",
        "长赤镇",
        "正直镇",
        "下两镇",
        "赤溪镇",
        "八庙镇",
        "关坝镇",
        "杨坝镇",
        "桥亭镇",
        "红光镇",
        "大河镇",
    ],
    "511923": [
        "江口镇",
        "驷马镇",
        "白衣镇",
        "岳家镇",
        "响滩镇",
        "得胜镇",
        "土兴镇",
        "佛楼镇",
        "云台镇",
        "笔山镇",
        "镇龙镇",
        "西兴镇",
    ],
    "511971": ["巴州经开区", "望京街道", "兴文街道"],
}
PLACE_FIRST = (
    "白石青龙凤金银柏桂花云雪清水河坪坝梁岩山江溪松竹梅兰鹤鹿马牛羊狮虎高平长新太永安兴福寿和"
    "义仁中东西南北黄红天星月光明田桥井塘湾沟垭寨庙观"
)
PLACE_SECOND = "山岩河溪坪坝湾沟垭梁岭坡林台桥井塘池口场庙寺观楼阁门洞池田园庄家营寨堡关城峰滩泉"

# Surnames with rough frequencies in Bazhong (苟, 何, 岳, 冉, 蒲 are common locally).
SURNAMES: list[tuple[str, int]] = [
    ("王", 70),
    ("李", 70),
    ("张", 60),
    ("何", 45),
    ("陈", 45),
    ("杨", 40),
    ("刘", 40),
    ("苟", 30),
    ("赵", 25),
    ("黄", 20),
    ("周", 20),
    ("吴", 18),
    ("罗", 18),
    ("岳", 15),
    ("谢", 15),
    ("唐", 15),
    ("冉", 12),
    ("蒲", 12),
    ("向", 12),
    ("邓", 12),
    ("曾", 12),
    ("彭", 12),
    ("胡", 12),
    ("徐", 10),
    ("孙", 10),
    ("马", 10),
    ("朱", 10),
    ("郭", 10),
    ("高", 10),
    ("林", 8),
    ("梁", 8),
    ("宋", 8),
    ("许", 8),
    ("韩", 8),
    ("冯", 8),
    ("袁", 8),
    ("田", 8),
    ("董", 6),
    ("蒋", 6),
    ("余", 6),
    ("杜", 6),
    ("程", 6),
    ("任", 6),
    ("姚", 6),
    ("廖", 6),
    ("贾", 5),
    ("付", 5),
    ("庞", 5),
    ("符", 4),
    ("敬", 4),
    ("鲜", 4),
    ("母", 3),
    ("屈", 3),
    ("雷", 5),
    ("熊", 5),
    ("文", 5),
    ("龚", 4),
    ("伏", 3),
    ("牟", 3),
    ("侯", 4),
    ("谭", 5),
    ("邱", 4),
    ("段", 4),
    ("欧阳", 1),
    ("司马", 1),
]
GIVEN_MALE_OLD = "德明国华建文志永福学长贵清正全洪忠祥春富元光天安东发荣成树林海兵云仕本兴泽才"
GIVEN_MALE_NEW = "俊伟杰涛鹏斌磊超波刚辉浩宇强军勇峰亮毅凯鑫睿博晨航帆阳洋川林龙"
GIVEN_FEMALE_OLD = "秀英芳兰华玉琼梅桂珍凤蓉翠群淑素琴碧菊香"
GIVEN_FEMALE_NEW = "丽霞红莉敏燕婷娟静琳雪慧倩洁颖欣怡悦佳娜蕾"
RARE_GIVEN = "喆堃赟珺昇䶮"
EXT_B_GIVEN = "𠇔𡈼𨭉"
ETHNICITIES = [("汉族", 995), ("土家族", 2), ("回族", 2), ("苗族", 1)]
PHONE_PREFIXES = [
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "178",
    "180",
    "182",
    "183",
    "187",
    "188",
    "189",
    "199",
]

# Where a number was first issued: (1993–2000 code, pre-1993 code) per current county code.
OLD_REGION_CODES: dict[str, tuple[str, str]] = {
    "511902": ("513701", "513028"),
    "511903": ("513701", "513028"),
    "511921": ("513721", "513025"),
    "511922": ("513722", "513026"),
    "511923": ("513723", "513027"),
    "511971": ("513701", "513028"),
}
ISSUING_CODE_NOW: dict[str, str] = {"511971": "511902"}

# Age bands (lowest, highest, weight) per kind of person.
AGE_BANDS: dict[str, list[tuple[int, int, int]]] = {
    "secretary": [(35, 44, 20), (45, 54, 40), (55, 59, 25), (60, 64, 15)],
    "committee": [(28, 35, 14), (36, 44, 16), (45, 54, 34), (55, 65, 32), (66, 70, 4)],
    "group_leader": [(38, 49, 15), (50, 59, 37), (60, 69, 42), (70, 75, 6)],
    "cadre": [(28, 45, 1)],
}
FEMALE_SHARE: dict[str, float] = {
    Post.PARTY_SECRETARY: 0.08,
    Post.DIRECTOR: 0.1,
    Post.CLERK: 0.35,
    Post.COMMITTEE_MEMBER: 0.15,
    Post.GROUP_LEADER: 0.08,
}


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
    since_1993, before_1993 = OLD_REGION_CODES[county_code]
    if issued < 1993 and rng.random() < 0.7:
        return before_1993
    if issued < 2000 and rng.random() < 0.7:
        return since_1993
    return ISSUING_CODE_NOW.get(county_code, county_code)


def seed_demo(
    *, scale: Scale = "small", seed: int = 2026, today: dt.date | None = None, history: bool = True
) -> SeedResult:
    """Create whatever of the demo data set is missing (see the module docstring); return what was created.

    `history=False` skips the history records of seeded rows (benchmarks measure what they cost)."""
    today = today or timezone.localdate()
    result = SeedResult()
    with transaction.atomic():
        counties = _ensure_counties(scale=scale, result=result)
        townships = _ensure_townships(counties, scale=scale, seed=seed, result=result)
        existing = set(Village.objects.values_list("code", flat=True))
        ids = IdNumbers(set(Person.objects.values_list("id_number", flat=True)))
        plans = [
            _plan_village(code, name, township, seed=seed, ids=ids, today=today)
            for township in townships
            for code, name in _village_names(township, scale=scale, seed=seed)
            if code not in existing
        ]
        _insert(plans, result=result, history=history)
        _ensure_demo_users(result=result)
    return result


def run_after_seed_hooks(*, scale: Scale, seed: int) -> list[str]:
    """Call every `AFTER_SEED_HOOKS` entry in order; return the paths called."""
    for path in AFTER_SEED_HOOKS:
        hook: Callable[..., object] = import_string(path)
        hook(scale=scale, seed=seed)
    return list(AFTER_SEED_HOOKS)


# --- administrative units -------------------------------------------------------------------------------------


def _ensure_counties(*, scale: Scale, result: SeedResult) -> list[County]:
    wanted = COUNTIES[:1] if scale == "small" else COUNTIES
    existing = {c.code: c for c in County.objects.filter(code__in=[w[0] for w in wanted])}
    missing = [
        County(code=code, name=name, planned_election_on=planned)
        for code, name, planned, _ in wanted
        if code not in existing
    ]
    County.objects.bulk_create(missing)
    result.counties = len(missing)
    existing.update({c.code: c for c in County.objects.filter(code__in=[c.code for c in missing])})  # with pks
    return [existing[code] for code, *_ in wanted]


def _township_names(county_code: str, count: int, *, seed: int) -> list[str]:
    """Real names first, then plausible invented ones (unique within the county)."""
    names = list(REAL_TOWNSHIP_NAMES[county_code])
    rng = random.Random(f"{seed}:townships:{county_code}")
    while len(names) < count:
        name = rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + rng.choice(["镇", "镇", "乡"])
        if name not in names:
            names.append(name)
    return names[:count]


def _ensure_townships(counties: list[County], *, scale: Scale, seed: int, result: SeedResult) -> list[Township]:
    township_count = {code: count for code, _, _, count in COUNTIES}
    wanted: list[Township] = []
    for county in counties:
        count = SMALL_TOWNSHIPS if scale == "small" else township_count[county.code]
        for index, name in enumerate(_township_names(county.code, count, seed=seed)):
            wanted.append(Township(code=f"{county.code}{100 + index:03d}", name=name, county=county))
    codes = [t.code for t in wanted]
    existing = {t.code: t for t in Township.objects.filter(code__in=codes).select_related("county")}
    missing = [t for t in wanted if t.code not in existing]
    Township.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    result.townships = len(missing)
    existing.update({t.code: t for t in missing})
    return [existing[t.code] for t in wanted]


def _village_names(township: Township, *, scale: Scale, seed: int) -> list[tuple[str, str]]:
    """(code, name) of the township's villages; `small` takes the first 10 of the same list as `city`."""
    rng = random.Random(f"{seed}:villages:{township.code}")
    count = rng.randint(7, MAX_VILLAGES_PER_TOWNSHIP)
    if scale == "small":
        count = SMALL_VILLAGES_PER_TOWNSHIP
    elif township.code[:6] == DEMO_COUNTY and int(township.code[6:]) < 100 + SMALL_TOWNSHIPS:
        count = max(count, SMALL_VILLAGES_PER_TOWNSHIP)
    reserved = set(SURVEY_VILLAGE_NAMES.values())
    combos = (a + b + "村" for a in PLACE_FIRST for b in PLACE_SECOND if a != b)
    pool = [name for name in dict.fromkeys(combos) if name not in reserved]
    names = rng.sample(pool, MAX_VILLAGES_PER_TOWNSHIP)
    villages = []
    for index in range(count):
        code = f"{township.code}{201 + index}"
        villages.append((code, SURVEY_VILLAGE_NAMES.get(code, names[index])))
    return villages


# --- one village ----------------------------------------------------------------------------------------------


def _case_of(code: str) -> str | None:
    return next((case for case, codes in SURVEY_CASES.items() if code in codes), None)


def _plan_village(
    code: str, name: str, township: Township, *, seed: int, ids: IdNumbers, today: dt.date
) -> VillagePlan:
    rng = random.Random(f"{seed}:village:{code}")
    case = _case_of(code)
    county = township.county
    village = Village(code=code, name=name, township=township, **_village_fields(rng, county, case, today))
    plan = VillagePlan(village=village)
    group_count = 5 if case == "group_leaders_unable" else rng.choices(range(3, 10), [18, 26, 24, 14, 9, 5, 4])[0]
    plan.groups = [Group(village=village, number=n, name=f"{n}社") for n in range(1, group_count + 1)]
    builder = _CommitteeBuilder(rng=rng, plan=plan, county_code=county.code, ids=ids, today=today, case=case)
    builder.build()
    return plan


def _village_fields(rng: random.Random, county: County, case: str | None, today: dt.date) -> dict:
    if case == "no_new_party_member":
        last_admission = _years_before(today, 12) - dt.timedelta(days=40)
    else:
        # Most branches admitted someone in the last two years; some not for years (amber), none for ten.
        years = rng.choices([(0, 2), (2, 5), (5, 8)], [65, 25, 10])[0]
        last_admission = today - dt.timedelta(days=rng.randint(max(60, years[0] * 365), years[1] * 365 - 10))
    planned = None
    if county.planned_election_on and rng.random() < 0.4:
        planned = county.planned_election_on - dt.timedelta(days=rng.randint(0, 25))
    return {
        "party_org_type": rng.choices(
            [PartyOrgType.BRANCH, PartyOrgType.GENERAL_BRANCH, PartyOrgType.COMMITTEE], [85, 13, 2]
        )[0],
        "party_member_count": rng.randint(18, 85),
        "last_party_admission_on": last_admission,
        "development_candidates": 0
        if case == "no_new_party_member"
        else rng.choices([0, 1, 2, 3], [25, 40, 25, 10])[0],
        "planned_election_on": planned,
        "held_election_on": ELECTION_2021 + dt.timedelta(days=rng.randint(10, 110)),
    }


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
        self._committee_members(party_members)
        self._clerk(party_members)
        self._supervision(party_members)
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
        """The former secretary left; a township cadre holds the post (DOMAIN.md §1: 3 villages of one town)."""
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

    def _committee_members(self, party_members: list[int]) -> None:
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

    def _clerk(self, party_members: list[int]) -> None:
        if party_members and self.rng.random() < 0.35:
            self._post(party_members[-1], Post.CLERK)
        else:
            self._post(self._person(Post.CLERK, "committee", party=0.5), Post.CLERK)

    def _supervision(self, party_members: list[int]) -> None:
        # The party branch's discipline member usually chairs the 监委会.
        if self.rng.random() < 0.6:
            director = party_members[0]
        else:
            director = self._person(Post.SUPERVISION_DIRECTOR, "committee", party=0.7)
        self._post(director, Post.SUPERVISION_DIRECTOR)
        for _ in range(1 if self.rng.random() < 0.7 else 2):
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
        """白庙村: 3 社长 over 70, 1 disabled and unable to serve, 1 able (DOMAIN.md §1)."""
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


def _insert(plans: list[VillagePlan], *, result: SeedResult, history: bool) -> None:
    """Bulk-insert the plans in dependency order, resolving list indexes to primary keys."""
    if not plans:
        return

    def create(rows: list, model: type) -> None:
        if history:
            bulk_create_with_history(rows, model, batch_size=BATCH_SIZE, default_change_reason="seed_demo")
        else:
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)

    # bulk_create re-reads each foreign key from its (now saved) related object, so rows built against unsaved
    # villages and people get their ids here.
    create([p.village for p in plans], Village)
    groups = [g for p in plans for g in p.groups]
    Group.objects.bulk_create(groups, batch_size=BATCH_SIZE)
    people = [person for p in plans for person in p.people]
    create(people, Person)
    posts, assessments = [], []
    for plan in plans:
        for person, post, group in plan.posts:
            post.person = plan.people[person]
            post.village = plan.village
            post.group = plan.groups[group] if group is not None else None
            posts.append(post)
        for person, assessment in plan.assessments:
            assessment.person = plan.people[person]
            assessments.append(assessment)
    create(posts, PostAssignment)
    create(assessments, Assessment)
    result.villages, result.groups, result.people = len(plans), len(groups), len(people)
    result.posts, result.assessments = len(posts), len(assessments)


def _ensure_demo_users(*, result: SeedResult) -> None:
    """`city`, `county` (county staff of 511902) and `township` (secretary of 511902100); passwords set once."""
    county = County.objects.get(code=DEMO_COUNTY)
    township = Township.objects.get(code=DEMO_TOWNSHIP)
    accounts = [
        ("city", {"role": Role.CITY_ADMIN, "display_name": "市委组织部（演示）"}),
        ("county", {"role": Role.COUNTY_STAFF, "county": county, "display_name": f"{county.name}委组织部（演示）"}),
        (
            "township",
            {"role": Role.TOWNSHIP_SECRETARY, "township": township, "display_name": f"{township.name}党委书记（演示）"},
        ),
    ]
    for username, fields in accounts:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            # Demo password on purpose: too short for the validators, which are for real accounts.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            result.users += 1
