"""REST API for reserves, training classes (enrolments, outcomes) and elections (results) — docs/api.md.

Every queryset starts from `.for_user(user)`: outsiders get 404. Writes by a role that may not make them get
403 (reserves/permissions.py decides who may write what).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import BaseSerializer

from reserves import serializers as s
from reserves.choices import ReserveStatus
from reserves.elections import ResultRow, ResultsRefused, record_results
from reserves.models import Election, Enrollment, Reserve, TrainingClass
from reserves.outcomes import class_outcomes
from reserves.permissions import can_manage_classes, can_record_elections
from reserves.reviews import collect_review_warnings
from villages import permissions
from villages.api.writes import WRITE_RESPONSES, VersionedUpdateMixin, write_schema
from villages.headlines import post_order_expression
from villages.http import SignedInAPIMixin
from villages.models import Person

ROSTER_ONLY = "后备干部名册由本乡镇党委书记维护"


def _code_filters(*names: str) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=f"{name} code") for name in names]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            *_code_filters("village", "township", "county"),
            OpenApiParameter("status", str, enum=ReserveStatus.values),
        ]
    ),
    **write_schema(s.ReserveSerializer, s.ReserveCreateSerializer),
)
class ReserveViewSet(
    SignedInAPIMixin,
    VersionedUpdateMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Reserves in the user's scope. POST and PATCH by the township's own secretary (others: 403)."""

    serializer_class = s.ReserveSerializer
    create_serializer_class = s.ReserveCreateSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def check_write(self, obj: Reserve) -> None:
        if not permissions.can_edit_roster(self.user, obj.village):
            raise PermissionDenied(ROSTER_ONLY)

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not self.user.is_township_secretary:
            raise PermissionDenied(ROSTER_ONLY)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer) -> None:
        village = serializer.validated_data["village"]
        if not permissions.can_edit_roster(self.user, village):
            raise PermissionDenied(f"{village.name}不属于本乡镇，不能录入后备干部")
        serializer.save()

    def get_queryset(self):
        reserves = Reserve.objects.for_user(self.user).select_related("village").order_by("pk")
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


class TrainingClassViewSet(
    SignedInAPIMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = s.TrainingClassSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return TrainingClass.objects.for_user(self.user).select_related("county").order_by("pk")

    def perform_create(self, serializer) -> None:
        if not can_manage_classes(self.user, serializer.validated_data["county"]):
            raise PermissionDenied("专修班由县委组织部维护")
        serializer.save()

    def perform_update(self, serializer) -> None:
        county = serializer.validated_data.get("county", serializer.instance.county)
        if not (can_manage_classes(self.user, serializer.instance.county) and can_manage_classes(self.user, county)):
            raise PermissionDenied("专修班由县委组织部维护")
        serializer.save()

    @extend_schema(methods=["GET"], request=None, responses=s.EnrollmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.EnrollmentCreateSerializer,
        responses={201: s.EnrollmentSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=s.EnrollmentSerializer)
    def enrollments(self, request: Request, pk: str | None = None) -> Response:
        """GET: the trainees the user may see (paginated). POST `{person, status?}`: enrol (county staff)."""
        training_class = self.get_object()
        if request.method == "POST":
            return self._enrol(request, training_class)
        page = self.paginate_queryset(self._enrollments(training_class).order_by("pk"))
        return self.get_paginated_response(s.EnrollmentSerializer(page, many=True).data)

    def _enrollments(self, training_class: TrainingClass):
        people = Person.objects.for_user(self.user)
        return Enrollment.objects.filter(training_class=training_class, person__in=people)

    def _enrol(self, request: Request, training_class: TrainingClass) -> Response:
        if not can_manage_classes(self.user, training_class.county_id):
            raise PermissionDenied("专修班由县委组织部维护")
        context = {"request": request, "training_class": training_class}
        serializer = s.EnrollmentCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                serializer.save(training_class=training_class, enrolled_on=training_class.starts_on)
        except IntegrityError:
            return Response({"person": ["该学员已在本班"]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=s.EnrollmentSerializer)
    @extend_schema(
        methods=["PATCH"],
        request=s.EnrollmentSerializer(partial=True),
        responses={200: s.EnrollmentSerializer, **WRITE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"enrollments/(?P<enrollment_id>[0-9]+)",
        serializer_class=s.EnrollmentSerializer,
    )
    def enrollment(self, request: Request, pk: str | None = None, enrollment_id: str = "") -> Response:
        """GET: one trainee (404 when the user cannot see the person). PATCH `{status, completed_on?}` (county
        staff of the class's county, city admin)."""
        training_class = self.get_object()
        enrollment = get_object_or_404(self._enrollments(training_class), pk=int(enrollment_id))
        if request.method == "GET":
            return Response(s.EnrollmentSerializer(enrollment).data)
        if not can_manage_classes(self.user, training_class.county_id):
            raise PermissionDenied("专修班由县委组织部维护")
        context = {"request": request, "training_class": training_class}
        serializer = s.EnrollmentSerializer(enrollment, data=request.data, partial=True, context=context)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    @extend_schema(responses=s.OutcomesSerializer)
    @action(detail=True, methods=["get"], serializer_class=s.OutcomesSerializer, pagination_class=None)
    def outcomes(self, request: Request, pk: str | None = None) -> Response:
        """Completed, entered the committee (两委), the rate (half-up to one decimal) and counts per post."""
        outcomes = class_outcomes(training_class=self.get_object())
        return Response(s.OutcomesSerializer(s.OutcomesSerializer.from_outcomes(outcomes)).data)


@extend_schema(parameters=_code_filters("village", "township", "county"))
class ElectionViewSet(SignedInAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ElectionSerializer

    def get_queryset(self):
        elections = Election.objects.for_user(self.user).select_related("village").order_by("pk")
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
        if not can_record_elections(self.user, serializer.validated_data["village"].township):
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
        results = election.results.select_related("group").order_by(post_order_expression(), "group__number", "pk")
        page = self.paginate_queryset(results)
        return self.get_paginated_response(s.ElectionResultSerializer(page, many=True).data)

    def _record(self, request: Request, election: Election) -> Response:
        if not can_record_elections(self.user, election.village.township):
            raise PermissionDenied("只读用户不能录入换届结果")
        data = {"rows": request.data} if isinstance(request.data, list) else request.data
        serializer = s.RecordResultsSerializer(data=data)
        if not serializer.is_valid():  # the documented 400 shape (ResultsRefused) for malformed requests too
            body = {"detail": "换届结果未录入：请求格式有误", "rows": request_errors(serializer.errors)}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        rows = [ResultRow(**row) for row in serializer.validated_data["rows"]]
        try:
            with collect_review_warnings() as warnings:
                summary = record_results(election=election, rows=rows, by=self.user)
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
        rows = {str(index): row for index, row in enumerate(rows)}
    if isinstance(rows, dict) and rows and all(str(key).isdigit() for key in rows):  # {0: {...}}: per row, 0-based
        for index, row in sorted(rows.items(), key=lambda item: int(item[0])):
            for field, messages in (row or {}).items():
                found += [{"row": int(index) + 1, "field": field, "message": str(m)} for m in messages]
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
