"""REST API for growing the bench (docs/api.md): `talents/`, `reserves/{id}/mentors/`, `reserves/{id}/talks/`,
`reserves/{id}/placements/`, `education-programmes/`.

JSON only. Every queryset starts from `.for_user(user)`: outsiders get 404. Writes are the township secretary's
(the roster's keeper): others who may see the object get 403. A refusal of the rules answers 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import BaseSerializer

from reserves import bench_serializers as s
from reserves.choices import MentorSide
from reserves.education import ProgrammeRefused, end_programme, record_programme
from reserves.mentoring import MentoringRefused, add_months, add_placement, name_mentor, record_talk
from reserves.models import EducationProgramme, Placement, Reserve, Talent, Talk
from reserves.permissions import reserve_for
from reserves.serializers import ReserveSerializer
from reserves.talents import TALENT_FIELDS, TalentRefused, enter_talent, leave_pool, promote_talent
from villages.http import SignedInAPIMixin
from villages.models import Person, User, Village
from villages.permissions import can_edit_roster
from villages.rules import rules_for

WRITE_REFUSED = "人才库和后备干部帮带由本乡镇党委书记维护"


def _refusal(error: Exception) -> ValidationError:
    """A domain refusal as DRF's 400 body, on the field it names."""
    return ValidationError({getattr(error, "field", "") or "non_field_errors": [str(error)]})


def _require_edit(user: User, village: Village) -> None:
    if not can_edit_roster(user, village):
        raise PermissionDenied(WRITE_REFUSED)


MAX_ID = 2**63 - 1


class TownshipWritesMixin(SignedInAPIMixin, viewsets.GenericViewSet):
    """POST is the township secretary's: anyone else answers 403 before their input is looked at."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not Village.objects.editable_roster_by(self.user).exists():
            raise PermissionDenied(WRITE_REFUSED)
        return super().create(request, *args, **kwargs)  # type: ignore[misc]


def _code_filters(*names: str) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=f"{name} code") for name in names]


@extend_schema(
    parameters=[
        *_code_filters("village", "township", "county"),
        OpenApiParameter("status", str, enum=["in_pool", "promoted", "left"]),
        OpenApiParameter("willingness", str),
        OpenApiParameter("category", str),
    ]
)
class TalentViewSet(
    TownshipWritesMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The talent pool (人才库): read by everyone in scope; entered, edited, promoted by the township's secretary."""

    serializer_class = s.TalentSerializer
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "partial_update":
            return s.TalentEditSerializer
        return super().get_serializer_class()

    def get_queryset(self) -> QuerySet[Talent]:
        talents = Talent.objects.for_user(self.user).select_related("village").order_by("pk")
        params = self.request.query_params
        for param, lookup in (
            ("village", "village__code"),
            ("township", "village__township__code"),
            ("county", "village__township__county__code"),
            ("status", "status"),
            ("willingness", "willingness"),
            ("category", "category"),
        ):
            if params.get(param):
                talents = talents.filter(**{lookup: params[param]})
        return talents

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        _require_edit(self.user, data["village"])
        fields = {name: data[name] for name in TALENT_FIELDS if name in data}
        try:
            serializer.instance = enter_talent(
                person=data["person"], village=data["village"], by=self.user, entered_on=data.get("entered_on"),
                **fields,
            )  # fmt: skip
        except TalentRefused as error:
            raise _refusal(error) from error

    def perform_update(self, serializer: BaseSerializer) -> None:
        talent = self.get_object()
        _require_edit(self.user, talent.village)
        if talent.status != "in_pool":
            raise ValidationError({"status": ["只有在库的人才可以修改"]})
        talent.version += 1
        serializer.save(version=talent.version)

    @extend_schema(request=s.PromoteSerializer, responses={201: ReserveSerializer})
    @action(detail=True, methods=["post"], serializer_class=s.PromoteSerializer)
    def promote(self, request: Request, pk: str | None = None) -> Response:
        """Make the talent a reserve of the same village (the same person record), with the reserve form's checks."""
        talent = self.get_object()
        _require_edit(self.user, talent.village)
        serializer = s.PromoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            reserve = promote_talent(talent=talent, **serializer.validated_data)
        except TalentRefused as error:
            raise _refusal(error) from error
        return Response(ReserveSerializer(reserve).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LeaveSerializer, responses=s.TalentSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.LeaveSerializer)
    def leave(self, request: Request, pk: str | None = None) -> Response:
        """Take the talent out of the pool with a reason."""
        talent = self.get_object()
        _require_edit(self.user, talent.village)
        serializer = s.LeaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            leave_pool(talent=talent, reason=serializer.validated_data["reason"])
        except TalentRefused as error:
            raise _refusal(error) from error
        return Response(s.TalentSerializer(talent, context=self.get_serializer_context()).data)


