"""Forms of the work after an election: a follow-up step done, a filing recorded, and each step of a mid-term change.

Forms only turn input into typed values; the rules are in reserves/aftercare.py, reserves/filings.py and
reserves/midterm.py, whose ValidationErrors (keyed by these fields' names) the views show on the fields.
Every form that changes a row carries the `version` it was rendered with.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from reserves.choices import FilingOccasion, FilingStatus, VacancyReason
from reserves.models import Filing, MidTermChange, PostElectionTask
from villages.choices import CadreSource, How
from villages.forms.relatives import PersonChoiceField
from villages.forms.roster import DATE_WIDGET
from villages.models import Person, PostAssignment, Township, Village


class VersionedStepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StepDoneForm(VersionedStepForm):
    done_on = forms.DateField(label="完成日期", widget=DATE_WIDGET, required=False)
    note = forms.CharField(label="完成情况", max_length=300, required=False, widget=forms.TextInput)

    @classmethod
    def for_task(cls, task: PostElectionTask) -> StepDoneForm:
        initial = {"done_on": task.done_on or timezone.localdate(), "note": task.note, "version": task.version}
        return cls(initial=initial, prefix=f"task-{task.pk}")


class FilingForm(VersionedStepForm):
    filed_on = forms.DateField(label="备案日期", widget=DATE_WIDGET, required=False)
    document_number = forms.CharField(label="文号或回执号", max_length=100, required=False)
    authority = forms.CharField(label="备案机关", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)

    @classmethod
    def for_filing(cls, filing: Filing) -> FilingForm:
        initial = {
            "filed_on": filing.filed_on or timezone.localdate(),
            "document_number": filing.document_number,
            "authority": filing.authority,
            "note": filing.note,
            "version": filing.version,
        }
        return cls(initial=initial, prefix=f"filing-{filing.pk}")


class FilingFilterForm(forms.Form):
    """Query-string filters of the filings list (scoped: the township choices are the user's)."""

    township = forms.ModelChoiceField(
        label="乡镇", queryset=Township.objects.none(), to_field_name="code", required=False, empty_label="全部乡镇"
    )
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *FilingStatus.choices], required=False)
    occasion = forms.ChoiceField(label="事由", choices=[("", "全部"), *FilingOccasion.choices], required=False)

    def __init__(self, *args: Any, townships: QuerySet[Township], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["township"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = townships


class HolderChoiceField(forms.ModelChoiceField):
    """A current post and its holder: '社长（3社） 张三'."""

    def label_from_instance(self, obj: PostAssignment) -> str:
        group = f"（{obj.group}）" if obj.group_id else ""
        return f"{obj.get_post_display()}{group} {obj.person.name}"


class VacancyForm(forms.Form):
    assignment = HolderChoiceField(label="离任人员及职务", queryset=PostAssignment.objects.none())
    vacated_on = forms.DateField(label="空缺日期（离任日期）", widget=DATE_WIDGET, required=False)
    reason = forms.ChoiceField(label="空缺原因", choices=[("", "请选择"), *VacancyReason.choices])
    reason_note = forms.CharField(label="原因说明", max_length=200, required=False)

    def __init__(self, *args: Any, village: Village, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        if isinstance(field, forms.ModelChoiceField):
            today = timezone.localdate()
            field.queryset = (
                PostAssignment.objects.filter(village=village)
                .current(today)
                .exclude(post="first_secretary")
                .select_related("person", "group")
                .order_by("post", "pk")
            )
        self.fields["vacated_on"].initial = timezone.localdate()


class NominateForm(VersionedStepForm):
    nominee = PersonChoiceField(label="拟任人选", queryset=Person.objects.none())
    nominated_on = forms.DateField(label="提名日期", widget=DATE_WIDGET, required=False)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nominee"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = people


class ReviewForm(VersionedStepForm):
    passed_on = forms.DateField(label="审查通过日期", widget=DATE_WIDGET, required=False)
    reference = forms.CharField(
        label="审查依据", max_length=200, required=False, help_text="联审结论的文号或说明，如：X组通〔2026〕12号"
    )


class AppointForm(VersionedStepForm):
    appointed_on = forms.DateField(label="任职日期", widget=DATE_WIDGET, required=False)
    how = forms.ChoiceField(
        label="产生方式", choices=[(How.APPOINTED, How.APPOINTED.label), (How.BY_ELECTION, How.BY_ELECTION.label)]
    )
    source = forms.ChoiceField(label="干部来源", choices=[("", "未填写"), *CadreSource.choices], required=False)


class CancelForm(VersionedStepForm):
    cancel_reason = forms.CharField(label="撤销原因", max_length=200, required=False)


def step_forms(change: MidTermChange, *, people: QuerySet[Person], data: Any = None, step: str = "") -> dict[str, Any]:
    """The forms of a change's detail page, the posted one (`step`) bound to `data`."""
    today = timezone.localdate()
    version = {"version": change.version}
    filing = change.filing
    filing_initial = {"version": filing.version, "authority": filing.authority} if filing else {}

    def bound(name: str) -> Any:
        return data if step == name else None

    return {
        "nominate": NominateForm(
            bound("nominate"), people=people, initial={**version, "nominated_on": today, "nominee": change.nominee_id}
        ),
        "review": ReviewForm(bound("review"), initial={**version, "passed_on": today}),
        "file": FilingForm(
            bound("file"),
            initial={**filing_initial, "filed_on": today},
        ),
        "appoint": AppointForm(bound("appoint"), initial={**version, "appointed_on": today}),
        "cancel": CancelForm(bound("cancel"), initial=version),
    }
