"""The city level (市/州) above the counties and the province admin role (issue 18 part 1): the schema.

0008 fills it from the existing data, 0009 makes a county's city required (three migrations, so that on PostgreSQL
the data update and the ALTER TABLE do not share a transaction).
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0006_data_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="City",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.CharField(
                        max_length=4,
                        unique=True,
                        validators=[django.core.validators.RegexValidator("^\\d{4}$", "必须是4位数字代码")],
                        verbose_name="代码",
                    ),
                ),
                ("name", models.CharField(max_length=50, verbose_name="名称")),
            ],
            options={"verbose_name": "市/州", "verbose_name_plural": "市/州", "ordering": ["code"]},
        ),
        migrations.AddField(
            model_name="county",
            name="city",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="counties",
                to="villages.city",
                verbose_name="市/州",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="city",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="admins",
                to="villages.city",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("province_admin", "省委组织部"),
                    ("city_admin", "市委组织部"),
                    ("county_staff", "县委组织部"),
                    ("township_secretary", "乡镇党委书记"),
                ],
                max_length=30,
                verbose_name="角色",
            ),
        ),
        migrations.RemoveConstraint(model_name="user", name="user_role_matches_scope"),
    ]
