"""Account records carry the city of the account's scope, so a city admin sees their city's account changes."""

import django.db.models.deletion
from django.db import migrations, models


def events_into_cities(apps, schema_editor):
    """Earlier records: the city of the record's county or township, else that of the account's city (a former
    city admin now holding one city); the records of province admins keep none."""
    AccountEvent = apps.get_model("villages", "AccountEvent")
    County = apps.get_model("villages", "County")
    User = apps.get_model("villages", "User")
    for county in County.objects.all():
        AccountEvent.objects.filter(county=county).update(city_id=county.city_id)
        AccountEvent.objects.filter(county__isnull=True, township__county=county).update(city_id=county.city_id)
    for user in User.objects.filter(city__isnull=False):
        AccountEvent.objects.filter(user=user, county__isnull=True, township__isnull=True).update(city_id=user.city_id)


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0009_city_required'),
    ]

    operations = [
        migrations.AddField(
            model_name='accountevent',
            name='city',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='villages.city'),
        ),
        migrations.RunPython(events_into_cities, migrations.RunPython.noop),
    ]
