"""Years and dates the application cannot label (before 平成, after 2100) get a message, never a 500."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from measures.models import AnnualTarget, Measure, ProgressReport

from .factories import status

pytestmark = pytest.mark.usefixtures("seeded")

YEAR_MESSAGE = "年度は1989年度(平成元年度)から2100年度までで入力してください。"


@pytest.mark.parametrize(
    ("url", "expected_status", "message"),
    [
        ("/reports/print/?fiscal_year=0001", 400, YEAR_MESSAGE),
        ("/reports/print/?fiscal_year=1800", 400, YEAR_MESSAGE),
        ("/reports/?fiscal_year=0001", 400, YEAR_MESSAGE),  # the filter form, shown again with the error
        ("/reports/progress.xlsx?fiscal_year=0001", 400, YEAR_MESSAGE),
        ("/schedule/?fiscal_year=0001", 400, YEAR_MESSAGE),
        (
            "/reports/print/?since=1800-01-01",
            400,
            "前回の基準日は1989年から2100年までの日付で入力してください。",
        ),
        ("/reports/print/?as_of=1800-01-01", 400, "基準日は1989年から2100年までの日付で入力してください。"),
    ],
)
def test_pages_give_the_reason_never_a_500(client, secretariat, url, expected_status, message):
    client.force_login(secretariat)
    response = client.get(url)
    assert response.status_code == expected_status
    assert message in response.content.decode()


@pytest.mark.parametrize(("model", "data"), [(AnnualTarget, {"target_text": "目標"}), (ProgressReport, {})])
@pytest.mark.parametrize("typed", ["0001", "1800", "2200"])
def test_admin_forms_refuse_years_outside_1989_to_2100(client, secretariat, model, data, typed):
    client.force_login(secretariat)
    payload = {"measure": Measure.objects.get(number=1).pk, "fiscal_year": typed, **data}
    if model is ProgressReport:
        payload.update({"as_of": "2019/09/30", "status": status("実施中").pk, "progress_percent": "10"})
    response = client.post(reverse(f"admin:measures_{model._meta.model_name}_add"), payload)
    assert response.status_code == 200
    assert YEAR_MESSAGE in response.content.decode()
    assert not model.objects.exists()


def test_the_command_refuses_a_year_outside_the_range_with_a_message(tmp_path):
    output = tmp_path / "out.xlsx"
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "export_progress", output=str(output), fiscal_year="0001", stdout=StringIO(), stderr=StringIO()
        )
    assert YEAR_MESSAGE in str(excinfo.value)
    assert not output.exists()
