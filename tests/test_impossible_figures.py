"""Figures that cannot be: negative targets and actual values, measure number 0. Refused with the reason."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from measures.models import AnnualTarget, Measure, ProgressReport

from .factories import seed_plan, status

pytestmark = pytest.mark.usefixtures("seeded")

DECREASE_HINT = "減らすことを目標にする指標は、減らした量(削減時間、紙の削減枚数など)を正の数で入力します。"


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _target_data(measure, **extra):
    return {
        "measure": measure.pk,
        "fiscal_year": "2019",
        "target_text": "事務作業を減らす",
        "indicator_name": "削減時間",
        "indicator_unit": "時間/年",
        "baseline_value": "0",
        "target_value": "500",
        **extra,
    }


@pytest.mark.parametrize(
    ("field", "label"), [("target_value", "目標値"), ("baseline_value", "基準値")], ids=["target", "baseline"]
)
def test_a_negative_target_or_baseline_is_refused(admin_client, field, label):
    data = _target_data(Measure.objects.get(number=4), **{field: "-500"})
    response = admin_client.post(reverse("admin:measures_annualtarget_add"), data)
    assert response.status_code == 200
    assert (
        f"{label}はマイナスにできません。0以上の数で入力してください。{DECREASE_HINT}"
        in response.content.decode()
    )
    assert not AnnualTarget.objects.exists()


def test_a_negative_actual_value_is_refused(admin_client):
    data = {
        "measure": Measure.objects.get(number=4).pk,
        "fiscal_year": "2019",
        "as_of": "2019/09/30",
        "status": status("実施中").pk,
        "progress_percent": "50",
        "actual_value": "-0.01",
    }
    response = admin_client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 200
    assert (
        f"実績値はマイナスにできません。0以上の数で入力してください。{DECREASE_HINT}"
        in response.content.decode()
    )
    assert not ProgressReport.objects.exists()


def test_zero_is_a_figure(admin_client):
    data = _target_data(Measure.objects.get(number=4), baseline_value="0", target_value="0")
    assert admin_client.post(reverse("admin:measures_annualtarget_add"), data).status_code == 302


def test_the_target_page_says_how_a_decrease_is_entered(admin_client):
    page = admin_client.get(reverse("admin:measures_annualtarget_add")).content.decode()
    assert "「削減時間」「紙の削減枚数」のように減らした量を指標にします" in page


def test_measure_number_zero_is_refused(admin_client):
    plan = seed_plan()
    data = {
        "plan": plan.pk,
        "purpose": plan.purposes.first().pk,
        "number": "0",
        "title": "番号のない施策",
        "order": "6",
        "annual_targets-TOTAL_FORMS": "0",
        "annual_targets-INITIAL_FORMS": "0",
        "progress_reports-TOTAL_FORMS": "0",
        "progress_reports-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:measures_measure_add"), data)
    assert response.status_code == 200
    assert "施策番号は1以上で入力してください。" in response.content.decode()
    assert not Measure.objects.filter(title="番号のない施策").exists()


@pytest.mark.parametrize(
    "create",
    [
        lambda m: AnnualTarget.objects.create(
            measure=m, fiscal_year=2019, target_text="t", indicator_name="i", target_value=-1
        ),
        lambda m: AnnualTarget.objects.create(
            measure=m, fiscal_year=2019, target_text="t", baseline_value=-1
        ),
        lambda m: ProgressReport.objects.create(
            measure=m,
            fiscal_year=2019,
            as_of="2019-09-30",
            status=status("実施中"),
            progress_percent=1,
            actual_value=-1,
        ),
        lambda m: Measure.objects.create(plan=m.plan, purpose=m.purpose, number=0, title="t"),
    ],
    ids=["target", "baseline", "actual", "number"],
)
def test_the_database_refuses_them_too(create):
    measure = Measure.objects.get(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        create(measure)
