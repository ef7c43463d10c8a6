"""/api/v1/reports/: request a report (POST → 202), follow it, download its file; scoped like every other resource
(docs/api.md).

The file is served by the API itself (`reports/{id}/file/`), so it downloads with the same token (or web session)
as every other request, under a readable UTF-8 name in Content-Disposition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from tasks.forms import ReportRequestForm
from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import jobs
from tasks.reports.editions import content_disposition
from villages.api.strict import StrictFieldsMixin
from villages.http import SignedInAPIMixin, stored_file

PDF_CONTENT_TYPE = "application/pdf"


class ReportJobSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField(help_text="完成后下载报告文件的地址（与 API 相同的令牌或登录会话）")
    batch = serializers.SerializerMethodField()
    number = serializers.SerializerMethodField(help_text="报告编号（印在 PDF 上）")
    verification = serializers.SerializerMethodField(help_text="校验码（印在 PDF 上，可在系统内核验）")
    as_of = serializers.DateField(help_text="报告计算所依据的日期：请求时指定的，否则即将到来的换届日期，否则请求当天")

    class Meta:
        model = ReportJob
        fields = [
            "id", "kind", "scope", "as_of", "status", "file_url", "sha256", "number", "verification", "error",
            "warnings", "batch", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_file_url(self, job: ReportJob) -> str | None:
        if job.status != JobStatus.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("report-file", args=[job.pk]))

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"total": {"type": "integer"}, "done": {"type": "integer"}, "failed": {"type": "integer"}},
            "required": ["total", "done", "failed"],
        }
    )
    def get_batch(self, job: ReportJob) -> dict | None:
        batch = job.batch
        if batch is None or job.kind != ReportKind.TOWNSHIP:
            return None
        return {"total": batch.total, "done": batch.done, "failed": batch.failed}

    # Identity printed on the PDF (tasks/reports/identity.py): set when the file is rendered (or copied with it
    # from an unchanged earlier rendering); null while the job has not finished.
    def get_number(self, job: ReportJob) -> str | None:
        return job.number or None

    def get_verification(self, job: ReportJob) -> str | None:
        return job.verification or None


class ReportRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    scope = serializers.CharField(max_length=12, help_text="村（12位）、乡镇（9位）或区县（6位）代码，与 kind 对应")
    as_of = serializers.DateField(
        required=False, allow_null=True, help_text="计算日期；不填：即将到来的换届日期，否则今天（回答中总有日期）"
    )

    def validate(self, attrs: dict) -> dict:
        form = ReportRequestForm(data={**attrs, "as_of": attrs.get("as_of") or ""})
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise serializers.ValidationError({name: [e["message"] for e in found] for name, found in errors.items()})
        return form.cleaned_data


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the file itself is a FileResponse, never rendered here.
    Errors (404 before the report is done) are still JSON text."""

    media_type = PDF_CONTENT_TYPE
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        return renderers.JSONRenderer().render(data)


class ReportJobViewSet(SignedInAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportJobSerializer
    filterset_fields = ["kind", "scope", "status"]

    def get_queryset(self):
        return ReportJob.objects.for_user(self.request.user).select_related("batch").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return ReportRequestSerializer if self.action == "create" else ReportJobSerializer

    @extend_schema(
        request=ReportRequestSerializer,
        responses={202: ReportJobSerializer, 404: None},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        incoming = ReportRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        job = jobs.create_report_job(user=self.user, **incoming.validated_data)
        body = ReportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("format", exclude=True)],  # Accept: application/pdf, no ?format=
        responses={
            (200, PDF_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="报告 PDF（附可读文件名）"),
            404: OpenApiResponse(description="不在权限范围内，或报告尚未生成"),
        },
    )
    @action(detail=True, methods=["get"], url_path="file", renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        """The finished report's PDF (attachment, readable UTF-8 file name); 404 until `status` is `done`."""
        job = self.get_object()
        if job.status != JobStatus.DONE or not job.file:
            raise Http404("报告尚未生成")
        response = FileResponse(stored_file(job.file), content_type=PDF_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition(job=job)
        return response


def register(router: DefaultRouter) -> None:
    router.register("reports", ReportJobViewSet, basename="report")
