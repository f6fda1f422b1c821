"""Long texts have a stated maximum, checked in the form, the model and the database; a workbook
cell that must still be cut says so."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.xlsx import SheetWriter, Style
from measures.models import AnnualTarget, EvaluationScale, Measure, ProgressReport, Purpose
from schedule.models import PublicCommentPeriod, ScheduledItem

from .factories import add_report, add_target, report_form_data

pytestmark = pytest.mark.usefixtures("seeded")

# model, field, limit
NARRATIVE_FIELDS = [
    (ProgressReport, "narrative", 4000),
    (ProgressReport, "issues", 4000),
    (ProgressReport, "next_steps", 4000),
    (ProgressReport, "withdrawal_reason", 1000),
    (Measure, "description", 4000),
    (AnnualTarget, "target_text", 1000),
    (Purpose, "text", 1000),
    (ScheduledItem, "notes", 1000),
    (PublicCommentPeriod, "notes", 1000),
    (EvaluationScale, "description", 1000),
]


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def test_a_100000_character_narrative_is_refused_with_the_limit(admin_client):
    data = report_form_data(Measure.objects.get(number=1), narrative="実" * 100_000)
    response = admin_client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 200
    assert (
        "この値は 4000 文字以下でなければなりません( 100000 文字になっています)。"
        in response.content.decode()
    )
    assert not ProgressReport.objects.exists()


def test_the_limit_itself_is_accepted(admin_client):
    data = report_form_data(Measure.objects.get(number=1), narrative="実" * 4000)
    assert admin_client.post(reverse("admin:measures_progressreport_add"), data).status_code == 302
    assert len(ProgressReport.objects.get().narrative) == 4000


def test_line_breaks_count_once_as_the_browser_counts_them(admin_client):
    """A textarea sends each line break as CR LF; at the limit on screen, the text must be accepted."""
    lines = ["実" * 199] * 19 + ["実" * 200]  # 3,981 characters and 19 breaks: 4,000 on the screen
    data = report_form_data(Measure.objects.get(number=1), narrative="\r\n".join(lines))
    assert admin_client.post(reverse("admin:measures_progressreport_add"), data).status_code == 302
    narrative = ProgressReport.objects.get().narrative
    assert len(narrative) == 4000 and "\r" not in narrative


def test_the_page_states_the_limits(admin_client):
    page = admin_client.get(reverse("admin:measures_progressreport_add")).content.decode()
    assert page.count("4,000字まで入力できます。") == 3  # 取組実績, 課題, 今後の方向性
    assert 'maxlength="4000"' in page
    report = add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30))
    withdraw = reverse("admin:measures_progressreport_withdraw", args=[report.pk])
    page = admin_client.get(withdraw).content.decode()
    assert "1,000字まで入力できます。" in page and 'maxlength="1000"' in page  # 取り下げの理由


@pytest.mark.parametrize(
    ("model", "field", "limit"), NARRATIVE_FIELDS, ids=lambda v: getattr(v, "__name__", v)
)
def test_every_narrative_field_has_a_stated_maximum(model, field, limit):
    db_field = model._meta.get_field(field)
    assert db_field.max_length == limit
    assert f"{limit:,}字まで入力できます。" in str(db_field.help_text)


def test_the_model_refuses_an_overlong_text_saved_by_a_service():
    measure = Measure.objects.get(number=1)
    with pytest.raises(ValidationError) as excinfo:
        add_report(measure, 2019, date(2019, 9, 30), issues="課" * 4001)
    assert "issues" in excinfo.value.message_dict
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("model", "field", "limit"), NARRATIVE_FIELDS, ids=lambda v: getattr(v, "__name__", v)
)
def test_the_database_refuses_an_overlong_text_too(model, field, limit):
    measure = Measure.objects.get(number=1)
    row = model._default_manager.order_by("pk").first()
    if model is AnnualTarget:
        row = add_target(measure, 2019)
    elif model is ProgressReport:
        row = add_report(measure, 2019, date(2019, 9, 30))
    change = {field: "あ" * (limit + 1)}
    if field == "withdrawal_reason":
        change["withdrawn_on"] = date(2019, 10, 1)  # a reason alone breaks another rule
        model._base_manager.filter(pk=row.pk).update(**{**change, field: "あ" * limit})
    with pytest.raises(IntegrityError), transaction.atomic():
        model._base_manager.filter(pk=row.pk).update(**change)


def _cell_back(text: str) -> str:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("試験")
    writer = SheetWriter(sheet, text_style=Style(), value_style=Style())
    writer.append([writer.text(text)])
    output = io.BytesIO()
    workbook.save(output)
    return load_workbook(io.BytesIO(output.getvalue()))["試験"]["A1"].value


def test_a_text_longer_than_an_excel_cell_is_cut_visibly():
    value = _cell_back("実" * 100_000)
    assert len(value) == 32_767
    assert value.endswith("…(以下省略)")
    assert value.startswith("実" * 32_000)


def test_a_text_that_fits_is_not_touched():
    assert _cell_back("実" * 32_767) == "実" * 32_767
    assert _cell_back("=SUM(A1)") == "=SUM(A1)"


def test_characters_outside_the_basic_plane_count_twice_in_excel():
    # Excel counts UTF-16 units: 20,000 emoji are 40,000 of them, too many for one cell.
    value = _cell_back("😀" * 20_000)
    assert value.endswith("…(以下省略)")
    assert len(value.encode("utf-16-le")) // 2 <= 32_767
