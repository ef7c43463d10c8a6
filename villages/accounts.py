"""User accounts and their scope: one role, and the one county or township that role needs (users.py's constraint).

Used by `manage.py create_user`; the Django admin edits the same fields.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from villages.choices import Role
from villages.models import County, Township, User


def resolve_scope(
    *, role: str, county_code: str = "", township_code: str = ""
) -> tuple[County | None, Township | None]:
    """The (county, township) a role needs; ValidationError with a Chinese message when the combination is wrong.

    city_admin: neither. county_staff: a county, no township. township_secretary: a township (a county, if also
    given, must be the township's county).
    """
    if role not in Role.values:
        raise ValidationError(f"未知角色 {role}，可选：{', '.join(Role.values)}")
    if role == Role.CITY_ADMIN:
        if county_code or township_code:
            raise ValidationError("city_admin 管理全市，不能指定 --county 或 --township")
        return None, None
    if role == Role.COUNTY_STAFF:
        if township_code:
            raise ValidationError("county_staff 只能指定 --county，不能指定 --township")
        if not county_code:
            raise ValidationError("county_staff 必须指定 --county（6位区县代码）")
        return _county(county_code), None
    if not township_code:
        raise ValidationError("township_secretary 必须指定 --township（9位乡镇代码）")
    township = _township(township_code)
    if county_code and township.county.code != county_code:
        raise ValidationError(f"乡镇 {township_code} 不属于区县 {county_code}（属于 {township.county.code}）")
    return None, township


def _county(code: str) -> County:
    try:
        return County.objects.get(code=code)
    except County.DoesNotExist:
        raise ValidationError(f"区县代码 {code} 不存在") from None


def _township(code: str) -> Township:
    try:
        return Township.objects.select_related("county").get(code=code)
    except Township.DoesNotExist:
        raise ValidationError(f"乡镇代码 {code} 不存在") from None


def generate_password() -> str:
    """A random password that passes the configured validators (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def save_user(
    *, username: str, role: str, county_code: str = "", township_code: str = "", password: str | None = None
) -> tuple[User, bool]:
    """Create or update `username` with the role and scope; set the password when one is given (after the
    configured password validators accept it). Returns (user, created). Nothing is saved on a ValidationError."""
    county, township = resolve_scope(role=role, county_code=county_code, township_code=township_code)
    user = User.objects.filter(username=username).first()
    created = user is None
    user = user or User(username=username)
    user.role, user.county, user.township = role, county, township
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    return user, created
