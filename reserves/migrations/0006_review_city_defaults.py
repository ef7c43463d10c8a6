"""City defaults of the 资格联审 rules (docs/domain.md §9): the 2020 negative list ("十不选") as coded items, the
departments of the county round, and the `review_required` rule value.

Items whose parts end differently are split (7.1–7.3, 9.1–9.3) so that each code has one way of ending. Wording
differs by province: counties record their own versions with their 文号; these carry the "not checked against a
document" number like the other city defaults. `review_required` is warn-only for acts dated before 2025-10-01 (the
product holds no reviews from before the 2025–26 换届 began, so back-filled results are let through, with an audit
record) and on from that date.
"""

import datetime as dt

from django.db import migrations

DOCUMENT = "默认值（未经文件核实）"
EFFECTIVE_ON = dt.date(2021, 1, 1)
REVIEWS_FROM = dt.date(2025, 10, 1)

# (code, wording, ends, years)
ITEMS = [
    ("1", "政治上的“两面人”，或有反对党的理论和路线方针政策言行", "permanent", None),
    ("2", "受过刑事处罚，或存在“村霸”、涉黑涉恶问题", "permanent", None),
    ("3", "党纪政务处分影响期内，或正在接受纪律审查、监察调查", "period", None),
    ("4", "组织、参与非法宗教活动或邪教，涉黄赌毒，或以宗族势力干扰选举", "permanent", None),
    ("5", "有贿选、拉票或破坏选举的行为", "permanent", None),
    ("6", "因煽动群众闹事、非法上访等受到处理", "permanent", None),
    ("7.1", "在急难险重任务中失职失责，或本届任期内被评为不称职、被罢免", "period", 5),
    ("7.2", "近三年内被评为不合格党员", "period", 3),
    ("7.3", "长期外出不能正常履职", "rectification", None),
    ("8", "侵占集体资金资产资源，未退赔或整改到位", "rectification", None),
    ("9.1", "违法占地、违法建房，未整改到位", "rectification", None),
    ("9.2", "近五年内严重破坏生态环境", "period", 5),
    ("9.3", "被列为失信被执行人，尚未移出", "rectification", None),
    ("10", "其他不宜作为人选的情形", "permanent", None),
]
DEPARTMENTS = [
    "纪委监委",
    "政法委",
    "统战部",
    "公安局",
    "法院",
    "检察院",
    "司法局",
    "信访局",
    "民政局",
    "自然资源局",
    "生态环境局",
    "农业农村局",
    "卫生健康局",
]


def load(apps, schema_editor):
    Item = apps.get_model("reserves", "NegativeListItem")
    Departments = apps.get_model("reserves", "ReviewDepartmentList")
    RuleValue = apps.get_model("villages", "RuleValue")
    for code, wording, ends, years in ITEMS:
        Item.objects.get_or_create(
            county=None,
            code=code,
            effective_on=EFFECTIVE_ON,
            defaults={"wording": wording, "ends": ends, "years": years, "document_number": DOCUMENT},
        )
    Departments.objects.get_or_create(
        county=None, effective_on=EFFECTIVE_ON, defaults={"departments": DEPARTMENTS, "document_number": DOCUMENT}
    )
    for effective_on, value, note in (
        (EFFECTIVE_ON, 0, "本系统启用前的换届无联审记录：仅提醒"),
        (REVIEWS_FROM, 1, "2025—2026年换届起：未经联审不得任职"),
    ):
        RuleValue.objects.get_or_create(
            county=None,
            key="review_required",
            effective_on=effective_on,
            defaults={"value": value, "document_number": DOCUMENT, "note": note},
        )


def unload(apps, schema_editor):
    apps.get_model("reserves", "NegativeListItem").objects.filter(county=None, document_number=DOCUMENT).delete()
    apps.get_model("reserves", "ReviewDepartmentList").objects.filter(county=None, document_number=DOCUMENT).delete()
    apps.get_model("villages", "RuleValue").objects.filter(county=None, key="review_required").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reserves", "0005_qualification_reviews"),
        ("villages", "0002_default_rule_values"),
    ]

    operations = [migrations.RunPython(load, unload)]
