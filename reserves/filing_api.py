"""REST API `filings/` (备案, docs/api.md): read the filings in scope; PATCH records one as filed.

JSON only (the API's default parser). Scope first (404 outside it), then the write permission (403:
reserves.filings.can_record_filing), then the body (400 naming the field: unknown or read-only fields too, as on
every write, villages/api/strict.py); a stale `version` answers 409 saying who changed what (villages/api/conflicts.py).
The rules are reserves/filings.py's (record_filing), the same as the web page's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from reserves.choices import FilingOccasion, FilingStatus
from reserves.filings import can_record_filing, record_filing, subject_label
from reserves.models import Filing
from reserves.models_after import FilingQuerySet
from villages.api.conflicts import CONFLICT_RESPONSE, stale_version_conflict
from villages.api.strict import StrictFieldsMixin
from villages.http import SignedInAPIMixin
from villages.roster import StaleEditError


class FilingSerializer(serializers.ModelSerializer):
    """A filing; `status` is derived (filed / overdue / due as of today), `subject` says what it registers."""

    village = serializers.CharField(source="village.code", read_only=True)
    status = serializers.SerializerMethodField(help_text="due 待备案 / filed 已备案 / overdue 逾期未备案（按今天计算）")
    subject = serializers.SerializerMethodField(help_text="备案对象，如“书记 张三”")
    mid_term_change = serializers.SerializerMethodField(help_text="届中调整的 id（其他备案为 null）")

    class Meta:
        model = Filing
        fields = [
            "id", "kind", "occasion", "village", "post", "reserve", "mid_term_change", "subject", "authority",
            "due_on", "filed_on", "document_number", "status", "note", "version",
        ]  # fmt: skip
        read_only_fields = ["id", "kind", "occasion", "post", "reserve", "due_on"]

    @extend_schema_field(serializers.ChoiceField(choices=FilingStatus.choices))
    def get_status(self, filing: Filing) -> str:
        return filing.status(timezone.localdate())

    def get_subject(self, filing: Filing) -> str:
        return subject_label(filing)

    def get_mid_term_change(self, filing: Filing) -> int | None:
        change = getattr(filing, "mid_term_change", None)
        return change.pk if change is not None else None


class FilingWriteSerializer(StrictFieldsMixin, FilingSerializer):
    """PATCH body: the filing date, the 文号 or receipt, optionally the authority and a note; the version seen.
    The filing's other fields stay read-only: sent in a PATCH they answer 400 as read-only (villages/api/strict.py)."""

    filed_on = serializers.DateField()
    document_number = serializers.CharField(max_length=100, allow_blank=True)
    version = serializers.IntegerField(min_value=1)

    class Meta(FilingSerializer.Meta):
        pass


def _filter(filings: FilingQuerySet, params: Mapping[str, str]) -> FilingQuerySet:
    for param, lookup in (
        ("village", "village__code"),
        ("township", "village__township__code"),
        ("county", "village__township__county__code"),
        ("kind", "kind"),
        ("occasion", "occasion"),
    ):
        if params.get(param):
            filings = filings.filter(**{lookup: params[param]})
    if params.get("status") in FilingStatus.values:
        filings = filings.of_status(params["status"], on=timezone.localdate())
    return filings


@extend_schema(
    parameters=[
        *[OpenApiParameter(name, str, description=f"{name} code") for name in ("village", "township", "county")],
        OpenApiParameter("status", str, enum=FilingStatus.values),
        OpenApiParameter("kind", str, enum=["post", "reserve"]),
        OpenApiParameter("occasion", str, enum=FilingOccasion.values),
    ]
)
class FilingViewSet(SignedInAPIMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FilingSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Filing]:
        filings = (
            Filing.objects.for_user(self.user)
            .select_related("village__township", "post__person", "reserve__person", "mid_term_change__nominee")
            .order_by("due_on", "pk")
        )
        return _filter(filings, self.request.query_params)

    @extend_schema(
        request=FilingWriteSerializer,
        responses={
            200: FilingSerializer,
            403: OpenApiResponse(description="无权登记备案"),
            404: OpenApiResponse(description="不在权限范围内"),
            409: CONFLICT_RESPONSE,
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record the filing as filed: `filed_on`, `document_number` (required), `authority`, `note`, `version`."""
        filing = self.get_object()
        if not can_record_filing(self.user, filing.village.township):
            raise PermissionDenied("备案由本乡镇党委书记或县委组织部登记")
        body = FilingWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            record_filing(
                filing=filing,
                filed_on=data["filed_on"],
                document_number=data["document_number"],
                authority=data.get("authority"),
                note=data.get("note"),
                by=self.user,
                expected_version=data["version"],
            )
        except StaleEditError as error:
            raise stale_version_conflict(error, serializer=FilingSerializer()) from error
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(FilingSerializer(self.get_object()).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # PUT is not offered
        return self.partial_update(request, *args, **kwargs)


def register(router: DefaultRouter) -> None:
    router.register("filings", FilingViewSet, basename="filing")
