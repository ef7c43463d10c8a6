"""`manage.py create_user USERNAME --role ROLE [--city CODE] [--county CODE] [--township CODE] [--password P]`
(README, Commands).

Password: the one given (checked by the password validators); else, on a terminal, prompted twice; else, for a new
user, a generated one that is printed once. An existing user keeps their password unless one is given or typed.
"""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from villages import accounts
from villages.choices import Role
from villages.models import User


class Command(BaseCommand):
    help = "Create or update a user with a role and its scope (city, county or township; none for province_admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--city", default="", help="4-digit city code (city_admin)")
        parser.add_argument("--county", default="", help="6-digit county code (county_staff)")
        parser.add_argument("--township", default="", help="9-digit township code (township_secretary)")
        parser.add_argument("--password", default=None)

    def handle(
        self,
        *args,
        username: str,
        role: str,
        city: str,
        county: str,
        township: str,
        password: str | None,
        **options,
    ):
        try:
            accounts.resolve_scope(role=role, city_code=city, county_code=county, township_code=township)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        exists = User.objects.filter(username=username).exists()
        generated = None
        if password is None and sys.stdin.isatty():
            password = self._prompt()
        elif password is None and not exists:
            password = generated = accounts.generate_password()
        try:
            user, created = accounts.save_user(
                username=username,
                role=role,
                city_code=city,
                county_code=county,
                township_code=township,
                password=password,
            )
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + " ".join(error.messages)) from None
        self.stdout.write(f"{'created' if created else 'updated'} {user.username}: {role} {user.scope_label}")
        if generated:
            self.stdout.write(f"password: {generated}")

    def _prompt(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("两次输入的密码不一致")
        return first
