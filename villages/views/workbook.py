"""Roster workbooks: template download, import (upload → preview → confirm, with progress polling), exports.

Who may import: the township's own secretary (others in scope 403, outsiders 404). Exports: anyone who can see
the township or people; ID numbers whole only for people the user may edit (villages.workbook.exporter).
"""

from __future__ import annotations

import io

from django.http import FileResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from villages import permissions
from villages.forms.people_filters import PersonFilter
from villages.http import AuthedHttpRequest
from villages.models import Person, Village
from villages.workbook import exporter
from villages.workbook.reader import default_assessment_year
from villages.workbook.template import XLSX_CONTENT_TYPE, roster_workbook


def xlsx_response(content: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


@require_GET
def roster_template(request: AuthedHttpRequest) -> FileResponse:
    villages = Village.objects.editable_roster_by(request.user).order_by("code")  # the secretary's own villages
    content = roster_workbook(
        title="村干部花名册",
        rows=[],
        assessment_year=default_assessment_year(timezone.localdate()),
        villages=[village.name for village in villages],
    )
    return xlsx_response(content, "花名册模板.xlsx")


@require_GET
def roster_export(request: AuthedHttpRequest, code: str) -> FileResponse:
    township = permissions.township_for(request.user, code)
    content = exporter.township_roster(township=township, user=request.user)
    return xlsx_response(content, f"{township.name}花名册_{timezone.localdate():%Y%m%d}.xlsx")


@require_GET
def people_export(request: AuthedHttpRequest) -> FileResponse:
    """The people list's rows with the same filters (PersonFilter on the user's scoped people)."""
    person_filter = PersonFilter(request.GET, queryset=Person.objects.all(), user=request.user)  # scopes itself
    content = exporter.people_list(people=person_filter.qs, user=request.user)
    return xlsx_response(content, f"人员名单_{timezone.localdate():%Y%m%d}.xlsx")
