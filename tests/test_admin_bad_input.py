"""The secretariat's mistakes in the admin get a clear Japanese message, and nothing is saved."""

from datetime import date

import pytest
from django.urls import reverse

from measures.models import AnnualTarget, Measure, Plan, ProgressReport
from schedule.models import Phase, PublicCommentPeriod

from .factories import seed_plan, status

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _errors(response) -> str:
    assert response.status_code == 200, "the form is shown again, not saved and redirected"
    return response.content.decode()


def _target_data(measure, fiscal_year, **extra):
    return {
        "measure": measure.pk,
        "fiscal_year": fiscal_year,
        "target_text": "電子申請の手続を増やす",
        "indicator_name": "電子申請対応手続数",
        "indicator_unit": "件",
        "baseline_value": "20",
        "target_value": "40",
        **extra,
    }


def _report_data(measure, **extra):
    return {
        "measure": measure.pk,
        "fiscal_year": 2019,
        "as_of": "2019/09/30",
        "status": status("実施中").pk,
        "progress_percent": "50",
        "actual_value": "30",
        "narrative": "取組を進めた。",
        "issues": "",
        "next_steps": "",
        **extra,
    }


def test_a_target_outside_the_plan_period_is_refused(admin_client):
    measure = Measure.objects.get(number=1)
    response = admin_client.post(reverse("admin:measures_annualtarget_add"), _target_data(measure, 2022))
    page = _errors(response)
    assert "令和4年度(2022年度)は計画期間(令和元年度(2019年度)〜令和3年度(2021年度))の外です。" in page
    assert AnnualTarget.objects.count() == 0


def test_a_second_target_for_the_same_year_is_refused(admin_client):
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_annualtarget_add")
    assert admin_client.post(url, _target_data(measure, 2019)).status_code == 302
    page = _errors(admin_client.post(url, _target_data(measure, 2019, target_text="別の目標")))
    assert "この施策のこの年度の目標はすでに登録されています。" in page
    assert list(AnnualTarget.objects.values_list("target_text", flat=True)) == ["電子申請の手続を増やす"]


def test_a_target_value_without_an_indicator_is_refused(admin_client):
    measure = Measure.objects.get(number=1)
    data = _target_data(measure, 2020, indicator_name="")
    page = _errors(admin_client.post(reverse("admin:measures_annualtarget_add"), data))
    assert "目標値を入れるときは指標名も入力してください。" in page
    assert not AnnualTarget.objects.exists()


@pytest.mark.parametrize(
    ("progress", "message"),
    [
        ("101", "この値は 100 以下でなければなりません"),
        ("150", "この値は 100 以下でなければなりません"),
        ("-1", "この値は 0 以上でなければなりません"),
    ],
)
def test_progress_outside_0_to_100_is_refused(admin_client, progress, message):
    measure = Measure.objects.get(number=1)
    data = _report_data(measure, progress_percent=progress)
    page = _errors(admin_client.post(reverse("admin:measures_progressreport_add"), data))
    assert message in page
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"fiscal_year": "2018", "as_of": "2018/09/30"},
            "平成30年度(2018年度)は計画期間(令和元年度(2019年度)〜令和3年度(2021年度))の外です。",
        ),
        (
            {"fiscal_year": "2020", "as_of": "2019/09/30"},
            "報告基準日は令和2年度(2020年度)の開始日(2020/04/01)以降にしてください。",
        ),
    ],
    ids=["year-outside-the-plan", "dated-before-its-year"],
)
def test_a_report_with_a_wrong_year_or_date_is_refused(admin_client, overrides, message):
    data = _report_data(Measure.objects.get(number=1), **overrides)
    page = _errors(admin_client.post(reverse("admin:measures_progressreport_add"), data))
    assert message in page
    assert not ProgressReport.objects.exists()


def test_a_report_is_saved_with_slash_dates_and_its_author_from_the_session(
    admin_client, secretariat, council
):
    measure = Measure.objects.get(number=1)
    # An author smuggled into the form is ignored: the server records who saved the report.
    data = _report_data(measure, author=council.pk)
    response = admin_client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.as_of == date(2019, 9, 30)
    assert report.author == secretariat


def test_a_plan_whose_first_year_is_after_its_last_is_refused(admin_client):
    data = {
        "name": "次期計画",
        "legal_basis": "",
        "first_fiscal_year": "2025",
        "last_fiscal_year": "2023",
        "status": "drafting",
    }
    page = _errors(admin_client.post(reverse("admin:measures_plan_add"), data))
    assert "計画期間の開始年度は終了年度より後にできません。" in page
    assert Plan.objects.count() == 1


def test_a_plan_overlapping_the_current_one_is_refused_and_the_next_one_is_accepted(admin_client):
    url = reverse("admin:measures_plan_add")
    data = {
        "name": "次期計画",
        "legal_basis": "",
        "first_fiscal_year": "2021",
        "last_fiscal_year": "2023",
        "status": "drafting",
    }
    page = _errors(admin_client.post(url, data))
    assert (
        "計画期間が「文京区官民データ活用推進計画」(令和元年度(2019年度)〜令和3年度(2021年度))と重なっています。"
        in page
    )
    assert Plan.objects.count() == 1
    data["first_fiscal_year"] = "2022"
    data["last_fiscal_year"] = "2024"
    assert admin_client.post(url, data).status_code == 302
    assert Plan.objects.count() == 2


