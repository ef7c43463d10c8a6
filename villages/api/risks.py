"""REST API for the risk work queue (docs/api.md `risks/`): read scoped, PATCH review fields by county staff/city admin.

Township secretaries read their township's risks (PATCH → 403); risks outside the user's scope → 404.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.routers import DefaultRouter

from villages import permissions, risk
from villages.api.conflicts import CONFLICT_RESPONSE, stale_version_conflict
from villages.api.serializers import StaleVersion
from villages.api.strict import StrictFieldsMixin
from villages.choices import ReviewStatus, Severity
from villages.forms.risk_filters import KIND_CHOICES, severity_rank
from villages.models import Risk, User
from villages.roster import StaleEditError


class RiskSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    village = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="行版本；PATCH 时附带则检查是否已被他人修改（否则 409）"
    )

    class Meta:
        model = Risk
        fields = [
            "id", "village", "person", "kind", "severity", "post", "detail", "is_active", "closed_at", "close_note",
            "review_status", "owner", "due_on", "note", "version",
        ]  # fmt: skip
        read_only_fields = [
            "id",
            "person",
            "kind",
            "severity",
            "post",
            "detail",
            "is_active",
            "closed_at",
            "close_note",
        ]

    def validate_owner(self, owner: User | None) -> User | None:
        risk_obj: Risk = self.instance
        if owner is None or owner.is_city_admin:
            return owner
        if not (owner.is_county_staff and owner.county_id == risk_obj.village.township.county_id):
            raise ValidationError("责任人须为本区县组织部工作人员")
        return owner

    def update(self, instance: Risk, validated_data: dict) -> Risk:
        expected = validated_data.pop("version", instance.version)
        try:
            risk.review_risk(
                risk=instance,
                expected_version=expected,
                review_status=validated_data.get("review_status", instance.review_status),
                owner_id=owner.pk if (owner := validated_data.get("owner", instance.owner)) else None,
                due_on=validated_data.get("due_on", instance.due_on),
                note=validated_data.get("note", instance.note),
            )
        except StaleEditError as error:
            raise StaleVersion(error) from error
        return instance


class RiskFilterSet(django_filters.FilterSet):
    county = django_filters.CharFilter(field_name="village__township__county__code")
    township = django_filters.CharFilter(field_name="village__township__code")
    village = django_filters.CharFilter(field_name="village__code")
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    review_status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Risk
        fields = ["county", "township", "village", "kind", "severity", "review_status", "is_active"]


@extend_schema_view(partial_update=extend_schema(responses={200: RiskSerializer, 409: CONFLICT_RESPONSE}))
class RiskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Risks in the user's scope, red first. PATCH changes review fields only (review_status, owner, due_on,
    note); send `version` to refuse the change (409) when someone else saved in between."""

    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Risk]:
        return (
            Risk.objects.for_user(self.request.user)
            .select_related("village__township", "owner")
            .alias(sev=severity_rank())
            .order_by("sev", "village__code", "kind", "pk")
        )

    def update(self, request, *args, **kwargs):
        self.get_object()  # outside the user's scope: 404 before anything else
        if not permissions.can_edit_village_fields(request.user):
            raise PermissionDenied("只读用户不能处理风险")
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: RiskSerializer) -> None:
        try:
            serializer.save()
        except StaleVersion as stale:
            raise stale_version_conflict(stale.error, serializer=serializer) from stale


def register(router: DefaultRouter) -> None:
    router.register("risks", RiskViewSet, basename="risk")
