"""Forms of the printable pages beyond the shared filters (reports.filters.MeasureProgressFilter)."""

from __future__ import annotations

from datetime import date

from django import forms

from core import fiscal
from core.clock import today
from core.fields import DateFormField, date_in_range_error
from measures.models import Department, Plan
from measures.selectors import plan_current, progress_fiscal_year

from .importing import ImportScope


class PrintOptionsForm(forms.Form):
    """What the council report takes beyond the shared filters: the date of the previous report."""

    since = DateFormField(
        label="前回の基準日",
        required=False,
        help_text="入力すると、この日から基準日までの変更点を載せます(例: 2020/03/31、令和2年3月31日)。",
    )

    def __init__(self, data=None, *, as_of: date | None, **kwargs):
        super().__init__(data, **kwargs)
        # None when the report's own date is invalid: that error is reported on its own.
        self.as_of = as_of

    def clean_since(self):
        since = self.cleaned_data.get("since")
        error = date_in_range_error(since, "前回の基準日")
        if error:
            raise forms.ValidationError(error)
        if since is not None and self.as_of is not None and since >= self.as_of:
            raise forms.ValidationError(
                f"前回の基準日({fiscal.wareki_date(since)})は、基準日"
                f"({fiscal.wareki_date(self.as_of)})より前の日付にしてください。"
            )
        return since


# ---- the Excel upload of progress -----------------------------------------------------------------


def import_target_choices() -> list[tuple[str, str]]:
    """Each plan's fiscal years as 「計画名 令和3年度(2021年度)」, newest plan first."""
    return [
        (f"{plan.pk}:{year}", f"{plan.name} {fiscal.fiscal_year_label(year)}")
        for plan in Plan.objects.order_by("-first_fiscal_year", "name")
        for year in plan.fiscal_years
    ]


def default_import_target() -> str | None:
    """The current plan's year of progress (measures.selectors.progress_fiscal_year)."""
    plan = plan_current()
    if plan is None:
        return None
    return f"{plan.pk}:{progress_fiscal_year(plan=plan, on=today())}"


class ImportTargetField(forms.ChoiceField):
    """A plan and one of its fiscal years, chosen together so that no year outside the plan can be."""

    def __init__(self, **kwargs):
        super().__init__(label="計画と年度", choices=import_target_choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        plan_id, year = value.split(":")
        plan = Plan.objects.filter(pk=plan_id).first()
        if plan is None or not plan.covers(int(year)):
            raise forms.ValidationError("選んだ計画が見つかりません。画面を開き直してください。")
        return ImportScope(plan=plan, fiscal_year=int(year))


class TemplateForm(forms.Form):
    """テンプレートのダウンロード: a plan's year, for one department or for all."""

    target = ImportTargetField()
    department = forms.ModelChoiceField(
        label="所管課",
        queryset=None,
        required=False,
        empty_label="すべての所管課",
        help_text="所管課を選ぶと、その課が所管する施策だけのテンプレートになります。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("order", "name")
        self.fields["target"].initial = default_import_target()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked as a FileField checks one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


# At most this many files at once: a department's file each, for every department of the ward.
MAX_UPLOAD_FILES = 50


class UploadForm(forms.Form):
    """アップロード: one or more filled-in templates for a plan's year."""

    target = ImportTargetField()
    files = MultipleFileField(
        label="記入したファイル",
        help_text=f"テンプレート(.xlsx)を{MAX_UPLOAD_FILES}個まで、まとめて選べます。",
        error_messages={
            "required": "記入したファイルを選んでください。",
            "empty": "選んだファイルは空です。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].initial = default_import_target()

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_UPLOAD_FILES:
            raise forms.ValidationError(
                f"一度に選べるファイルは{MAX_UPLOAD_FILES}個までです({len(files)}個選ばれています)。分けてアップロードしてください。"
            )
        return files
