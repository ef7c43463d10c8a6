"""REST API for administrative units, people and posts (docs/api.md).

Every viewset's `get_queryset()` starts from `.for_user(request.user)`: an object outside the user's scope is 404.
A write the user may not make is 403, decided by villages/permissions.py after the object was found in scope:
- villages: county staff and city admins (POST, PATCH; DELETE only of a village with nobody in it);
- people, posts (and a person's assessments): the township's own secretary.
PATCH takes an optional `version`; a stale one answers 409 (saying who changed what, villages/api/conflicts.py)
and writes nothing. Deleting a person is a soft delete. POST uses the resource's creation serializer (fields fixed
at creation writable, `version` read-only), everything else the resource's own.
"""

from __future__ import annotations

from django.db.models import Prefetch, ProtectedError, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from villages import permissions
from villages.api import filters as api_filters
from villages.api import serializers as s
from villages.api.conflicts import Conflict
from villages.api.writes import WRITE_RESPONSES, VersionedUpdateMixin, write_schema
from villages.audit import deletion
from villages.http import SignedInAPIMixin
from villages.models import City, County, Person, PostAssignment, Township, Village

CODE_REGEX = r"\d+"


class AsOfContextMixin(generics.GenericAPIView):
    """Puts the validated `?as_of=` (or None: each village's reference date) into the serializer context."""

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "as_of": api_filters.as_of_from(self.request)}


AS_OF_SCHEMA = extend_schema(parameters=[api_filters.AS_OF_PARAMETER])


class CityViewSet(SignedInAPIMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CitySerializer
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self) -> QuerySet[City]:
        return City.objects.for_user(self.request.user).order_by("code")


class CountyViewSet(SignedInAPIMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CountySerializer
    filterset_class = api_filters.CountyFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self) -> QuerySet[County]:
        return County.objects.for_user(self.request.user).select_related("city").order_by("code")


class TownshipViewSet(SignedInAPIMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TownshipSerializer
    filterset_class = api_filters.TownshipFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self) -> QuerySet[Township]:
        return Township.objects.for_user(self.request.user).select_related("county__city").order_by("code")


@extend_schema_view(
    list=AS_OF_SCHEMA,
    retrieve=AS_OF_SCHEMA,
    **write_schema(s.VillageSerializer, s.VillageCreateSerializer),
    destroy=extend_schema(
        responses={204: None, 409: OpenApiResponse(description="村下仍有人员或任职"), **WRITE_RESPONSES}
    ),
)
class VillageViewSet(SignedInAPIMixin, AsOfContextMixin, VersionedUpdateMixin, viewsets.ModelViewSet):
    serializer_class = s.VillageSerializer
    create_serializer_class = s.VillageCreateSerializer
    filterset_class = api_filters.VillageFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self) -> QuerySet[Village]:
        villages = Village.objects.for_user(self.request.user).with_units().order_by("code")
        # A list loads the groups of the villages it does not have cached (VillageListSerializer).
        return villages if self.action == "list" else villages.prefetch_related("groups")

    def check_write(self, obj: Village | None = None) -> None:
        if not permissions.can_edit_village_fields(self.user):
            raise PermissionDenied("村基本信息由县委组织部维护")

    def create(self, request: Request, *args, **kwargs) -> Response:
        self.check_write()
        return super().create(request, *args, **kwargs)

    def perform_destroy(self, instance: Village) -> None:
        self.check_write(instance)
        try:
            instance.delete()
        except ProtectedError:
            raise Conflict("村下仍有人员或任职，不能删除") from None


@extend_schema_view(
    list=AS_OF_SCHEMA,
    retrieve=AS_OF_SCHEMA,
    **write_schema(s.PersonSerializer, s.PersonCreateSerializer),
    destroy=extend_schema(responses={204: None, **WRITE_RESPONSES}, description="软删除：记录与历史保留，可由县里恢复"),
)
class PersonViewSet(SignedInAPIMixin, AsOfContextMixin, VersionedUpdateMixin, viewsets.ModelViewSet):
    serializer_class = s.PersonSerializer
    create_serializer_class = s.PersonCreateSerializer
    filterset_class = api_filters.PersonFilterSet

    def get_queryset(self) -> QuerySet[Person]:
        current = PostAssignment.objects.current().select_related("village", "group").order_by("pk")
        return (
            Person.objects.for_user(self.request.user, within=api_filters.requested_area(self.request.query_params))
            .select_related("home_village")
            .prefetch_related("assessments", Prefetch("posts", queryset=current, to_attr="current_posts"))
            .order_by("pk")
        )

    def check_write(self, obj: Person) -> None:
        if not permissions.can_edit_person(self.user, obj):
            raise PermissionDenied("只有本乡镇党委书记可以修改人员信息")

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not self.user.is_township_secretary:
            raise PermissionDenied("只有乡镇党委书记可以录入人员")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        self._check_village(serializer.validated_data["home_village"])
        serializer.save()

    def perform_update(self, serializer) -> None:
        if "home_village" in serializer.validated_data:
            self._check_village(serializer.validated_data["home_village"])
        super().perform_update(serializer)

    def _check_village(self, village: Village) -> None:
        if not permissions.can_edit_roster(self.user, village):
            raise PermissionDenied(f"{village.name}不属于本乡镇，不能录入")

    def perform_destroy(self, instance: Person) -> None:
        self.check_write(instance)
        deletion.delete_person(person=instance, by=self.user)


@extend_schema_view(
    **write_schema(s.PostSerializer, s.PostCreateSerializer),
    destroy=extend_schema(responses={204: None, **WRITE_RESPONSES}),
)
class PostViewSet(SignedInAPIMixin, VersionedUpdateMixin, viewsets.ModelViewSet):
    serializer_class = s.PostSerializer
    create_serializer_class = s.PostCreateSerializer
    filterset_class = api_filters.PostFilterSet

    def get_queryset(self) -> QuerySet[PostAssignment]:
        return (
            PostAssignment.objects.for_user(self.request.user)
            .select_related("village__township", "group")
            .order_by("village__code", "pk")
        )

    def check_write(self, obj: PostAssignment) -> None:
        if not permissions.can_edit_roster(self.user, obj.village):
            raise PermissionDenied("只有本乡镇党委书记可以修改任职")

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not self.user.is_township_secretary:
            raise PermissionDenied("只有乡镇党委书记可以录入任职")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        village = serializer.validated_data["village"]
        if not permissions.can_edit_roster(self.user, village):
            raise PermissionDenied(f"{village.name}不属于本乡镇，不能录入任职")
        serializer.save()

    def perform_destroy(self, instance: PostAssignment) -> None:
        self.check_write(instance)
        instance.delete()


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets on the /api/v1/ router."""
    router.register("cities", CityViewSet, basename="city")
    router.register("counties", CountyViewSet, basename="county")
    router.register("townships", TownshipViewSet, basename="township")
    router.register("villages", VillageViewSet, basename="village")
    router.register("people", PersonViewSet, basename="person")
    router.register("posts", PostViewSet, basename="post")
