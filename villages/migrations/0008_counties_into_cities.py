"""The city level (市/州) above the counties and the province admin role (issue 18 part 1): the data.

An existing installation was one city: each county joins the city of its code's first four digits (a single-city
database gets exactly one city), and the former city admins become that city's admins. Should the counties already
span several cities, the former city admins saw all of them and become province admins instead, so no one loses
sight of data they had.
"""

from django.db import migrations

from villages.regions import city_code_of, city_name


def counties_into_cities(apps, schema_editor):
    City = apps.get_model("villages", "City")
    County = apps.get_model("villages", "County")
    User = apps.get_model("villages", "User")
    for county in County.objects.all():
        code = city_code_of(county.code)
        city, _ = City.objects.get_or_create(code=code, defaults={"name": city_name(code)})
        county.city = city
        county.save(update_fields=["city"])
    cities = list(City.objects.all())
    if len(cities) == 1:
        User.objects.filter(role="city_admin").update(city=cities[0])
    else:
        User.objects.filter(role="city_admin").update(role="province_admin")


def cities_back(apps, schema_editor):
    User = apps.get_model("villages", "User")
    User.objects.filter(role__in=["city_admin", "province_admin"]).update(role="city_admin", city=None)


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0007_city_level"),
    ]

    operations = [
        migrations.RunPython(counties_into_cities, cities_back),
    ]
