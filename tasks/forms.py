"""Forms of the report pages (the API uses its serializer)."""

from django import forms

from tasks.models import ReportKind


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="报告类型", choices=ReportKind.choices)
    scope = forms.RegexField(label="范围代码", regex=r"^\d{6}(\d{3})?(\d{3})?$", max_length=12)
    as_of = forms.DateField(label="数据日期", required=False, help_text="留空：今天的花名册，年龄按换届日期计算")

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        lengths = {ReportKind.VILLAGE: 12, ReportKind.TOWNSHIP: 9, ReportKind.COUNTY: 6}
        if data.get("kind") and data.get("scope") and len(data["scope"]) != lengths[data["kind"]]:
            self.add_error("scope", "代码位数与报告类型不符")
        return data


class ReportListForm(forms.Form):
    """My reports' filter: the reports I requested (default), or every report of my scope."""

    who = forms.ChoiceField(
        label="范围", choices=[("mine", "我提交的"), ("all", "本辖区全部")], required=False, initial="mine"
    )

    def wants_mine(self) -> bool:
        return not (self.is_valid() and self.cleaned_data["who"] == "all")


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="验证码", max_length=40, help_text="打印件首页“验证码”一栏，如 7QK2-M9XA-4PDF（不区分大小写）"
    )
