"""Text as rosters write it → API codes (education, political status, post, grade, health, gender, …).

Every Chinese label in `villages/choices.py` maps to its own code; the tables below add the common ways
spreadsheets write the same thing. Anything else is refused with `UnknownCode` (the importer reports it with
its row and column): a guess would silently corrupt the roster.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from django.db import models

from villages.choices import CadreSource, Education, Gender, Grade, Health, PoliticalStatus, Post, SourceCategory


class UnknownCode(ValueError):
    """The text cannot be mapped; the message (Chinese) names the value and what is allowed."""


# Rosters repeat the same few values thousands of times: conversions are cached (typed: 1 and 1.0 differ).
cached = functools.lru_cache(maxsize=4096, typed=True)


@cached
def normalise_text(value: object) -> str:
    """Full-width → half-width, all spaces removed (names and codes never contain meaningful spaces)."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _table(choices: type[models.TextChoices], extra: dict[str, Iterable[str]]) -> dict[str, str]:
    table = {normalise_text(label): value for value, label in choices.choices}
    for value, aliases in extra.items():
        for alias in aliases:
            table[normalise_text(alias)] = value
    return table


EDUCATION = _table(
    Education,
    {
        Education.POSTGRADUATE: ("研究生", "硕士", "博士", "硕士研究生", "博士研究生", "研究生(硕士)"),
        Education.BACHELOR: ("本科", "大学", "函授本科", "自考本科", "成人本科", "网络本科", "电大本科", "在职本科"),
        Education.ASSOCIATE: (
            "大专",
            "专科",
            "函授大专",
            "函授专科",
            "电大",
            "电大大专",
            "电大专科",
            "自考大专",
            "成人大专",
            "网络大专",
            "高职",
            "在职大专",
        ),
        Education.SECONDARY_VOCATIONAL: (
            "中专",
            "中技",
            "技校",
            "职高",
            "职中",
            "中职",
            "职业高中",
            "中等专科",
            "中等职业学校",
            "函授中专",
        ),
        Education.HIGH_SCHOOL: ("高中", "高中毕业", "普高", "高级中学"),
        Education.JUNIOR_HIGH: ("初中", "初中毕业", "初级中学", "初中肄业"),
        Education.PRIMARY: ("小学", "初小", "高小", "小学毕业"),
        Education.NONE: ("文盲", "半文盲", "无", "无学历"),
    },
)

POLITICAL_STATUS = _table(
    PoliticalStatus,
    {
        PoliticalStatus.CPC_MEMBER: ("党员", "共产党员", "中国共产党党员", "中共"),
        PoliticalStatus.CPC_PROBATIONARY: ("预备党员", "中共预备", "预备"),
        PoliticalStatus.CYL_MEMBER: ("团员", "共青团员", "中国共产主义青年团团员"),
        PoliticalStatus.DEMOCRATIC_PARTY: (
            "民革",
            "民革党员",
            "民盟",
            "民盟盟员",
            "民建",
            "民建会员",
            "民进",
            "民进会员",
            "农工党",
            "农工党党员",
            "致公党",
            "致公党党员",
            "九三学社",
            "九三学社社员",
            "台盟",
            "台盟盟员",
        ),
        PoliticalStatus.INDEPENDENT: ("无党派", "无党派人士"),
        PoliticalStatus.MASSES: ("群众", "普通群众"),
    },
)

POST = _table(
    Post,
    {
        Post.PARTY_SECRETARY: (
            "党支部书记",
            "支部书记",
            "村党支部书记",
            "党总支书记",
            "村党总支书记",
            "党委书记",
            "村党委书记",
            "党组织书记",
            "村党组织书记",
            "社区党支部书记",
            "社区党委书记",
        ),
        Post.PARTY_DEPUTY_SECRETARY: (
            "党支部副书记",
            "支部副书记",
            "村党支部副书记",
            "党总支副书记",
            "党委副书记",
            "村党组织副书记",
        ),
        Post.PARTY_MEMBER: ("支委", "支部委员", "党支部委员", "村党支部委员", "总支委员", "党委委员", "支委会委员"),
        Post.DIRECTOR: ("主任", "村主任", "村委主任", "村民委员会主任", "居委会主任", "社区居委会主任"),
        Post.DEPUTY_DIRECTOR: ("村委会副主任", "村委副主任", "村副主任", "居委会副主任"),
        Post.COMMITTEE_MEMBER: ("村委会委员", "村民委员会委员", "居委会委员", "村委成员"),
        Post.SUPERVISION_DIRECTOR: ("监委主任", "村务监督委员会主任", "监督委员会主任", "村监委主任"),
        Post.SUPERVISION_MEMBER: ("监委会委员", "村务监督委员会委员", "监督委员会委员", "村监委委员"),
        Post.CLERK: ("文书", "村文书员"),
        Post.GROUP_LEADER: ("组长", "村民小组长", "小组长", "村民小组组长"),
        Post.FIRST_SECRETARY: ("驻村第一书记", "村第一书记"),
    },
)

