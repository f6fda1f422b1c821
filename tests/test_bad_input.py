"""Every admin form refuses bad input with a clear Japanese message and writes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from measures.models import AnnualTarget, Department, Measure, ProgressReport
from schedule.models import PublicCommentPeriod, ScheduledItem

from .factories import status

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _report(**extra):
    return {
        "measure": Measure.objects.get(number=1).pk,
        "fiscal_year": "2019",
        "as_of": "2019/09/30",
        "status": status("実施中").pk,
        "progress_percent": "50",
        **extra,
    }


def _item(**extra):
    item = ScheduledItem.objects.filter(planned_month=5).first()
    data = {
        "body": item.body_id,
        "kind": item.kind,
        "fiscal_year": "2018",
        "planned_month": "5",
        "status": "planned",
        "subject": item.subject,
        "phase": item.phase_id,
        "notes": "",
        "version": item.version,
    }
    data.update(extra)
    return item, data


def _measure_add(**extra):
    measure = Measure.objects.get(number=1)
    return {
        "plan": measure.plan_id,
        "purpose": measure.purpose_id,
        "number": "6",
        "title": "新しい施策",
        "order": "6",
        "annual_targets-TOTAL_FORMS": "0",
        "annual_targets-INITIAL_FORMS": "0",
        "progress_reports-TOTAL_FORMS": "0",
        "progress_reports-INITIAL_FORMS": "0",
        **extra,
    }


@pytest.mark.parametrize("typed", ["2019/09.30", "30/09/2019", "2019/02/30", "令和元年2月30日"])
def test_a_date_in_the_wrong_format_is_refused(admin_client, typed):
    response = admin_client.post(reverse("admin:measures_progressreport_add"), _report(as_of=typed))
    assert response.status_code == 200
    assert "日付を正しく入力してください。" in response.content.decode()
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    "typed",
    [
        "2019/09/30",
        "2019-09-30",
        "2019.09.30",
        "2019年9月30日",
        "令和元年9月30日",
        "令和元年９月３０日",
        "R1.9.30",
    ],
)
def test_a_date_is_read_in_every_documented_form(admin_client, typed):
    response = admin_client.post(reverse("admin:measures_progressreport_add"), _report(as_of=typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProgressReport.objects.get().as_of == date(2019, 9, 30)


def test_an_era_date_outside_its_era_is_refused_with_the_right_form(admin_client):
    page = admin_client.post(
        reverse("admin:measures_progressreport_add"), _report(as_of="平成31年5月1日")
    ).content.decode()
    assert (
        "「平成31年5月1日」は平成が終わった後の日付です。平成は平成31年4月30日(2019年4月30日)までで、"
        "翌日からは令和です。令和元年5月1日のように入力してください。" in page
    )
    assert not ProgressReport.objects.exists()


def test_a_planned_date_outside_the_planned_month_is_refused(admin_client):
    item, data = _item(planned_date="2018/06/01")
    page = admin_client.post(
        reverse("admin:schedule_scheduleditem_change", args=[item.pk]), data
    ).content.decode()
    assert "予定日は平成30年度(2018年度)の5月(2018年5月)の日付にしてください。" in page
    item.refresh_from_db()
    assert item.planned_date is None


def test_an_actual_date_on_a_planned_item_asks_for_the_status(admin_client):
    item, data = _item(actual_date="2018/05/20")
    page = admin_client.post(
        reverse("admin:schedule_scheduleditem_change", args=[item.pk]), data
    ).content.decode()
    assert "実施日を入力した予定は、状況を「実施済」または「延期」にしてください。" in page
    item.refresh_from_db()
    assert item.actual_date is None and item.version == 1


@pytest.mark.parametrize(
    ("url_name", "data", "model", "message"),
    [
        (
            "admin:measures_measure_add",
            _measure_add,
            Measure,
            "この値は 200 文字以下でなければなりません( 201 文字になっています)。",
        ),
        (
            "admin:measures_department_add",
            lambda: {"name": "課" * 101, "division": "", "order": "0"},
            Department,
            "この値は 100 文字以下でなければなりません( 101 文字になっています)。",
        ),
    ],
)
def test_over_long_text_is_refused(admin_client, url_name, data, model, message):
    payload = data()
    key = "title" if "title" in payload else "name"
    if key == "title":
        payload["title"] = "施" * 201
    before = model.objects.count()
    response = admin_client.post(reverse(url_name), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert model.objects.count() == before


def test_over_long_subject_on_a_scheduled_item_is_refused(admin_client):
    item, data = _item(subject="議" * 201)
    page = admin_client.post(
        reverse("admin:schedule_scheduleditem_change", args=[item.pk]), data
    ).content.decode()
    assert "この値は 200 文字以下でなければなりません( 201 文字になっています)。" in page
    item.refresh_from_db()
    assert item.subject != "議" * 201


@pytest.mark.parametrize(("typed", "year"), [("平成32年度", 2020), ("令和3年度", 2021), ("２０１９", 2019)])
def test_a_fiscal_year_may_be_typed_in_either_era(admin_client, typed, year):
    measure = Measure.objects.get(number=1)
    data = {"measure": measure.pk, "fiscal_year": typed, "target_text": "目標"}
    assert admin_client.post(reverse("admin:measures_annualtarget_add"), data).status_code == 302
    assert AnnualTarget.objects.get().fiscal_year == year


def test_a_fiscal_year_that_is_not_one_is_refused(admin_client):
    data = {"measure": Measure.objects.get(number=1).pk, "fiscal_year": "来年度", "target_text": "目標"}
    page = admin_client.post(reverse("admin:measures_annualtarget_add"), data).content.decode()
    assert (
        "「来年度」は年度として読み取れません。2019、2019年度、令和元年度、平成31年度 のように入力してください。"
        in page
    )
    assert not AnnualTarget.objects.exists()


def test_comments_received_cannot_be_negative(admin_client):
    period = PublicCommentPeriod.objects.get()
    data = {
        "body": period.body_id,
        "subject": period.subject,
        "fiscal_year": "2018",
        "planned_start_month": "12",
        "comments_received": "-3",
        "notes": "",
        "version": period.version,
    }
    url = reverse("admin:schedule_publiccommentperiod_change", args=[period.pk])
    page = admin_client.post(url, data).content.decode()
    assert "この値は 0 以上でなければなりません。" in page
    period.refresh_from_db()
    assert period.comments_received is None
