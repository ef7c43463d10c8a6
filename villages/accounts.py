"""User accounts and their scope: one role, and the one city, county or township that role needs (users.py's
constraint).

One place for the account rules, used by `manage.py create_user` and the user pages (villages/views/accounts.py):
- who may manage whom: province admins every account; city admins the accounts of their city (city admins of the
  city, county staff and township secretaries of its counties), never a province admin's; county staff the
  township secretaries of their own county (`manageable_users`); each grants only inside that reach (`check_grant`);
- a role's scope (`check_scope`): province admin none, city admin a city, county staff a county, township
  secretary a township;
- passwords pass the configured validators; a generated one is shown once and never stored in clear;
- every change writes an `AccountEvent` (who, when, what, before → after) shown on the audit page.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from rest_framework.authtoken.models import Token

from villages.choices import AccountAction, Role
from villages.models import AccountEvent, City, County, Township, User

ROLE_LABELS: dict[str, str] = dict(Role.choices)


def resolve_scope(
    *, role: str, city_code: str = "", county_code: str = "", township_code: str = ""
) -> tuple[City | None, County | None, Township | None]:
    """The (city, county, township) a role needs; ValidationError with a Chinese message when the combination is
    wrong.

    province_admin: none. city_admin: a city (without one, the only city of a single-city database: the command
    kept its form from before the city level). county_staff: a county. township_secretary: a township (a county, if
    also given, must be the township's county). The messages name the command's options (`manage.py create_user`).
    """
    if role not in Role.values:
        raise ValidationError(f"未知角色 {role}，可选：{', '.join(Role.values)}")
    if role == Role.PROVINCE_ADMIN:
        if city_code or county_code or township_code:
            raise ValidationError("province_admin 管理全省，不能指定 --city、--county 或 --township")
        return None, None, None
    if role == Role.CITY_ADMIN:
        if county_code or township_code:
            raise ValidationError("city_admin 只能指定 --city，不能指定 --county 或 --township")
        if city_code:
            return _city(city_code), None, None
        cities = list(City.objects.all()[:2])
        if len(cities) != 1:
            raise ValidationError("city_admin 必须指定 --city（4位市州代码）")
        return cities[0], None, None
    if city_code:
        raise ValidationError(f"{role} 不能指定 --city（市州由区县或乡镇决定）")
    if role == Role.COUNTY_STAFF:
        if township_code:
            raise ValidationError("county_staff 只能指定 --county，不能指定 --township")
        if not county_code:
            raise ValidationError("county_staff 必须指定 --county（6位区县代码）")
        return None, _county(county_code), None
    if not township_code:
        raise ValidationError("township_secretary 必须指定 --township（9位乡镇代码）")
    township = _township(township_code)
    if county_code and township.county.code != county_code:
        raise ValidationError(f"乡镇 {township_code} 不属于区县 {county_code}（属于 {township.county.code}）")
    return None, None, township


def _city(code: str) -> City:
    try:
        return City.objects.get(code=code)
    except City.DoesNotExist:
        raise ValidationError(f"市州代码 {code} 不存在") from None


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


def check_scope(*, role: str, city: City | None, county: County | None, township: Township | None) -> None:
    """The role/scope rule of the pages (the same as users.py's database constraint), keyed by form field."""
    if role not in Role.values:
        raise ValidationError({"role": "请选择角色"})
    if role == Role.PROVINCE_ADMIN and (city or county or township):
        raise ValidationError({"city": "省委组织部账号管理全省，不选市州、区县和乡镇"})
    if role == Role.CITY_ADMIN and (city is None or county or township):
        raise ValidationError({"city": "市委组织部账号须选择所属市州，不选区县和乡镇"})
    if role == Role.COUNTY_STAFF and (county is None or city or township):
        raise ValidationError({"county": "县委组织部账号须选择所属区县，不选市州和乡镇"})
    if role == Role.TOWNSHIP_SECRETARY and (township is None or city or county):
        raise ValidationError({"township": "乡镇党委书记账号须选择所属乡镇，不选市州和区县"})


def scope_text(
    *, role: str, city: City | None = None, county: County | None = None, township: Township | None = None
) -> str:
    """'乡镇党委书记 · 巴州区凌云乡': how the audit trail and the pages name a role and its scope."""
    if township:
        where = f"{township.county.name}{township.name}"
    else:
        where = county.name if county else city.name if city else "全省"
    return f"{ROLE_LABELS.get(role, '无角色')} · {where}"


def _scope_of(user: User) -> str:
    return scope_text(role=user.role, city=user.city, county=user.county, township=user.township)


# ---- who may manage whom ----


def can_manage_users(actor: User) -> bool:
    """The user pages: province and city admins, county staff; township secretaries never."""
    return actor.is_authenticated and (actor.is_admin or (actor.is_county_staff and actor.county_id is not None))


def in_city(city_id: int | None) -> Q:
    """Accounts belonging to a city: its city admins, the county staff of its counties, the secretaries of its
    townships."""
    return Q(city_id=city_id) | Q(county__city_id=city_id) | Q(township__county__city_id=city_id)


def manageable_users(actor: User) -> QuerySet[User]:
    """Accounts the actor may see and change: every account for a province admin; the accounts of their city for a
    city admin (no province admin's); the township secretaries of their county for county staff; none for anyone
    else (their lookups answer 404)."""
    users = User.objects.select_related("city", "county", "township__county")
    if not actor.is_authenticated:
        return users.none()
    if actor.is_province_admin:
        return users
    if actor.is_city_admin:
        return users.filter(in_city(actor.city_id))
    if actor.is_county_staff and actor.county_id:
        return users.filter(role=Role.TOWNSHIP_SECRETARY, township__county_id=actor.county_id)
    return users.none()


def grantable_roles(actor: User) -> list[tuple[str, str]]:
    if actor.is_province_admin:
        return list(Role.choices)
    if actor.is_city_admin:
        return [(value, label) for value, label in Role.choices if value != Role.PROVINCE_ADMIN]
    return [(Role.TOWNSHIP_SECRETARY.value, Role.TOWNSHIP_SECRETARY.label)] if can_manage_users(actor) else []


def grantable_cities(actor: User) -> QuerySet[City]:
    return City.objects.for_user(actor).order_by("code") if actor.is_admin else City.objects.none()


def grantable_counties(actor: User) -> QuerySet[County]:
    return County.objects.for_user(actor).order_by("code") if actor.is_admin else County.objects.none()


def grantable_townships(actor: User) -> QuerySet[Township]:
    if not can_manage_users(actor):
        return Township.objects.none()
    return Township.objects.for_user(actor).select_related("county").order_by("code")


def check_grant(*, actor: User, role: str, city: City | None, county: County | None, township: Township | None) -> None:
    """The scope is well formed (check_scope) and inside what the actor may grant (a city admin: their city, never
    a province admin; county staff: a township secretary of their own county). ValidationError keyed by form
    field."""
    check_scope(role=role, city=city, county=county, township=township)
    if actor.is_province_admin:
        return
    if actor.is_city_admin:
        if role == Role.PROVINCE_ADMIN:
            raise ValidationError({"role": "市委组织部不能授予省委组织部账号"})
        if city is not None and city.pk != actor.city_id:
            raise ValidationError({"city": "只能选择本市州"})
        if county is not None and county.city_id != actor.city_id:
            raise ValidationError({"county": "只能选择本市州的区县"})
        if township is not None and township.county.city_id != actor.city_id:
            raise ValidationError({"township": "只能选择本市州的乡镇"})
        return
    if role != Role.TOWNSHIP_SECRETARY:
        raise ValidationError({"role": "县委组织部只能管理本县乡镇党委书记账号"})
    if township is None or township.county_id != actor.county_id:
        raise ValidationError({"township": "只能选择本县的乡镇"})


def _check_manages(actor: User, user: User) -> None:
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("无权管理该账号")


# ---- changes (each one audited) ----


def record(*, user: User, actor: User | None, action: str, before: str = "", after: str = "") -> AccountEvent:
    """One audit row, with the account's scope at the time (so the city and county that managed it keep seeing
    it)."""
    county = user.township.county if user.township is not None else user.county
    city_id = county.city_id if county is not None else user.city_id
    return AccountEvent.objects.create(
        user=user,
        actor=actor,
        action=action,
        before=before,
        after=after,
        city_id=city_id,
        county=county,
        township=user.township,
    )


def generate_password() -> str:
    """A random password that passes the configured validators (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_account(
    *,
    actor: User,
    username: str,
    display_name: str,
    role: str,
    city: City | None = None,
    county: County | None,
    township: Township | None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """A new account in a scope the actor may grant. With no password a one-time password is generated and
    returned (shown once, never stored in clear); a given one must pass the validators. Returns (user, generated)."""
    if not can_manage_users(actor):
        raise PermissionDenied("无权管理账号")
    check_grant(actor=actor, role=role, city=city, county=county, township=township)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已被使用"})
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        city=city,
        county=county,
        township=township,
    )
    generated = None if password else generate_password()
    _set_password(user, password or generated)
    user.full_clean(exclude=["password"])
    user.save()
    record(user=user, actor=actor, action=AccountAction.CREATED, after=_scope_of(user))
    return user, generated


def _set_password(user: User, password: str | None) -> None:
    try:
        validate_password(password or "", user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from None
    user.set_password(password)


@transaction.atomic
def set_active(*, actor: User, user: User, active: bool) -> None:
    """Deactivate (sessions and API tokens stop working at once) or reactivate an account; never one's own."""
    _check_manages(actor, user)
    if user.pk == actor.pk:
        raise ValidationError("不能停用或启用自己的账号")
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        Token.objects.filter(user=user).delete()
    record(
        user=user,
        actor=actor,
        action=AccountAction.REACTIVATED if active else AccountAction.DEACTIVATED,
        before="停用" if active else "启用",
        after="启用" if active else "停用",
    )


@transaction.atomic
def reset_password(*, actor: User, user: User, password: str | None = None) -> str | None:
    """Set the given password (validators apply) or a generated one, which is returned to be shown once. The
    account's sessions end (Django checks the password hash) and its API tokens are deleted."""
    _check_manages(actor, user)
    generated = None if password else generate_password()
    _set_password(user, password or generated)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    record(
        user=user,
        actor=actor,
        action=AccountAction.PASSWORD_RESET,
        after="已生成一次性密码" if generated else "由管理员设置新密码",
    )
    return generated


@transaction.atomic
def change_account(
    *,
    actor: User,
    user: User,
    display_name: str,
    role: str,
    city: City | None = None,
    county: County | None,
    township: Township | None,
) -> bool:
    """Change name and scope within what the actor may grant (not one's own role or scope). True if anything
    changed; each changed aspect gets its audit row."""
    _check_manages(actor, user)
    check_grant(actor=actor, role=role, city=city, county=county, township=township)
    before_scope, before_name = _scope_of(user), user.display_name
    scope_changed = (user.role, user.city_id, user.county_id, user.township_id) != (
        role,
        city.pk if city else None,
        county.pk if county else None,
        township.pk if township else None,
    )
    if scope_changed and user.pk == actor.pk:
        raise ValidationError({"role": "不能修改自己的角色或范围，请由其他管理员操作"})
    user.display_name, user.role = display_name.strip(), role
    user.city, user.county, user.township = city, county, township
    user.save(update_fields=["display_name", "role", "city", "county", "township"])
    if scope_changed:
        record(user=user, actor=actor, action=AccountAction.SCOPE_CHANGED, before=before_scope, after=_scope_of(user))
    if before_name != user.display_name:
        record(user=user, actor=actor, action=AccountAction.RENAMED, before=before_name, after=user.display_name)
    return scope_changed or before_name != user.display_name


@transaction.atomic
def save_user(
    *,
    username: str,
    role: str,
    city_code: str = "",
    county_code: str = "",
    township_code: str = "",
    password: str | None = None,
) -> tuple[User, bool]:
    """`manage.py create_user`: create or update `username` with the role and scope; set the password when one is
    given (after the configured password validators accept it). Returns (user, created). Nothing is saved on a
    ValidationError. Audited like the pages' changes, with no actor (the command line)."""
    city, county, township = resolve_scope(
        role=role, city_code=city_code, county_code=county_code, township_code=township_code
    )
    user = User.objects.filter(username=username).first()
    created = user is None
    user = user or User(username=username)
    before = "" if created else _scope_of(user)
    user.role, user.city, user.county, user.township = role, city, county, township
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    if created:
        record(user=user, actor=None, action=AccountAction.CREATED, after=_scope_of(user))
    elif before != _scope_of(user):
        record(user=user, actor=None, action=AccountAction.SCOPE_CHANGED, before=before, after=_scope_of(user))
    if password is not None and not created:
        record(user=user, actor=None, action=AccountAction.PASSWORD_RESET, after="由命令行设置新密码")
    return user, created
