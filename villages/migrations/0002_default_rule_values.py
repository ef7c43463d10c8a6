"""City default rule values (docs/domain.md §5), effective 2021-01-01, marked as unverified defaults.

Values are written here literally (not imported from villages/rules.py) so this migration never changes
meaning when the code defaults change later. Education thresholds are stored as EDUCATION_RANK numbers.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

EFFECTIVE_ON = dt.date(2021, 1, 1)
DOCUMENT_NUMBER = "默认值（未经文件核实）"
DEFAULTS = {
    "high_age_member": Decimal("60"),
    "high_age_leader_amber": Decimal("55"),
    "high_age_leader_red": Decimal("60"),
    "high_age_group_leader": Decimal("70"),
    "low_education_max": Decimal("2"),  # 初中
    "young_age_max": Decimal("35"),
    "village_flagged_share": Decimal("0.50"),
    "acting_red_days": Decimal("90"),
    "no_party_member_amber_years": Decimal("2"),
    "no_party_member_red_years": Decimal("10"),
    "reserve_min_count": Decimal("2"),
    "reserve_age_max": Decimal("35"),
    "reserve_age_relaxed_max": Decimal("45"),
    "reserve_education_min": Decimal("3"),  # 高中/中专
}


def add_defaults(apps, schema_editor):
    RuleValue = apps.get_model("villages", "RuleValue")
    for key, value in DEFAULTS.items():
        RuleValue.objects.get_or_create(
            county=None,
            key=key,
            effective_on=EFFECTIVE_ON,
            defaults={"value": value, "document_number": DOCUMENT_NUMBER, "note": "DOMAIN.md §5 默认值"},
        )


def remove_defaults(apps, schema_editor):
    RuleValue = apps.get_model("villages", "RuleValue")
    RuleValue.objects.filter(county=None, effective_on=EFFECTIVE_ON, document_number=DOCUMENT_NUMBER).delete()


class Migration(migrations.Migration):
    dependencies = [("villages", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
