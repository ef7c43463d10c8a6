"""REST API of the qualification review (docs/api.md `reviews/`, `negative-records/`).

Reviews: everyone reads the reviews of the villages they see (outsiders 404); POST opens one (anyone who may open
reviews for the village: its township's secretary, county staff of the county, the city admin); POST
`reviews/{id}/opinions/` records an opinion (village and township rounds: the township's secretary; county and
committee rounds: county staff of the county and the city admin; others 403). `status` is derived.
Negative records: county staff of the person's county and the city admin; township users get 403 (they see the
review's outcome only), outsiders 404. Every record shown (list page or detail) is audited.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import BaseSerializer

from reserves.choices import QualificationStatus, ReviewPurpose
from reserves.models import NegativeRecord, Review
from reserves.review_serializers import (
    NegativeRecordCreateSerializer,
    NegativeRecordSerializer,
    OpinionSerializer,
    ReviewSerializer,
)
from reserves.reviews import ReviewRuleBook, can_read_details, outcomes_for, with_outcome_data
from reserves.reviews.access import (
    COUNTY_ROUNDS,
    TOWNSHIP_ONLY,
    can_record_round,
    log_detail_views,
    log_shown_items,
    record_county,
    record_for,
)
from reserves.reviews.opening import add_negative_record, open_review, record_opinion
from villages.models import User


def signed_in(request: Request) -> User:
    """The user of an API request: IsAuthenticated ran first. (Schema generation passes an anonymous user, which
    every scoped QuerySet answers with nothing; hence a cast, not an isinstance check.)"""
    return cast(User, request.user)


FILTERS = (
    ("village", "village__code"),
    ("township", "village__township__code"),
    ("county", "village__township__county__code"),
    ("purpose", "purpose"),
    ("cycle", "cycle"),
)


@extend_schema(
    parameters=[
        *(OpenApiParameter(name, str) for name, _ in FILTERS if name != "purpose"),
        OpenApiParameter("purpose", str, enum=ReviewPurpose.values),
        OpenApiParameter("status", str, enum=QualificationStatus.values, description="derived status"),
    ]
)
class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReviewSerializer

    def get_queryset(self) -> QuerySet[Review]:
        reviews = with_outcome_data(Review.objects.for_user(signed_in(self.request))).order_by("pk")
        for param, lookup in FILTERS:
            if self.request.query_params.get(param):
                reviews = reviews.filter(**{lookup: self.request.query_params[param]})
        return reviews

    def _context(self, reviews: list[Review]) -> dict[str, Any]:
        """The outcomes of the reviews about to be shown; failures shown with their items are audited."""
        outcomes = outcomes_for(reviews)
        log_shown_items(user=signed_in(self.request), outcomes=outcomes.values(), context="api")
        return {**self.get_serializer_context(), "outcomes": outcomes}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        wanted = request.query_params.get("status")
        if wanted and wanted not in QualificationStatus.values:
            raise ValidationError({"status": [f"“{wanted}” 不是合法选项。"]})
        reviews: list[Review] = list(self.get_queryset()) if wanted else []
        if wanted:
            outcomes = outcomes_for(reviews)
            reviews = [r for r in reviews if outcomes[r.pk].status == wanted]
        page = self.paginate_queryset(reviews if wanted else self.get_queryset())
        rows = list(page or [])
        serializer = ReviewSerializer(rows, many=True, context=self._context(rows))
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        return Response(ReviewSerializer(review, context=self._context([review])).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReviewSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existing = Review.objects.filter(person=data["person"], purpose=data["purpose"], cycle=data["cycle"]).first()
        if existing is not None and existing.withdrawn_on is None:
            what = f"{data['cycle']}年{existing.get_purpose_display()}资格联审"
            raise ValidationError({"person": [f"{data['person'].name}已有{what}（编号{existing.pk}）"]})
        review = open_review(by=signed_in(request), **data)
        review = with_outcome_data(Review.objects.filter(pk=review.pk)).get()
        body = ReviewSerializer(review, context=self._context([review])).data
        return Response(body, status=status.HTTP_200_OK if existing else status.HTTP_201_CREATED)

    @extend_schema(request=OpinionSerializer, responses={201: OpinionSerializer})
    @action(detail=True, methods=["post"], serializer_class=OpinionSerializer)
    def opinions(self, request: Request, pk: str | None = None) -> Response:
        """Record one opinion `{round, department?, conclusion, note?, concluded_on, document_number?}`."""
        review = self.get_object()
        round_ = request.data.get("round") if isinstance(request.data, dict) else None
        if round_ in {"village", "township", *COUNTY_ROUNDS} and not can_record_round(
            signed_in(request), review, round_
        ):
            who = "县委组织部" if round_ in COUNTY_ROUNDS else "本乡镇党委书记"
            raise PermissionDenied(f"该环节的审查意见由{who}录入")
        context = {**self.get_serializer_context(), "review": review}
        serializer = OpinionSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        opinion = record_opinion(review=review, by=signed_in(request), **serializer.validated_data)
        return Response(OpinionSerializer(opinion, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("person", int)])
class NegativeRecordViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    serializer_class = NegativeRecordSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.kwargs.get("pk") is None and not can_read_details(signed_in(request)):
            raise PermissionDenied(TOWNSHIP_ONLY)

    def get_serializer_class(self) -> type[NegativeRecordSerializer]:
        return NegativeRecordCreateSerializer if self.action == "create" else NegativeRecordSerializer

    def get_queryset(self) -> QuerySet[NegativeRecord]:
        records = NegativeRecord.objects.for_user(signed_in(self.request)).order_by("pk")
        person = self.request.query_params.get("person")
        return records.filter(person_id=person) if person and person.isdigit() else records

    def get_object(self) -> NegativeRecord:
        return record_for(signed_in(self.request), int(self.kwargs["pk"]) if str(self.kwargs["pk"]).isdigit() else 0)

    def get_serializer_context(self) -> dict[str, Any]:
        records = NegativeRecord.objects.for_user(signed_in(self.request))
        counties = set(records.values_list("county_id", flat=True).distinct())
        return {
            **super().get_serializer_context(),
            "today": timezone.localdate(),
            "book": ReviewRuleBook.load(
                county_ids=counties | {getattr(signed_in(self.request), "county_id", None) or 0}
            ),
            "county_for": lambda person: record_county(signed_in(self.request), person),
        }

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page or [])
        log_detail_views(user=signed_in(request), records=rows, context="api")
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        log_detail_views(user=signed_in(request), records=[record], context="api")
        return Response(self.get_serializer(record).data)

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = add_negative_record(
            county=record_county(signed_in(self.request), data["person"]), by=signed_in(self.request), **data
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.save()


def register(router: DefaultRouter) -> None:
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("negative-records", NegativeRecordViewSet, basename="negative-record")
