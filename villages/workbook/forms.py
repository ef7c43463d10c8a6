"""The upload form of the roster import page."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class RosterUploadForm(forms.Form):
    file = forms.FileField(label="花名册文件（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 文件（Excel 2007 及以上版本；.xls 请先另存为 .xlsx）")
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件过大（最大 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）")
        if upload.read(4) != b"PK\x03\x04":
            raise forms.ValidationError("文件不是有效的 .xlsx 文件")
        upload.seek(0)
        return upload
