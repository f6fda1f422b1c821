"""The forms of collection rounds: a new round, a department's draft (one form per measure, each
merged field by field with what colleagues saved meanwhile: core.versioning), and the buttons that
move a round or an answer on (the version the person saw travels with them)."""

from __future__ import annotations

import copy

from django import forms
from django.forms import modelformset_factory

from core import fiscal
from core.clock import today
from core.fields import DateFormField, DecimalFormField, FiscalYearFormField, apply_input_rules
from core.versioning import VersionedModelForm
from measures.models import Department, Plan, ProgressStatus
from measures.selectors import plan_current, progress_fiscal_year

from .importing import ImportScope
from .models import NOTE_MAX_LENGTH, ROW_FIELDS, AnswerRow, Round
from .services import NO_VERSION


class RoundForm(forms.Form):
    plan = forms.ModelChoiceField(
        label="計画",
        queryset=Plan.objects.all(),
        empty_label=None,
        error_messages={"invalid_choice": "計画を選んでください。"},
    )
    fiscal_year = FiscalYearFormField(label="年度")
    as_of = DateFormField(label="報告基準日", help_text="この日時点の進捗を報告してもらいます。")
    deadline = DateFormField(label="回答期限")
    message = forms.CharField(
        label="依頼文",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="照会のメールと回答のページに表示します。",
    )
    departments = forms.ModelMultipleChoiceField(
        label="照会する所管課",
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="選ばないときは、計画に施策のあるすべての所管課に照会します。",
        error_messages={"invalid_choice": "選んだ所管課はありません。一覧から選んでください。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            apply_input_rules(field)


ROUND_FIELDS = ("fiscal_year", "as_of", "deadline", "message", "departments")


def _round_field(model_field, **kwargs):
    """The edit form's fields, exactly as the new-round form has them (RoundForm)."""
    if model_field.name in ROUND_FIELDS:
        return copy.deepcopy(RoundForm.base_fields[model_field.name])
    return model_field.formfield(**kwargs)


class RoundEditForm(VersionedModelForm):
    """A round changed while it is 準備中: the new-round form's fields but the plan. A colleague's
    save since the page was opened is merged field by field, the departments asked included; only a
    field both changed differently is a conflict, shown with both values and a choice."""

    class Meta(VersionedModelForm.Meta):
        model = Round
        fields = (*ROUND_FIELDS, "version")
        formfield_callback = _round_field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = self.fields["departments"]
        departments.required = True
        departments.error_messages["required"] = "照会する所管課を1つ以上選んでください。"
        departments.help_text = "照会を開始すると、選んだ所管課の担当者にメールが届きます。"
        for name in ("as_of", "deadline"):
            # The saved date as the placeholder writes one (2020/03/31), not ISO.
            self.fields[name].widget = forms.DateInput(
                format="%Y/%m/%d", attrs=self.fields[name].widget.attrs
            )
        for field in self.fields.values():
            apply_input_rules(field)


def _row_field(model_field, **kwargs):
    if model_field.name == "actual_value":
        field = DecimalFormField(
            label=model_field.verbose_name,
            required=False,
            max_digits=14,
            decimal_places=2,
            min_value=0,
            error_messages={"min_value": "実績値はマイナスにできません。0以上の数で入力してください。"},
        )
    elif model_field.name == "status":
        field = model_field.formfield(empty_label="選んでください", **kwargs)
        field.error_messages["invalid_choice"] = "進捗状況を一覧から選んでください。"
    else:
        field = model_field.formfield(**kwargs)
    if isinstance(field.widget, forms.Textarea):
        field.widget.attrs["rows"] = 3
    return apply_input_rules(field)


class AnswerRowForm(VersionedModelForm):
    """One measure's figures. A colleague's save since the page was opened is merged field by field;
    a field both changed is shown with both values and a choice (core.versioning)."""

    IGNORED = ("id",)  # the formset's key, not a figure

    class Meta(VersionedModelForm.Meta):
        model = AnswerRow
        fields = (*ROW_FIELDS, "version")
        formfield_callback = _row_field

    def __init__(self, *args, status_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if status_choices is not None:
            # Read once for the whole page, not once per measure.
            self.fields["status"].choices = status_choices


FOREIGN_ROW = "この施策はこの回答にありません(他の所管課の施策か、ない施策です)。画面を開き直してください。"


class _RowFormSet(forms.BaseModelFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._status_choices = [("", "選んでください")] + [
            (status.pk, str(status)) for status in ProgressStatus.objects.all()
        ]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Only this answer's rows: another department's row or a made-up id is refused beside the row.
        form.fields["id"].queryset = self.get_queryset()
        form.fields["id"].error_messages["invalid_choice"] = FOREIGN_ROW

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "status_choices": self._status_choices}


AnswerRowFormSet = modelformset_factory(
    AnswerRow,
    form=AnswerRowForm,
    formset=_RowFormSet,
    extra=0,
    edit_only=True,
    max_num=10000,
    absolute_max=10000,
)


class AnswerFileForm(forms.Form):
    """Excelで取り込む: the department's template of this answer, filled in."""

    file = forms.FileField(
        label="記入したExcelファイル",
        help_text="この画面の「Excelでダウンロード」で作ったファイル(.xlsx)を選びます。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={
            "required": "記入したファイルを選んでください。",
            "empty": "選んだファイルは空です。",
        },
    )


class MoveForm(forms.Form):
    """A button that moves a round or an answer on: the version the person saw, and a comment."""

    action = forms.CharField(max_length=20)
    version = forms.IntegerField(
        min_value=1,
        error_messages={"required": NO_VERSION, "invalid": NO_VERSION, "min_value": NO_VERSION},
    )
    comment = forms.CharField(
        label="理由・コメント",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_input_rules(self.fields["comment"])


# ---- 進捗のExcel取込: the secretariat's template and upload (rounds.admin.ProgressImportAdmin) -----------------------------------------------------------------


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
