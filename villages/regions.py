"""Names of the cities (市/州) by their 4-digit code prefix: Sichuan's 21 prefecture-level divisions.

A county's code starts with its city's code (511902 巴州区 → 5119 巴中市). The migration that introduced the city
level and `seed_demo --scale province` name cities from this table; a code not in it is named "<code>市" and can be
renamed in the admin.
"""

from __future__ import annotations

SICHUAN_CITIES: dict[str, str] = {
    "5101": "成都市",
    "5103": "自贡市",
    "5104": "攀枝花市",
    "5105": "泸州市",
    "5106": "德阳市",
    "5107": "绵阳市",
    "5108": "广元市",
    "5109": "遂宁市",
    "5110": "内江市",
    "5111": "乐山市",
    "5113": "南充市",
    "5114": "眉山市",
    "5115": "宜宾市",
    "5116": "广安市",
    "5117": "达州市",
    "5118": "雅安市",
    "5119": "巴中市",
    "5120": "资阳市",
    "5132": "阿坝藏族羌族自治州",
    "5133": "甘孜藏族自治州",
    "5134": "凉山彝族自治州",
}


def city_code_of(county_code: str) -> str:
    """The city a county belongs to, by the first four digits of its code."""
    return county_code[:4]


def city_name(code: str) -> str:
    return SICHUAN_CITIES.get(code, f"{code}市")
