"""REST API for reserves, training classes (enrolments, outcomes) and elections (results) — docs/api.md.

Every queryset starts from `.for_user(user)`: outsiders get 404. Writes by a role that may not make them get
403 (reserves/permissions.py decides who may write what).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from reserves import serializers as s
from reserves.elections import ResultRow, ResultsRefused, record_results
from reserves.models import Election, Enrollment, Reserve, TrainingClass
from reserves.outcomes import class_outcomes
from reserves.permissions import can_manage_classes, can_record_elections
from reserves.reviews import collect_review_warnings
from villages.models import Person


def _code_filters(*names: str) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=f"{name} code") for name in names]


@extend_schema(parameters=[*_code_filters("village", "township", "county"), OpenApiParameter("status", str)])
class ReserveViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ReserveSerializer

    def get_queryset(self):
        reserves = Reserve.objects.for_user(self.request.user).select_related("village").order_by("pk")
        params = self.request.query_params
        for param, lookup in (
            ("village", "village__code"),
            ("township", "village__township__code"),
            ("county", "village__township__county__code"),
            ("status", "status"),
        ):
            if params.get(param):
                reserves = reserves.filter(**{lookup: params[param]})
        return reserves


class TrainingClassViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TrainingClassSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return TrainingClass.objects.for_user(self.request.user).select_related("county").order_by("pk")

    def perform_create(self, serializer) -> None:
        if not can_manage_classes(self.request.user, serializer.validated_data["county"]):
            raise PermissionDenied("专修班由县委组织部维护")
        serializer.save()

    def perform_update(self, serializer) -> None:
        county = serializer.validated_data.get("county", serializer.instance.county)
        if not (
            can_manage_classes(self.request.user, serializer.instance.county)
            and can_manage_classes(self.request.user, county)
        ):
            raise PermissionDenied("专修班由县委组织部维护")
        serializer.save()

    @extend_schema(request=s.EnrollmentSerializer, responses=s.EnrollmentSerializer(many=True))
    @action(detail=True, methods=["get", "post"], serializer_class=s.EnrollmentSerializer)
    def enrollments(self, request: Request, pk: str | None = None) -> Response:
        """GET: the trainees the user may see (paginated). POST `{person, status?}`: enrol (county staff)."""
        training_class = self.get_object()
        if request.method == "POST":
            return self._enrol(request, training_class)
        enrollments = Enrollment.objects.filter(
            training_class=training_class, person__in=Person.objects.for_user(request.user)
        ).order_by("pk")
        page = self.paginate_queryset(enrollments)
        return self.get_paginated_response(s.EnrollmentSerializer(page, many=True).data)

    def _enrol(self, request: Request, training_class: TrainingClass) -> Response:
        if not can_manage_classes(request.user, training_class.county_id):
            raise PermissionDenied("专修班由县委组织部维护")
        serializer = s.EnrollmentSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                serializer.save(training_class=training_class, enrolled_on=training_class.starts_on)
        except IntegrityError:
            return Response({"person": ["该学员已在本班"]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.OutcomesSerializer)
    @action(detail=True, methods=["get"], serializer_class=s.OutcomesSerializer, pagination_class=None)
    def outcomes(self, request: Request, pk: str | None = None) -> Response:
        """Completed, entered the committee (两委), the rate (half-up to one decimal) and counts per post."""
        outcomes = class_outcomes(training_class=self.get_object())
        return Response(s.OutcomesSerializer(s.OutcomesSerializer.from_outcomes(outcomes)).data)


@extend_schema(parameters=_code_filters("village", "township", "county"))
class ElectionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ElectionSerializer

    def get_queryset(self):
        elections = Election.objects.for_user(self.request.user).select_related("village").order_by("pk")
        params = self.request.query_params
        for param, lookup in (
            ("village", "village__code"),
            ("township", "village__township__code"),
            ("county", "village__township__county__code"),
        ):
            if params.get(param):
                elections = elections.filter(**{lookup: params[param]})
        return elections

    def perform_create(self, serializer) -> None:
        if not can_record_elections(self.request.user, serializer.validated_data["village"].township):
            raise PermissionDenied("只读用户不能录入换届")
        serializer.save()

    @extend_schema(methods=["GET"], request=None, responses=s.ElectionResultSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.RecordResultsSerializer,
        responses={201: s.RecordSummarySerializer, 400: s.ResultsRefusedSerializer},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=s.ElectionResultSerializer)
    def results(self, request: Request, pk: str | None = None) -> Response:
        """GET: the recorded winners. POST `{rows: [{person, post, votes?, group_number?}]}`: record them all
        (ends old posts, starts new ones, appoints reserves) or, on any bad row, nothing (400 with row errors)."""
        election = self.get_object()
        if request.method == "POST":
            return self._record(request, election)
        results = election.results.select_related("group").order_by("pk")
        page = self.paginate_queryset(results)
        return self.get_paginated_response(s.ElectionResultSerializer(page, many=True).data)

    def _record(self, request: Request, election: Election) -> Response:
        if not can_record_elections(request.user, election.village.township):
            raise PermissionDenied("只读用户不能录入换届结果")
        data = {"rows": request.data} if isinstance(request.data, list) else request.data
        serializer = s.RecordResultsSerializer(data=data)
        if not serializer.is_valid():  # the documented 400 shape (ResultsRefused) for malformed requests too
            body = {"detail": "换届结果未录入：请求格式有误", "rows": request_errors(serializer.errors)}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        rows = [ResultRow(**row) for row in serializer.validated_data["rows"]]
        try:
            with collect_review_warnings() as warnings:
                summary = record_results(election=election, rows=rows, by=request.user)
        except ResultsRefused as refused:
            body = {"detail": "换届结果未录入：有错误的行", "rows": [vars(e) for e in refused.errors]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        body = s.RecordSummarySerializer({**vars(summary), "warnings": warnings}).data
        return Response(body, status=status.HTTP_201_CREATED)


def request_errors(errors: dict) -> list[dict]:
    """DRF validation errors as ResultsRefused rows: row n for a bad row, row 0 for the request as a whole."""
    found: list[dict] = []
    rows = errors.get("rows")
    if isinstance(rows, list) and any(isinstance(r, dict) for r in rows):
        for number, row in enumerate(rows, start=1):
            for field, messages in (row or {}).items():
                found += [{"row": number, "field": field, "message": str(m)} for m in messages]
    elif rows is not None:
        messages = rows.get("non_field_errors", []) if isinstance(rows, dict) else rows
        found += [{"row": 0, "field": "rows", "message": str(m)} for m in messages]
    for field, messages in errors.items():
        if field != "rows":
            found += [{"row": 0, "field": field, "message": str(m)} for m in messages]
    return found


def register(router: DefaultRouter) -> None:
    router.register("reserves", ReserveViewSet, basename="reserve")
    router.register("classes", TrainingClassViewSet, basename="class")
    router.register("elections", ElectionViewSet, basename="election")
