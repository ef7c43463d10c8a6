"""换届后续工作 pages: a township's villages with each follow-up step (done inline by the township's secretary,
htmx), and a county's townships counted per step. Rules: reserves/aftercare.py.

Anyone who sees the township or county reads; outsiders 404; recording a step is the township's own secretary's
(403 for others). `?since=` picks the cycle like the 换届进度 pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reserves.after_forms import StepDoneForm
from reserves.aftercare import STEP_SHORT_LABELS, STEPS, can_complete_steps, complete_step, township_step_counts
from reserves.aftercare import village_steps as steps_of_villages
from reserves.models import PostElectionTask
from reserves.views.election_progress import SinceForm
from villages import permissions
from villages.http import AuthedHttpRequest
from villages.models import User, Village
from villages.roster import StaleEditError


def task_for(user: User, pk: int) -> PostElectionTask:
    tasks = PostElectionTask.objects.for_user(user).select_related("election", "village__township")
    return get_object_or_404(tasks, pk=pk)


@require_GET
def township_aftercare(request: AuthedHttpRequest, code: str) -> HttpResponse:
    township = permissions.township_for(request.user, code)
    form = SinceForm(request.GET)
    since = form.start()
    villages = Village.objects.for_user(request.user).filter(township=township)
    context = {
        "township": township,
        "since_form": form,
        "since": since,
        "level": "township",
        "rows": steps_of_villages(villages=villages, since=since),
        "step_labels": [STEP_SHORT_LABELS[s] for s in STEPS],
        "can_edit": can_complete_steps(request.user, township),
        "today": timezone.localdate(),
    }
    return render(request, "reserves/after/aftercare.html", context)


@require_GET
def county_aftercare(request: AuthedHttpRequest, code: str) -> HttpResponse:
    county = permissions.county_for(request.user, code)
    form = SinceForm(request.GET)
    since = form.start()
    villages = Village.objects.for_user(request.user).filter(township__county=county)
    today = timezone.localdate()
    context = {
        "county": county,
        "since_form": form,
        "since": since,
        "level": "county",
        "townships": township_step_counts(villages=villages, since=since, on=today),
        "step_labels": [STEP_SHORT_LABELS[s] for s in STEPS],
    }
    return render(request, "reserves/after/aftercare.html", context)


@require_http_methods(["GET", "POST"])
def aftercare_step(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the step's cell with its form (htmx); POST: record it done (the cell again, or back to the page)."""
    task = task_for(request.user, pk)
    if not can_complete_steps(request.user, task.village.township):
        raise PermissionDenied("换届后续工作由本乡镇党委书记记录")
    if request.method == "GET":
        return _cell(request, task, StepDoneForm.for_task(task))
    form = StepDoneForm(request.POST, prefix=f"task-{task.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            complete_step(
                task=task, done_on=data["done_on"], note=data["note"], by=request.user, expected_version=data["version"]
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{task.village.name}：已记录“{task.get_step_display()}”于{task.done_on:%Y-%m-%d}完成"
            )
            if not request.htmx:
                return redirect("reserves:township_aftercare", code=task.village.township.code)
            return _cell(request, task_for(request.user, pk), None)
    return _cell(request, task, form, status=422)


def _cell(request: AuthedHttpRequest, task: PostElectionTask, form: StepDoneForm | None, *, status: int = 200):
    context = {"task": task, "form": form, "can_edit": True, "today": timezone.localdate()}
    template = "reserves/after/aftercare.html#step-cell" if request.htmx else "reserves/after/step_form.html"
    return render(request, template, context, status=status)
