"""Every county belongs to a city; each role carries exactly its own scope (issue 18 part 1)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0008_counties_into_cities"),
    ]

    operations = [
        migrations.AlterField(
            model_name="county",
            name="city",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="counties",
                to="villages.city",
                verbose_name="市/州",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("city__isnull", True), ("county__isnull", True), ("role", ""), ("township__isnull", True)),
                    models.Q(
                        ("city__isnull", True),
                        ("county__isnull", True),
                        ("role", "province_admin"),
                        ("township__isnull", True),
                    ),
                    models.Q(
                        ("city__isnull", False), ("county__isnull", True), ("role", "city_admin"), ("township__isnull", True)
                    ),
                    models.Q(
                        ("city__isnull", True),
                        ("county__isnull", False),
                        ("role", "county_staff"),
                        ("township__isnull", True),
                    ),
                    models.Q(
                        ("city__isnull", True),
                        ("county__isnull", True),
                        ("role", "township_secretary"),
                        ("township__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="user_role_matches_scope",
            ),
        ),
    ]
