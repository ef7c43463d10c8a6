"""User management in the product (no Django admin, no staff flag): list, create, deactivate/reactivate, reset a
password, change name and scope. City admins manage every account; county staff the township secretaries of their
county. Township secretaries get 403 on the list and the new-account form; an account outside the actor's reach
(for a township secretary: every account) answers 404. Rules: villages.accounts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villages import accounts
from villages.forms.accounts import AccountCreateForm, AccountScopeForm, PasswordResetForm, UserFilterForm
from villages.http import AuthedHttpRequest
from villages.models import AccountEvent, User

PAGE_SIZE = 50
EVENTS_SHOWN = 20


def _actor(request: AuthedHttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not accounts.can_manage_users(user):
        raise PermissionDenied("只有市委组织部和县委组织部可以管理账号")
    return user


def _account(actor: Any, pk: int) -> User:
    return get_object_or_404(accounts.manageable_users(actor), pk=pk)


def _apply_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_GET
def users(request: AuthedHttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = UserFilterForm(request.GET or None, actor=actor)
    page = Paginator(form.filter(accounts.manageable_users(actor)), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "villages/users.html#user-list" if getattr(request, "htmx", False) else "villages/users.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@require_http_methods(["GET", "POST"])
def user_new(request: AuthedHttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = AccountCreateForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, generated = accounts.create_account(
                actor=actor,
                username=data["username"],
                display_name=data["display_name"],
                password=form.password(),
                **form.scope(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"已创建账号“{user.username}”（{user}）")
            if generated:
                return _one_time_password(request, user, generated)
            return redirect("villages:user", pk=user.pk)
    return render(request, "villages/user_new.html", {"form": form}, status=422 if form.errors else 200)


def _one_time_password(request: AuthedHttpRequest, account: User, password: str) -> HttpResponse:
    """The generated password, shown once on this response: never stored, never in the session, never cached."""
    response = render(request, "villages/user_password.html", {"account": account, "password": password})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def user_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    account = _account(request.user, pk)  # out of reach (township secretaries: every account) → 404 first
    actor = _actor(request)
    return _detail(request, actor, account)


def _detail(
    request: HttpRequest,
    actor: User,
    account: User,
    *,
    scope_form: AccountScopeForm | None = None,
    password_form: PasswordResetForm | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    initial = {
        "display_name": account.display_name,
        "role": account.role,
        "city": account.city_id,
        "county": account.county_id,
        "township": account.township_id,
    }
    events = AccountEvent.objects.filter(user=account).select_related("actor")[:EVENTS_SHOWN]
    context = {
        "account": account,
        "scope_text": accounts.scope_text(
            role=account.role, city=account.city, county=account.county, township=account.township
        ),
        "scope_form": scope_form or AccountScopeForm(initial=initial, actor=actor),
        "password_form": password_form or PasswordResetForm(),
        "events": events,
        "is_self": account.pk == actor.pk,
        "errors": errors or [],
    }
    failed = scope_form is not None or password_form is not None or errors
    return render(request, "villages/user.html", context, status=422 if failed else 200)


@require_POST
def user_scope(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    account = _account(request.user, pk)  # out of reach (township secretaries: every account) → 404 first
    actor = _actor(request)
    form = AccountScopeForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            changed = accounts.change_account(
                actor=actor, user=account, display_name=form.cleaned_data["display_name"], **form.scope()
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "已保存姓名、角色和范围" if changed else "没有需要保存的修改")
            return redirect("villages:user", pk=account.pk)
    account.refresh_from_db()
    return _detail(request, actor, account, scope_form=form)


@require_POST
def user_active(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    account = _account(request.user, pk)  # out of reach (township secretaries: every account) → 404 first
    actor = _actor(request)
    active = request.POST.get("active") == "1"
    try:
        accounts.set_active(actor=actor, user=account, active=active)
    except ValidationError as error:
        return _detail(request, actor, account, errors=error.messages)
    messages.success(request, f"已{'启用' if active else '停用'}账号“{account.username}”")
    return redirect("villages:user", pk=account.pk)


@require_POST
def user_password(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    account = _account(request.user, pk)  # out of reach (township secretaries: every account) → 404 first
    actor = _actor(request)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            generated = accounts.reset_password(actor=actor, user=account, password=form.password())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"已重置“{account.username}”的密码，原有登录已失效")
            if generated:
                return _one_time_password(request, account, generated)
            return redirect("villages:user", pk=account.pk)
    return _detail(request, actor, account, password_form=form)