class ReserveChildMixin(SignedInAPIMixin, viewsets.GenericViewSet):
    """Viewsets under `reserves/{id}/`: the reserve comes through the scoped lookup (outsiders 404)."""

    def reserve(self) -> Reserve:
        if not hasattr(self, "_reserve"):
            self._reserve = reserve_for(self.user, int(self.kwargs["id"]))
        return self._reserve

    def editable_reserve(self) -> Reserve:
        reserve = self.reserve()
        _require_edit(self.user, reserve.village)
        return reserve

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Scope first (404), then permission (403), then the body (400)."""
        self.editable_reserve()
        return super().create(request, *args, **kwargs)  # type: ignore[misc]


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="reserve id")])
class MentorViewSet(ReserveChildMixin):
    """A reserve's two mentors (乡镇帮带人, 村级帮带人). Not paginated: always the two sides."""

    serializer_class = s.MentorSerializer
    parser_classes = [JSONParser]
    pagination_class = None
    queryset = Reserve.objects.none()  # for the schema only: the mentors are fields of the reserve

    def _entries(self, reserve: Reserve) -> list[dict[str, Any]]:
        rules = rules_for(county_id=reserve.village.township.county_id, on=reserve.added_on)
        due_on = add_months(reserve.added_on, rules.mentor_named_within_months)
        return [
            {"side": MentorSide.TOWNSHIP, "person": None, "name": reserve.township_mentor_name,
             "post": reserve.township_mentor_post, "named_on": reserve.township_mentor_named_on, "due_on": due_on},
            {"side": MentorSide.VILLAGE, "person": reserve.mentor_id,
             "name": reserve.mentor.name if reserve.mentor else "", "post": "", "named_on": reserve.mentor_named_on,
             "due_on": due_on},
        ]  # fmt: skip

    @extend_schema(responses=s.MentorSerializer(many=True))
    def list(self, request: Request, id: str) -> Response:
        return Response(s.MentorSerializer(self._entries(self.reserve()), many=True).data)

    @extend_schema(request=s.MentorSerializer, responses={201: s.MentorSerializer})
    def create(self, request: Request, id: str) -> Response:
        reserve = self.editable_reserve()
        serializer = s.MentorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = None
        if data.get("person"):
            people = Person.objects.alive().in_villages(Village.objects.filter(pk=reserve.village_id))
            person = people.filter(pk=data["person"]).first()
            if person is None:
                raise ValidationError({"person": ["该人员不在本村人员中"]})
        try:
            name_mentor(
                reserve=reserve, side=data["side"], on=data["named_on"], person=person, name=data.get("name", ""),
                post=data.get("post", ""),
            )  # fmt: skip
        except MentoringRefused as error:
            raise _refusal(error) from error
        entry = next(e for e in self._entries(reserve) if e["side"] == data["side"])
        return Response(s.MentorSerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="reserve id")])
class TalkViewSet(ReserveChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin):
    """A reserve's talk log (谈心谈话), newest first."""

    serializer_class = s.TalkSerializer
    parser_classes = [JSONParser]
    queryset = Talk.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no reserve in the URL
            return Talk.objects.none()
        return self.reserve().talks.order_by("-held_on", "-pk")

    def perform_create(self, serializer: BaseSerializer) -> None:
        reserve = self.editable_reserve()
        try:
            serializer.instance = record_talk(reserve=reserve, recorded_by=self.user, **serializer.validated_data)
        except MentoringRefused as error:
            raise _refusal(error) from error


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="reserve id")])
class PlacementViewSet(ReserveChildMixin, mixins.ListModelMixin, mixins.CreateModelMixin):
    """A reserve's 培育岗 (e.g. 书记助理), newest first."""

    serializer_class = s.PlacementSerializer
    parser_classes = [JSONParser]
    queryset = Placement.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no reserve in the URL
            return Placement.objects.none()
        return self.reserve().placements.order_by("-starts_on", "-pk")

    def perform_create(self, serializer: BaseSerializer) -> None:
        reserve = self.editable_reserve()
        try:
            serializer.instance = add_placement(reserve=reserve, **serializer.validated_data)
        except MentoringRefused as error:
            raise _refusal(error) from error


@extend_schema(
    parameters=[
        OpenApiParameter("person", int),
        OpenApiParameter("status", str, enum=["studying", "graduated", "dropped"]),
        *_code_filters("village", "township", "county"),
    ]
)
class ProgrammeViewSet(
    TownshipWritesMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """学历提升 programmes of the people the user may see; the township's secretary records and ends them."""

    serializer_class = s.ProgrammeSerializer
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[EducationProgramme]:
        programmes = EducationProgramme.objects.for_user(self.user).order_by("pk")
        params = self.request.query_params
        person = params.get("person")
        # A positive integer that fits the database's id column (a longer number is not an id, and overflows it).
        if person and not (person.isascii() and person.isdigit() and int(person) <= MAX_ID):
            raise ValidationError({"person": ["请填写人员编号（整数）"]})
        for param, lookup in (
            ("person", "person_id"),
            ("status", "status"),
            ("village", "person__home_village__code"),
            ("township", "person__home_village__township__code"),
            ("county", "person__home_village__township__county__code"),
        ):
            if params.get(param):
                programmes = programmes.filter(**{lookup: params[param]})
        return programmes

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        try:
            serializer.instance = record_programme(**data)
        except ProgrammeRefused as error:
            raise _refusal(error) from error

    @extend_schema(request=s.ProgrammeEndSerializer, responses=s.ProgrammeSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """`{status: graduated|dropped, ended_on}`: the programme ended (the person's 在读 and 在职学历 follow)."""
        programme = self.get_object()
        if not Person.objects.editable_by(self.user).filter(pk=programme.person_id).exists():
            raise PermissionDenied(WRITE_REFUSED)
        serializer = s.ProgrammeEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            end_programme(
                programme=programme,
                status=serializer.validated_data["status"],
                on=serializer.validated_data["ended_on"],
            )
        except ProgrammeRefused as error:
            raise _refusal(error) from error
        return Response(s.ProgrammeSerializer(programme, context=self.get_serializer_context()).data)


def register(router: DefaultRouter) -> None:
    router.register("talents", TalentViewSet, basename="talent")
    router.register(r"reserves/(?P<id>\d+)/mentors", MentorViewSet, basename="reserve-mentor")
    router.register(r"reserves/(?P<id>\d+)/talks", TalkViewSet, basename="reserve-talk")
    router.register(r"reserves/(?P<id>\d+)/placements", PlacementViewSet, basename="reserve-placement")
    router.register("education-programmes", ProgrammeViewSet, basename="education-programme")