GRADE = _table(
    Grade,
    {
        Grade.COMPETENT: ("合格",),
        Grade.BASICALLY_COMPETENT: ("基本合格",),
        Grade.INCOMPETENT: ("不合格",),
    },
)

HEALTH = _table(
    Health,
    {
        Health.HEALTHY: ("良好", "健康良好", "身体健康", "好"),
        Health.FAIR: ("较好",),
        Health.CHRONIC: ("有慢性病", "慢性疾病", "患慢性病"),
        Health.DISABLED: ("残疾人", "伤残", "残障"),
    },
)

GENDER = _table(Gender, {Gender.MALE: ("男性",), Gender.FEMALE: ("女性",)})

SOURCE_CATEGORY = _table(
    SourceCategory,
    {
        SourceCategory.ENTREPRENEUR: ("致富能手", "致富带头人", "农村致富带头人"),
        SourceCategory.RETURNED_MIGRANT: ("返乡农民工", "外出务工返乡人员", "返乡务工人员", "务工返乡"),
        SourceCategory.COOPERATIVE_HEAD: ("专业合作社负责人", "合作社带头人"),
        SourceCategory.LOCAL_GRADUATE: ("本土大学毕业生", "大学毕业生", "返乡大学生"),
        SourceCategory.VETERAN: ("退伍军人", "复员退伍军人", "退役士兵"),
        SourceCategory.COLLEGE_GRADUATE_OFFICIAL: ("选调生", "大学生村干部"),
        SourceCategory.RETIRED_OFFICIAL: ("离退休干部", "机关退休干部", "退休回村干部"),
    },
)

CADRE_SOURCE = _table(
    CadreSource,
    {
        CadreSource.VILLAGER: ("本村村民", "普通村民", "群众"),
        CadreSource.ECONOMIC_ORG_HEAD: ("集体经济组织负责人", "村集体经济组织负责人", "合作社负责人", "企业负责人"),
        CadreSource.RETURNEE: ("返乡创业人员", "返乡农民工", "外出务工返乡人员", "务工返乡"),
        CadreSource.DISPATCHED_CADRE: ("机关干部", "下派干部", "机关选派"),
        CadreSource.COLLEGE_GRADUATE: ("大学毕业生", "高校毕业生返乡", "本土大学生"),
        CadreSource.COLLEGE_GRADUATE_OFFICIAL: ("大学生村干部", "选调生"),
        CadreSource.VETERAN: ("退伍军人", "复员退伍军人", "退役士兵"),
        CadreSource.RETIRED: ("离退休人员", "退休干部", "离岗干部"),
        CadreSource.INDUSTRY_ASSOCIATION_HEAD: ("产业协会负责人", "协会负责人"),
    },
)

YES_NO: dict[str, bool] = {
    **dict.fromkeys(("是", "能", "可以", "正常", "能正常履职", "Y", "YES", "√", "✓"), True),
    **dict.fromkeys(("否", "不能", "不可以", "不能正常履职", "N", "NO", "×", "✗"), False),
}

# Several values in one cell: 党支部书记、村委会主任 · 书记兼主任 · 书记/主任.
LIST_SEPARATORS = re.compile(r"[、,，;；/]|兼任|兼")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# "3", "3社", "第3社", "三社", "第十二村民小组", "3组".
GROUP_TEXT = re.compile(r"^第?([0-9]+|[一二三四五六七八九十]+)(?:社|组|村民小组|小组)?$")
# "3社社长" names the group inside the post.
GROUP_LEADER_TEXT = re.compile(r"^(第?(?:[0-9]+|[一二三四五六七八九十]+)(?:社|组|村民小组))(?:社长|组长|小组长)$")


