"""Reports are added, never overwritten: a saved report is read-only, and withdrawal is its own page.

取り下げ asks only for the date and the reason, records who withdrew the report, and leaves
every other field, the author above all, as it was. A correction is a new report.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import fiscal
from measures.models import Measure, ProgressReport
from measures.services import progress_report_create, progress_report_withdraw

from .factories import add_report, add_target, report_form_data, status
from .page_text import parse


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


@pytest.fixture
def report(seeded, django_user_model):
    author = django_user_model.objects.create_user("yamada", last_name="山田", first_name="花子")
    return add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30), progress=40, author=author)


def _withdraw_url(report) -> str:
    return reverse("admin:measures_progressreport_withdraw", args=[report.pk])


def _change_url(report) -> str:
    return reverse("admin:measures_progressreport_change", args=[report.pk])


def _withdraw(client, report, **data):
    return client.post(
        _withdraw_url(report),
        {
            "withdrawn_on": "2019/10/01",
            "withdrawal_reason": "別の施策の数値を誤って入力したため",
            "version": report.version,
            **data,
        },
    )


# ---- the withdrawal page ------------------------------------------------------------------------


def test_the_report_page_offers_the_withdrawal_as_a_button(admin_client, report):
    page = parse(admin_client.get(_change_url(report)).content)
    links = {a.text: a.attrs["href"] for a in page.find_all("a")}
    assert links["この報告を取り下げる"] == _withdraw_url(report)


def test_the_withdrawal_page_asks_only_for_the_date_and_the_reason(admin_client, report):
    response = admin_client.get(_withdraw_url(report))
    assert response.status_code == 200
    page = parse(response.content)
    form = page.find_all("form", id="withdraw-form")[0]
    names = {
        i.attrs["name"]
        for i in form.find_all("input") + form.find_all("textarea")
        if i.attrs.get("type") != "submit"
    }
    assert names == {"csrfmiddlewaretoken", "withdrawn_on", "withdrawal_reason", "version"}
    text = page.text
    assert "施策1" in text and "令和元年9月30日" in text and "山田 花子" in text  # what is being withdrawn
    today = timezone.localdate()
    assert form.find_all("input", name="withdrawn_on")[0].attrs["value"] in (
        f"{today:%Y/%m/%d}",
        f"{today:%Y-%m-%d}",
    )


def test_a_withdrawal_records_the_date_the_reason_and_who_and_keeps_the_author(
    admin_client, report, secretariat
):
    response = _withdraw(admin_client, report)
    assert response.status_code == 302 and response["Location"] == _change_url(report)
    report.refresh_from_db()
    assert report.withdrawn_on == date(2019, 10, 1)
    assert report.withdrawal_reason == "別の施策の数値を誤って入力したため"
    assert report.withdrawn_by == secretariat
    assert report.author.username == "yamada"  # not the person who withdrew it
    assert (report.progress_percent, report.status.name) == (40, "実施中")
    entry = LogEntry.objects.get(object_id=str(report.pk), action_flag=CHANGE)
    assert entry.user == secretariat and entry.change_message == "取り下げ"
    assert report.history.count() == 2


def test_a_report_with_no_author_stays_without_one(admin_client, seeded):
    report = add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30))
    assert _withdraw(admin_client, report).status_code == 302
    report.refresh_from_db()
    assert report.author is None and report.withdrawn_on == date(2019, 10, 1)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"withdrawal_reason": ""}, "withdrawal_reason", "取り下げの理由を入力してください。"),
        ({"withdrawn_on": ""}, "withdrawn_on", "取り下げ日を入力してください。"),
        (
            {"withdrawn_on": "2019/09/29"},
            "withdrawn_on",
            "取り下げ日は報告基準日(2019/09/30)以降の日付にしてください。",
        ),
        (
            {"withdrawn_on": "1900/01/01"},
            "withdrawn_on",
            "取り下げ日は1989年から2100年までの日付で入力してください。",
        ),
    ],
    ids=["no-reason", "no-date", "before-the-report", "1900"],
)
def test_a_bad_withdrawal_says_why_next_to_the_field_and_saves_nothing(
    admin_client, report, data, field, message
):
    response = _withdraw(admin_client, report, **data)
    assert response.status_code == 400
    row = parse(response.content).find_all("div", cls=f"field-{field}")[0]
    assert message in row.text
    report.refresh_from_db()
    assert report.withdrawn_on is None and report.withdrawn_by is None and report.version == 1


def test_a_withdrawal_in_the_future_is_refused(admin_client, report):
    tomorrow = timezone.localdate().toordinal() + 1
    day = date.fromordinal(tomorrow)
    response = _withdraw(admin_client, report, withdrawn_on=f"{day:%Y/%m/%d}")
    assert response.status_code == 400
    assert "取り下げ日に先の日付は入力できません。" in response.content.decode()
    report.refresh_from_db()
    assert report.withdrawn_on is None


def test_a_withdrawal_dated_on_the_report_date_is_accepted(admin_client, report):
    assert _withdraw(admin_client, report, withdrawn_on="2019/09/30").status_code == 302
    report.refresh_from_db()
    assert report.withdrawn_on == date(2019, 9, 30)


def test_the_era_form_of_the_date_is_accepted(admin_client, report):
    assert _withdraw(admin_client, report, withdrawn_on="令和元年10月1日").status_code == 302
    report.refresh_from_db()
    assert report.withdrawn_on == date(2019, 10, 1)


def test_a_withdrawal_over_a_newer_one_is_refused_and_names_who(admin_client, report, django_user_model):
    other = django_user_model.objects.create_user("suzuki", last_name="鈴木", first_name="一郎")
    loaded = report.version
    progress_report_withdraw(
        report=report, withdrawn_on=date(2019, 10, 2), reason="重複", by=other, loaded_version=loaded
    )
    response = _withdraw(admin_client, report, version=loaded)
    assert response.status_code == 302  # already withdrawn: back to the report, which says so
    assert (
        "この進捗報告はすでに取り下げられています。"
        in admin_client.get(response["Location"]).content.decode()
    )
    report.refresh_from_db()
    assert (report.withdrawn_on, report.withdrawn_by, report.withdrawal_reason) == (
        date(2019, 10, 2),
        other,
        "重複",
    )


def test_the_service_refuses_a_stale_version_with_who_changed_it(report, django_user_model):
    other = django_user_model.objects.create_user("suzuki", last_name="鈴木", first_name="一郎")
    ProgressReport.objects.filter(pk=report.pk).update(version=2)
    with pytest.raises(ValidationError) as refused:
        progress_report_withdraw(
            report=report, withdrawn_on=date(2019, 10, 2), reason="重複", by=other, loaded_version=1
        )
    assert "先に変更したため保存できませんでした" in refused.value.messages[0]
    report.refresh_from_db()
    assert report.withdrawn_on is None


def test_a_withdrawn_report_says_so_and_offers_no_second_withdrawal(admin_client, report, secretariat):
    _withdraw(admin_client, report)
    page = parse(admin_client.get(_change_url(report)).content)
    assert "この報告は令和元年10月1日(2019年10月1日)に取り下げられました。" in page.text
    assert "別の施策の数値を誤って入力したため" in page.text
    assert "事務局 太郎" in page.text  # 取り下げた職員
    assert "この報告を取り下げる" not in page.text
    assert admin_client.get(_withdraw_url(report)).status_code == 302


@pytest.mark.parametrize("role", ["manager", "council"])
def test_only_the_secretariat_may_withdraw(client, request, report, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(_withdraw_url(report)).status_code in (302, 403)
    assert _withdraw(client, report).status_code in (302, 403)
    report.refresh_from_db()
    assert report.withdrawn_on is None


def test_an_unknown_report_has_no_withdrawal_page(admin_client, seeded):
    assert (
        admin_client.get(reverse("admin:measures_progressreport_withdraw", args=[999999])).status_code == 404
    )
    assert admin_client.get("/admin/measures/progressreport/abc/withdraw/").status_code == 404


# ---- past reports are read-only -----------------------------------------------------------------


def test_a_saved_report_page_has_no_field_to_edit(admin_client, report):
    response = admin_client.get(_change_url(report))
    assert response.status_code == 200
    page = parse(response.content)
    editable = [
        i.attrs.get("name")
        for i in page.find_all("input") + page.find_all("textarea") + page.find_all("select")
    ]
    assert not {"narrative", "progress_percent", "status", "as_of", "withdrawn_on"} & set(editable)
    assert "登録済みの報告は変更できません。" in page.text


def test_a_post_to_a_saved_report_is_refused_and_changes_nothing(admin_client, report):
    data = report_form_data(report.measure, progress_percent="90", version=report.version)
    assert admin_client.post(_change_url(report), data).status_code == 403
    report.refresh_from_db()
    assert report.progress_percent == 40 and report.version == 1


def test_the_service_refuses_to_save_a_report_twice(report):
    report.progress_percent = 90
    with pytest.raises(ValidationError) as refused:
        progress_report_create(report=report, author=None)
    assert "登録済みの進捗報告は変更できません。" in refused.value.messages[0]
    report.refresh_from_db()
    assert report.progress_percent == 40


# ---- the measure page: a compact table of reports, and a short page to add one ------------------


def test_the_measure_page_lists_its_reports_newest_first_each_linking_to_its_page(admin_client, report):
    newer = add_report(report.measure, 2020, date(2020, 9, 30), progress=60)
    _withdraw(admin_client, report)
    response = admin_client.get(reverse("admin:measures_measure_change", args=[report.measure.pk]))
    page = parse(response.content)
    table = page.find_all("fieldset", id="reports-of-measure")[0]
    rows = table.find_all("tbody")[0].find_all("tr")
    assert [r.find_all("a")[0].attrs["href"] for r in rows[:2]] == [_change_url(newer), _change_url(report)]
    assert "取り下げ(2019/10/01)" in rows[1].text and "withdrawn" in rows[1].classes
    assert "山田 花子" in rows[1].text
    # No report form on the measure page: a report is added on its own page.
    assert not page.find_all("input", name="progress_reports-0-progress_percent")
    add = f"{reverse('admin:measures_progressreport_add')}?measure={report.measure.pk}"
    assert add in {a.attrs.get("href") for a in page.find_all("a")}


def test_the_add_page_shows_the_years_targets_and_starts_from_the_latest_report(admin_client, seeded):
    measure = Measure.objects.get(number=1)
    plan = measure.plan
    last = plan.last_fiscal_year
    target = measure.annual_targets.filter(fiscal_year=last).first() or add_target(measure, last)
    add_report(
        measure,
        last,
        fiscal.fiscal_year_bounds(last)[0].replace(month=9, day=30),
        status_name="遅延",
        progress=35,
    )
    response = admin_client.get(f"{reverse('admin:measures_progressreport_add')}?measure={measure.pk}")
    assert response.status_code == 200
    page = parse(response.content)
    targets = page.find_all("table", cls="year-targets")[0]
    current = targets.find_all("tr", cls="current")[0]
    assert fiscal.fiscal_year_label(last) in current.text
    assert (target.indicator_name or "—") in current.text
    form = page.find_all("form", id="progressreport_form")[0]
    assert form.find_all("input", name="fiscal_year")[0].attrs["value"] == fiscal.fiscal_year_label(last)
    assert form.find_all("input", name="as_of")[0].attrs["value"] in (
        f"{fiscal.fiscal_year_bounds(last)[1]:%Y/%m/%d}",
        f"{fiscal.fiscal_year_bounds(last)[1]:%Y-%m-%d}",
    )
    chosen = form.find_all("select", name="status")[0].find_all("option", selected="")
    assert [o.text for o in chosen] == [str(status("遅延"))]
    assert form.find_all("input", name="progress_percent")[0].attrs["value"] == "35"


def test_an_added_report_keeps_its_author_and_is_then_read_only(admin_client, seeded, secretariat):
    measure = Measure.objects.get(number=1)
    data = report_form_data(measure, fiscal_year="令和元年度", progress_percent="45")
    response = admin_client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 302
    report = ProgressReport.objects.get(measure=measure, as_of=date(2019, 9, 30))
    assert report.author == secretariat and report.progress_percent == 45
    assert status("実施中") == report.status


def test_a_withdrawal_dated_before_the_report_was_registered_is_refused_naming_both_dates(
    admin_client, seeded, secretariat
):
    """Issue 21, item 11: a report entered late (today) for 2021/12/10 was accepted as withdrawn on
    2021/12/15, days before anyone had registered it."""
    late = progress_report_create(
        report=ProgressReport(
            measure=Measure.objects.get(number=1),
            fiscal_year=2021,
            as_of=date(2021, 12, 10),
            status=status("実施中"),
            progress_percent=50,
        ),
        author=secretariat,
    )
    registered = fiscal.wareki_date(timezone.localdate(late.created_at))
    response = _withdraw(admin_client, late, withdrawn_on="2021/12/15", withdrawal_reason="誤り")
    assert response.status_code == 400
    row = parse(response.content).find_all("div", cls="field-withdrawn_on")[0]
    assert (
        f"取り下げ日(令和3年12月15日)は、この報告を登録した日({registered})より前にはできません。"
        "登録した日以降の日付にしてください。"
    ) in row.text
    late.refresh_from_db()
    assert late.withdrawn_on is None
    today = timezone.localdate().strftime("%Y/%m/%d")
    assert _withdraw(admin_client, late, withdrawn_on=today, withdrawal_reason="誤り").status_code == 302
