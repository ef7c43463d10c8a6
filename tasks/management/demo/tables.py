"""Tables the demo data is drawn from: counties, real township names, place and person name parts, ID region codes,
age bands and shares (Bazhong, from the survey and public statistics)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from villages.choices import (
    Post,
)

Scale = Literal["small", "city", "province"]


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