def test_an_adopted_plan_needs_its_adoption_date(admin_client):
    plan = seed_plan()
    url = reverse("admin:measures_plan_change", args=[plan.pk])
    data = {
        "name": plan.name,
        "legal_basis": plan.legal_basis,
        "first_fiscal_year": "2019",
        "last_fiscal_year": "2021",
        "status": "adopted",
    }
    page = _errors(admin_client.post(url, data))
    assert "策定済の計画には策定日を入力してください。" in page
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFTING


def test_a_public_comment_ending_before_it_starts_is_refused(admin_client):
    period = PublicCommentPeriod.objects.get()
    url = reverse("admin:schedule_publiccommentperiod_change", args=[period.pk])
    data = {
        "body": period.body_id,
        "subject": period.subject,
        "fiscal_year": "2018",
        "planned_start_month": "12",
        "start_date": "2018/12/20",
        "end_date": "2018/12/10",
        "notes": "",
        "version": period.version,
    }
    page = _errors(admin_client.post(url, data))
    assert "募集終了日は募集開始日より前にできません。" in page
    period.refresh_from_db()
    assert period.start_date is None and period.end_date is None


def test_a_public_comment_shorter_than_30_days_counting_day_one_is_refused(admin_client):
    period = PublicCommentPeriod.objects.get()
    url = reverse("admin:schedule_publiccommentperiod_change", args=[period.pk])
    data = {
        "body": period.body_id,
        "subject": period.subject,
        "fiscal_year": "2018",
        "planned_start_month": "12",
        "start_date": "2018/12/10",
        "end_date": "2019/01/07",  # 29 days with 12/10 as day 1
        "notes": "",
        "version": period.version,
    }
    page = _errors(admin_client.post(url, data))
    assert "意見募集期間は公表日を1日目として30日以上必要です(この入力では29日)。" in page
    data["end_date"] = "2019/01/08"  # day 30
    assert admin_client.post(url, data).status_code == 302
    period.refresh_from_db()
    assert period.days == 30
    assert period.months_covered() == [12, 1]


def test_a_phase_ending_before_it_starts_in_fiscal_order_is_refused(admin_client):
    data = {"fiscal_year": "2018", "name": "追加の段階", "first_month": "1", "last_month": "12", "order": "4"}
    page = _errors(admin_client.post(reverse("admin:schedule_phase_add"), data))
    assert "終了月は開始月より後(4月始まりの年度の順)にしてください。" in page
    assert Phase.objects.count() == 3


def test_inline_targets_on_a_measure_page_save_nothing_when_one_is_wrong(admin_client):
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    data = {
        "plan": measure.plan_id,
        "purpose": measure.purpose_id,
        "number": "1",
        "title": "書き換えたタイトル",
        "description": measure.description,
        "departments": [d.pk for d in measure.departments.all()],
        "keywords": [k.pk for k in measure.keywords.all()],
        "technologies": [t.pk for t in measure.technologies.all()],
        "order": "1",
        "version": measure.version,
        "annual_targets-TOTAL_FORMS": "2",
        "annual_targets-INITIAL_FORMS": "0",
        "annual_targets-0-fiscal_year": "2019",
        "annual_targets-0-target_text": "目標A",
        "annual_targets-1-fiscal_year": "2019",
        "annual_targets-1-target_text": "目標B",
        "progress_reports-TOTAL_FORMS": "0",
        "progress_reports-INITIAL_FORMS": "0",
    }
    page = _errors(admin_client.post(url, data))
    assert "同じ年度が2回入力されています。1つの施策に1年度1件までです。年度を見直してください。" in page
    measure.refresh_from_db()
    assert measure.title != "書き換えたタイトル"
    assert not AnnualTarget.objects.exists()

    data["annual_targets-1-fiscal_year"] = "2024"
    page = _errors(admin_client.post(url, data))
    assert "令和6年度(2024年度)は計画期間" in page
    assert not AnnualTarget.objects.exists()

    data["annual_targets-1-fiscal_year"] = "2020"
    assert admin_client.post(url, data).status_code == 302
    assert AnnualTarget.objects.count() == 2


def test_a_measure_under_another_plans_purpose_is_refused(admin_client):
    from .factories import make_plan

    other = make_plan(name="次期計画", first=2022, last=2024)
    purpose = other.purposes.create(code="ア", text="次期の目的", order=1)
    data = {
        "plan": seed_plan().pk,
        "purpose": purpose.pk,
        "number": "9",
        "title": "新しい施策",
        "order": "9",
        "annual_targets-TOTAL_FORMS": "0",
        "annual_targets-INITIAL_FORMS": "0",
        "progress_reports-TOTAL_FORMS": "0",
        "progress_reports-INITIAL_FORMS": "0",
    }
    page = _errors(admin_client.post(reverse("admin:measures_measure_add"), data))
    assert "この目的は別の計画のものです。同じ計画の目的を選んでください。" in page
    assert not Measure.objects.filter(number=9).exists()
