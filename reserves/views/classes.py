"""Training classes (专修班): list, create/edit (county staff), class page (trainees and where each is now,
outcomes, funnel), enrolment (one person, a pasted list or an .xlsx) and a trainee's status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reserves.charts import funnel_chart
from reserves.choices import EnrollmentStatus
from reserves.enrolment import EnrolmentRefused, enrol_people, parse_pasted, read_workbook
from reserves.forms import EnrolForm, EnrollmentChoiceForm, EnrollmentStatusForm, TrainingClassForm
from reserves.models import Enrollment, TrainingClass
from reserves.outcomes import class_outcomes
from reserves.permissions import can_manage_classes, class_for, class_for_edit
from reserves.trainees import trainee_rows
from villages.http import AuthedHttpRequest
from villages.models import County, Person


@require_GET
def class_list(request: AuthedHttpRequest) -> HttpResponse:
    classes = (
        TrainingClass.objects.for_user(request.user)
        .select_related("county")
        .annotate(
            enrolled=Count("enrollments"),
            completed=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.COMPLETED)),
        )
    )
    can_create = request.user.is_admin or request.user.is_county_staff
    return render(request, "reserves/classes.html", {"classes": classes, "can_create": can_create})


def _class_form(request: AuthedHttpRequest, instance: TrainingClass | None) -> HttpResponse:
    form = TrainingClassForm(request.POST or None, instance=instance, counties=County.objects.for_user(request.user))
    if form.is_valid():
        if not can_manage_classes(request.user, form.cleaned_data["county"]):
            raise PermissionDenied("专修班由县委组织部维护")
        training_class = form.save()
        messages.success(request, f"已保存专修班：{training_class.name}")
        return redirect("reserves:class", pk=training_class.pk)
    return render(request, "reserves/class_form.html", {"form": form, "training_class": instance})


@require_http_methods(["GET", "POST"])
def class_new(request: AuthedHttpRequest) -> HttpResponse:
    if not (request.user.is_admin or request.user.is_county_staff):
        raise PermissionDenied("专修班由县委组织部维护")
    return _class_form(request, None)


@require_http_methods(["GET", "POST"])
def class_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _class_form(request, class_for_edit(request.user, pk))


def class_context(request: AuthedHttpRequest, training_class: TrainingClass, **extra: Any) -> dict[str, Any]:
    """`status_form`: a refused status change, shown (with its errors) on its trainee's row."""
    outcomes = class_outcomes(training_class=training_class)
    can_manage = can_manage_classes(request.user, training_class.county_id)
    rows = trainee_rows(training_class=training_class, people=Person.objects.for_user(request.user))
    refused: EnrollmentStatusForm | None = extra.get("status_form")
    return {
        "training_class": training_class,
        "outcomes": outcomes,
        "funnel": funnel_chart(title="学员去向", outcomes=outcomes),
        "trainees": [
            (row, refused if refused and refused.instance.pk == row.enrollment.pk else _status_form(row.enrollment))
            for row in rows
        ],
        "can_manage": can_manage,
        "enrol_form": extra.get("enrol_form") or (EnrolForm() if can_manage else None),
        "enrol_errors": extra.get("enrol_errors", []),
    }


def _status_form(enrollment: Enrollment, data: Any = None) -> EnrollmentStatusForm:
    return EnrollmentStatusForm(data, instance=enrollment, auto_id=False)  # one per row: no duplicate ids


@require_GET
def class_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    training_class = class_for(request.user, pk)
    return render(request, "reserves/class.html", class_context(request, training_class))


@require_POST
def class_enrol(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    training_class = class_for_edit(request.user, pk)
    form = EnrolForm(request.POST, request.FILES)
    errors: list = []
    if form.is_valid():
        try:
            workbook = form.cleaned_data.get("workbook")
            lines = read_workbook(workbook) if workbook else parse_pasted(form.cleaned_data["people"])
            summary = enrol_people(
                training_class=training_class, lines=lines, people=Person.objects.for_user(request.user)
            )
        except EnrolmentRefused as refused:
            errors = refused.errors
        else:
            skipped = f"，{len(summary.skipped)} 人已在班中" if summary.skipped else ""
            messages.success(request, f"已报名 {len(summary.enrolled)} 人{skipped}")
            return redirect("reserves:class", pk=training_class.pk)
    context = class_context(request, training_class, enrol_form=form, enrol_errors=errors)
    return render(request, "reserves/class.html", context, status=400)


@require_POST
def enrollment_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Change one trainee's status; the trainee is named by `enrollment` in the POST (one URL per class page)."""
    training_class = class_for_edit(request.user, pk)
    enrollment = get_object_or_404(training_class.enrollments, pk=EnrollmentChoiceForm(request.POST).enrollment_id())
    form = _status_form(enrollment, request.POST)
    if form.is_valid():
        enrollment = form.save()
        messages.success(request, f"{enrollment.person.name}的学员状态已改为{enrollment.get_status_display()}")
        if not request.htmx:
            return redirect("reserves:class", pk=training_class.pk)
        return render(request, "reserves/class.html#trainees", class_context(request, training_class))
    # Refused: the row shows what was chosen and why (htmx swaps 2xx answers only, so the fragment is a 200).
    context = class_context(request, training_class, status_form=form)
    if request.htmx:
        return render(request, "reserves/class.html#trainees", context)
    return render(request, "reserves/class.html", context, status=400)
