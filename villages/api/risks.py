"""REST API for the risk work queue (docs/api.md `risks/`): read scoped; PATCH review fields (county staff of the
village's county, city admins) or the township's answer (its secretary: `action_taken`, `review_status`
`rectified`; an attachment is uploaded on the web page). Both go through villages.risk (review_risk /
answer_risk), as the pages do.

Other writes by a township secretary → 403; risks outside the user's scope → 404.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from villages import permissions, risk
from villages.api.conflicts import CONFLICT_RESPONSE, stale_version_conflict
from villages.api.serializers import StaleVersion
from villages.api.strict import StrictFieldsMixin
from villages.choices import ReviewStatus, Severity
from villages.forms.risk_filters import KIND_CHOICES, severity_rank
from villages.http import SignedInAPIMixin
from villages.models import Risk, User, Village
from villages.models.risks import RiskQuerySet
from villages.roster import StaleEditError

ANSWER_FIELDS = frozenset({"action_taken", "review_status", "version"})


class RiskSerializer(StrictFieldsMixin, serializers.ModelSerializer[Risk]):
    village: serializers.SlugRelatedField[Village] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="行版本；PATCH 时附带则检查是否已被他人修改（否则 409）"
    )
    attachment_url = serializers.SerializerMethodField(
        help_text="整改附件的下载地址（无附件时为 null；附件在网页上上传）"
    )
    overdue = serializers.SerializerMethodField(help_text="已过期限且仍待处理（待处理/处理中）")

    class Meta:
        model = Risk
        fields = [
            "id", "village", "person", "kind", "severity", "post", "detail", "is_active", "closed_at", "close_note",
            "review_status", "owner", "due_on", "note", "action_taken", "attachment_url",
            "rectified_at", "overdue", "version",
        ]  # fmt: skip
        read_only_fields = [
            "id", "person", "kind", "severity", "post", "detail", "is_active", "closed_at", "close_note",
            "rectified_at",
        ]  # fmt: skip

    def get_attachment_url(self, obj: Risk) -> str | None:
        return reverse("villages:risk_attachment", args=[obj.pk]) if obj.attachment else None

    def get_overdue(self, obj: Risk) -> bool:
        return obj.is_overdue(timezone.localdate())

    def update(self, instance: Risk, validated_data: dict[str, Any]) -> Risk:
        user = self.context["request"].user
        expected = validated_data.pop("version", instance.version)
        try:
            if permissions.can_review_risk(user, instance):
                if "action_taken" in validated_data:  # never dropped silently: the answer is the township's
                    raise serializers.ValidationError({"action_taken": "整改情况由乡镇党委书记答复填写"})
                _review(instance, user, expected, validated_data)
            else:
                risk.answer_risk(
                    risk=instance,
                    by=user,
                    expected_version=expected,
                    action_taken=validated_data.get("action_taken", instance.action_taken),
                    attachment=None,
                )
        except StaleEditError as error:
            raise StaleVersion(error) from error
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return instance


def _review(instance: Risk, user: User, expected: int, data: dict[str, Any]) -> None:
    owner = data.get("owner", instance.owner)
    risk.review_risk(
        risk=instance,
        by=user,
        expected_version=expected,
        review_status=data.get("review_status", instance.review_status),
        owner_id=owner.pk if owner else None,
        due_on=data.get("due_on", instance.due_on),
        note=data.get("note", instance.note),
    )


class RiskFilterSet(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="village__township__county__city__code")
    county = django_filters.CharFilter(field_name="village__township__county__code")
    township = django_filters.CharFilter(field_name="village__township__code")
    village = django_filters.CharFilter(field_name="village__code")
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    review_status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    is_active = django_filters.BooleanFilter()
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="逾期（已过期限且仍待处理）")

    class Meta:
        model = Risk
        fields = ["city", "county", "township", "village", "kind", "severity", "review_status", "is_active", "overdue"]

    def filter_overdue(self, queryset: RiskQuerySet, name: str, value: bool | None) -> QuerySet[Risk]:
        if value is None:
            return queryset
        overdue = queryset.overdue(on=timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


@extend_schema_view(partial_update=extend_schema(responses={200: RiskSerializer, 409: CONFLICT_RESPONSE}))
class RiskViewSet(
    SignedInAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Risks in the user's scope, red first. PATCH by county staff/city admin changes review fields (review_status,
    owner, due_on, note); PATCH by the township's secretary records the answer (action_taken) and sets
    review_status `rectified` (an attachment is uploaded on the web page). Send `version` to refuse the change
    (409) when someone else saved in between."""

    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Risk]:
        return (
            Risk.objects.for_user(self.user)
            .select_related("village__township", "owner")
            .alias(sev=severity_rank())
            .order_by("sev", "village__code", "kind", "pk")
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()  # outside the user's scope: 404 before anything else
        user = self.user
        if not permissions.can_review_risk(user, found):
            data = request.data if isinstance(request.data, dict) else {}  # a JSON list is no answer
            answering = permissions.can_answer_risk(user, found) and set(data) <= ANSWER_FIELDS
            if not answering or data.get("review_status", "rectified") != "rectified":
                raise PermissionDenied("只读用户不能处理风险；乡镇只能答复整改情况（action_taken）")
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: serializers.BaseSerializer[Risk]) -> None:
        try:
            serializer.save()
        except StaleVersion as stale:
            if not isinstance(serializer, RiskSerializer):  # DRF types the argument as any serializer; ours is this one
                raise TypeError(f"{type(serializer).__name__} is not a RiskSerializer") from stale
            raise stale_version_conflict(stale.error, serializer=serializer) from stale


def register(router: DefaultRouter) -> None:
    router.register("risks", RiskViewSet, basename="risk")
