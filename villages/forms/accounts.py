"""Forms of the user pages. Choices are what the actor may grant (villages.accounts); the rules themselves (scope,
password validators, who may manage whom) are checked by the functions in villages.accounts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from villages import accounts
from villages.choices import Role
from villages.models import City, County, Township, User

PASSWORD_MODES = [("generate", "自动生成一次性密码（保存后显示一次）"), ("set", "由我设置密码")]


class ChineseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")  # full-width colon after each label
        super().__init__(*args, **kwargs)


class TownshipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Township) -> str:
        return f"{obj.county.name} {obj.name}"


class ScopeFields(ChineseForm):
    """Name, role, city, county and township, limited to what the actor may grant."""

    display_name = forms.CharField(label="姓名", max_length=50, required=False)
    role = forms.ChoiceField(label="角色")
    city = forms.ModelChoiceField(
        label="市州（市委组织部账号）", queryset=City.objects.none(), required=False, empty_label="不选"
    )
    county = forms.ModelChoiceField(
        label="区县（县委组织部账号）", queryset=County.objects.none(), required=False, empty_label="不选"
    )
    township = TownshipChoiceField(
        label="乡镇（乡镇党委书记账号）", queryset=Township.objects.none(), required=False, empty_label="不选"
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = accounts.grantable_roles(actor)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = roles
        city_field, county_field, township_field = self.fields["city"], self.fields["county"], self.fields["township"]
        assert isinstance(city_field, forms.ModelChoiceField)
        assert isinstance(county_field, forms.ModelChoiceField) and isinstance(township_field, forms.ModelChoiceField)
        city_field.queryset = accounts.grantable_cities(actor)
        county_field.queryset = accounts.grantable_counties(actor)
        township_field.queryset = accounts.grantable_townships(actor)
        if not actor.is_admin:  # county staff grant one role in their own county: nothing to choose there
            del self.fields["city"]
            del self.fields["county"]
            role_field.initial = Role.TOWNSHIP_SECRETARY
            role_field.widget = forms.HiddenInput()
            township_field.label = "乡镇"
            township_field.required = True
            township_field.empty_label = "请选择乡镇"

    def scope(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "city": data.get("city"),
            "county": data.get("county"),
            "township": data.get("township"),
        }


class PasswordFields(ChineseForm):
    password_mode = forms.ChoiceField(
        label="密码", choices=PASSWORD_MODES, initial="generate", widget=forms.RadioSelect
    )
    password1 = forms.CharField(
        label="新密码（至少12位，不能全是数字或过于常见）",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="再次输入新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password_mode") == "set":
            if not data.get("password1"):
                self.add_error("password1", "请输入新密码")
            elif data.get("password1") != data.get("password2"):
                self.add_error("password2", "两次输入的密码不一致")
        return data

    def password(self) -> str | None:
        return self.cleaned_data["password1"] if self.cleaned_data.get("password_mode") == "set" else None


class AccountCreateForm(ScopeFields, PasswordFields):
    username = forms.CharField(label="登录用户名", max_length=150, help_text="字母、数字或 @ . + - _，如：lingyun_sj")
    field_order = [
        *("username", "display_name", "role", "city", "county", "township"),
        *("password_mode", "password1", "password2"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True  # a new account is named; older ones may still lack a name


class AccountScopeForm(ScopeFields):
    """Change name, role and scope of an existing account."""


class PasswordResetForm(PasswordFields):
    """Reset an account's password (generated and shown once, or set by the admin)."""


class UserFilterForm(ChineseForm):
    q = forms.CharField(label="用户名或姓名", required=False)
    role = forms.ChoiceField(label="角色", required=False)
    city = forms.ModelChoiceField(label="市州", queryset=City.objects.none(), required=False, empty_label="全部市州")
    township = TownshipChoiceField(
        label="乡镇", queryset=Township.objects.none(), required=False, empty_label="全部乡镇"
    )
    active = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), ("1", "启用"), ("0", "已停用")])

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [("", "全部角色"), *accounts.grantable_roles(actor)]
        township_field = self.fields["township"]
        assert isinstance(township_field, forms.ModelChoiceField)
        township_field.queryset = accounts.grantable_townships(actor)
        city_field = self.fields["city"]
        assert isinstance(city_field, forms.ModelChoiceField)
        if actor.is_province_admin:
            city_field.queryset = accounts.grantable_cities(actor)
            self._list_townships_of_chosen_city(township_field, accounts.grantable_townships(actor))
        else:
            del self.fields["city"]

    def _list_townships_of_chosen_city(self, field: forms.ModelChoiceField, townships: QuerySet[Township]) -> None:
        """A province has thousands of townships: list the chosen city's (any still validates)."""
        city, chosen = (str(self.data.get(self.add_prefix(n), "") or "") for n in ("city", "township"))
        shown = Q(pk=int(chosen)) if chosen.isdigit() else Q(pk__in=[])
        if city.isdigit():
            listed, empty = townships.filter(Q(county__city_id=int(city)) | shown), "全部乡镇"
        else:
            listed, empty = townships.filter(shown), "全部乡镇（先选择市州）"
        field.widget.choices = TownshipChoiceField(queryset=listed, empty_label=empty).choices

    def filter(self, users: QuerySet[User]) -> QuerySet[User]:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            users = users.filter(Q(username__icontains=data["q"]) | Q(display_name__icontains=data["q"]))
        if data.get("role"):
            users = users.filter(role=data["role"])
        if data.get("city"):
            users = users.filter(accounts.in_city(data["city"].pk))
        if data.get("township"):
            users = users.filter(township=data["township"])
        if data.get("active"):
            users = users.filter(is_active=data["active"] == "1")
        return users.order_by("role", "city__code", "county__code", "township__code", "username")
