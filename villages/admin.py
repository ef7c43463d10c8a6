"""Django admin for province admins (users, cities, counties and rule defaults span the whole installation; city
admins work through the pages, which are scoped to their city); changelists of data start from the scoped
queryset."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from villages import models


class ProvinceAdminOnly:
    """The admin is a province-admin tool: others are refused even when is_staff is set by mistake."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_authenticated and request.user.is_province_admin

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_authenticated and request.user.is_superuser


@admin.register(models.User)
class RoleUserAdmin(ProvinceAdminOnly, UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("角色与范围", {"fields": ("role", "city", "county", "township", "display_name")}),
    )
    list_display = ("username", "display_name", "role", "city", "county", "township", "is_active")
    list_filter = ("role", "city", "county")


@admin.register(models.City)
class CityAdmin(ProvinceAdminOnly, admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(models.County)
class CountyAdmin(ProvinceAdminOnly, admin.ModelAdmin):
    list_display = ("code", "name", "city", "planned_election_on")
    list_filter = ("city",)


@admin.register(models.Township)
class TownshipAdmin(ProvinceAdminOnly, admin.ModelAdmin):
    list_display = ("code", "name", "county")
    list_filter = ("county",)
    search_fields = ("code", "name")


@admin.register(models.Village)
class VillageAdmin(ProvinceAdminOnly, SimpleHistoryAdmin):
    list_display = ("code", "name", "township", "party_member_count", "planned_election_on")
    list_select_related = ("township",)
    search_fields = ("code", "name")

    def get_queryset(self, request: HttpRequest):
        return models.Village.objects.for_user(request.user).select_related("township")


@admin.register(models.Person)
class PersonAdmin(ProvinceAdminOnly, SimpleHistoryAdmin):
    list_display = ("name", "gender", "birth_date", "education", "home_village")
    list_select_related = ("home_village",)
    search_fields = ("name",)
    raw_id_fields = ("home_village",)

    def get_queryset(self, request: HttpRequest):
        return models.Person.objects.for_user(request.user).select_related("home_village")


@admin.register(models.PostAssignment)
class PostAssignmentAdmin(ProvinceAdminOnly, SimpleHistoryAdmin):
    list_display = ("person", "village", "post", "how", "start_on", "end_on")
    list_filter = ("post", "how")
    raw_id_fields = ("person", "village", "group")

    def get_queryset(self, request: HttpRequest):
        return models.PostAssignment.objects.for_user(request.user).select_related("person", "village")


@admin.register(models.RuleValue)
class RuleValueAdmin(ProvinceAdminOnly, SimpleHistoryAdmin):
    list_display = ("key", "county", "value", "effective_on", "document_number")
    list_filter = ("key", "county")
