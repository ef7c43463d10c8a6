"""/api/v1/reports/: request a report (POST → 202) and follow it; scoped like every other resource (docs/api.md)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from tasks.forms import ReportRequestForm
from tasks.models import JobStatus, ReportJob, ReportKind
from tasks.reports import jobs


class ReportJobSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
            "scope",
            "as_of",
            "status",
            "file_url",
            "sha256",
            "number",
            "verification",
            "error",
            "warnings",
            "batch",
            "created_at",
        ]
        read_only_fields = fields

    def get_file_url(self, job: ReportJob) -> str | None:
        if job.status != JobStatus.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("reports:download", args=[job.pk]))

    def get_batch(self, job: ReportJob) -> dict | None:
        if not job.batch_id or job.kind != ReportKind.TOWNSHIP:
            return None
        return {"total": job.batch.total, "done": job.batch.done, "failed": job.batch.failed}


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    scope = serializers.CharField(max_length=12)
    as_of = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        form = ReportRequestForm(data={**attrs, "as_of": attrs.get("as_of") or ""})
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        return form.cleaned_data


class ReportJobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportJobSerializer
    filterset_fields = ["kind", "scope", "status"]

    def get_queryset(self):
        return ReportJob.objects.for_user(self.request.user).select_related("batch").order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return ReportRequestSerializer if self.action == "create" else ReportJobSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        incoming = ReportRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        job = jobs.create_report_job(user=request.user, **incoming.validated_data)
        body = ReportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


def register(router: DefaultRouter) -> None:
    router.register("reports", ReportJobViewSet, basename="report")
