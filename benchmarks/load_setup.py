"""Load run set-up: one account per simulated user, API tokens made in advance, and each user's targets.

    DATABASE_URL=... .venv/bin/python benchmarks/load_setup.py OUT_DIR

Writes OUT_DIR/users.json. Township secretaries each get their own township (so no two simulated users edit
the same person: every write has one expected final value); county staff spread over the counties; API readers
and report requesters get tokens (the token endpoint is throttled per address, and all locust users share one).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from villages.choices import Role  # noqa: E402
from villages.models import County, Person, Township, User, Village  # noqa: E402

PASSWORD = "load-pass-2026!"
SECRETARIES, COUNTY_STAFF, API_READERS, REPORTERS = 20, 15, 10, 5
PEOPLE_PER_SECRETARY = 40


def account(username: str, **fields) -> User:
    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def main(out_dir: Path) -> None:
    townships = list(Township.objects.order_by("code")[: SECRETARIES + REPORTERS])
    counties = list(County.objects.order_by("code"))
    users: dict[str, list[dict]] = {"secretaries": [], "county_staff": [], "api_readers": [], "reporters": []}
    for n, township in enumerate(townships[:SECRETARIES]):
        user = account(f"load_sec{n:02d}", role=Role.TOWNSHIP_SECRETARY, township=township, county=None)
        villages = list(Village.objects.filter(township=township).values_list("code", flat=True))
        people = list(
            Person.objects.editable_by(user).order_by("pk").values_list("pk", flat=True)[:PEOPLE_PER_SECRETARY]
        )
        users["secretaries"].append(
            {"username": user.username, "township": township.code, "villages": villages, "people": people}
        )
    for n in range(COUNTY_STAFF):
        county = counties[n % len(counties)]
        user = account(f"load_county{n:02d}", role=Role.COUNTY_STAFF, county=county, township=None)
        townships_of = list(Township.objects.filter(county=county).values_list("code", flat=True)[:10])
        users["county_staff"].append({"username": user.username, "county": county.code, "townships": townships_of})
    for n in range(API_READERS):
        county = counties[n % len(counties)]
        user = account(f"load_api{n:02d}", role=Role.COUNTY_STAFF, county=county, township=None)
        Token.objects.filter(user=user).delete()
        villages = list(Village.objects.filter(township__county=county).values_list("code", flat=True)[:50])
        users["api_readers"].append(
            {
                "username": user.username,
                "token": Token.objects.create(user=user).key,
                "county": county.code,
                "villages": villages,
            }
        )
    for n, township in enumerate(townships[SECRETARIES:]):
        user = account(f"load_rep{n:02d}", role=Role.TOWNSHIP_SECRETARY, township=township, county=None)
        Token.objects.filter(user=user).delete()
        villages = list(Village.objects.filter(township=township).values_list("code", flat=True))
        users["reporters"].append(
            {"username": user.username, "token": Token.objects.create(user=user).key, "villages": villages}
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "users.json").write_text(
        json.dumps({"password": PASSWORD, "started_at": timezone.now().isoformat(), **users}, ensure_ascii=False)
    )
    print(f"users: {sum(len(v) for v in users.values())} → {out_dir / 'users.json'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