def _allowed(choices: type[models.TextChoices]) -> str:
    return "、".join(label for _, label in choices.choices)


def code_for(text: object, *, table: dict[str, str], choices: type[models.TextChoices]) -> str:
    """The code for one value, or UnknownCode naming the value and the allowed labels."""
    key = normalise_text(text)
    if key in table:
        return table[key]
    # 函授/自考 prefixes on a known level: "函授中专" is 中专.
    stripped = re.sub(r"^(函授|自考|成人|网络|在职|电大|全日制)", "", key)
    if stripped != key and stripped in table:
        return table[stripped]
    raise UnknownCode(f"无法识别“{text}”，可填写：{_allowed(choices)}")


@cached
def education(text: object) -> str:
    return code_for(text, table=EDUCATION, choices=Education)


@cached
def political_status(text: object) -> str:
    return code_for(text, table=POLITICAL_STATUS, choices=PoliticalStatus)


@cached
def grade(text: object) -> str:
    return code_for(text, table=GRADE, choices=Grade)


@cached
def health(text: object) -> str:
    return code_for(text, table=HEALTH, choices=Health)


@cached
def gender(text: object) -> str:
    return code_for(text, table=GENDER, choices=Gender)


@cached
def yes_no(text: object) -> bool:
    key = normalise_text(text).upper()
    if key in YES_NO:
        return YES_NO[key]
    raise UnknownCode(f"无法识别“{text}”，请填写“是”或“否”")


def split_list(text: object) -> list[str]:
    return [part for part in (normalise_text(p) for p in LIST_SEPARATORS.split(normalise_text(text))) if part]


def source_categories(text: object) -> list[str]:
    """Several categories separated by 、 (order kept, duplicates dropped)."""
    return list(_source_categories(text))


@cached
def _source_categories(text: object) -> tuple[str, ...]:
    codes: list[str] = []
    for part in split_list(text):
        code = code_for(part, table=SOURCE_CATEGORY, choices=SourceCategory)
        if code not in codes:
            codes.append(code)
    return tuple(codes)


@cached
def cadre_source(text: object) -> str:
    """干部来源 (the 民政 form's source list) of the posts a row creates."""
    return code_for(text, table=CADRE_SOURCE, choices=CadreSource)


@cached
def group_number(text: object) -> int:
    """社 number from "3", "3社", "第三社", "第12村民小组"; numbers stored as 3.0 by Excel are accepted."""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    found = GROUP_TEXT.match(normalise_text(text))
    if not found:
        raise UnknownCode(f"无法识别社号“{text}”，请填写数字，如“3”或“3社”")
    number = _number(found.group(1))
    if number < 1:
        raise UnknownCode(f"社号必须大于0，收到“{text}”")
    return number


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    # 十 = 10, 十二 = 12, 二十 = 20, 二十三 = 23.
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else 0
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def posts(text: object) -> list[tuple[str, int | None]]:
    """(post code, 社 number named in the cell or None) for each post in a 职务 cell, duplicates dropped.

    "党支部书记、村委会主任" → [(party_secretary, None), (director, None)]; "3社社长" → [(group_leader, 3)];
    "一肩挑" (secretary and director) is understood. UnknownCode names the first part that cannot be mapped.
    """
    return list(_posts(text))


@cached
def _posts(text: object) -> tuple[tuple[str, int | None], ...]:
    found: list[tuple[str, int | None]] = []
    for part in split_list(text):
        for item in _post_part(part):
            if item[0] not in [code for code, _ in found]:
                found.append(item)
    return tuple(found)


def _post_part(part: str) -> list[tuple[str, int | None]]:
    if part in POST:
        return [(POST[part], None)]
    if part.startswith("村") and part[1:] in POST:
        return [(POST[part[1:]], None)]
    if leader := GROUP_LEADER_TEXT.match(part):
        return [(Post.GROUP_LEADER, group_number(leader.group(1)))]
    if "一肩挑" in part:
        return [(Post.PARTY_SECRETARY, None), (Post.DIRECTOR, None)]
    if part == "委员":
        raise UnknownCode("“委员”不明确，请写明“支委委员”“村委委员”或“监委委员”")
    raise UnknownCode(f"无法识别职务“{part}”，可填写：{_allowed(Post)}（多个职务用“、”分隔）")
