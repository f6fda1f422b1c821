"""The API under /api/: what a visitor, the roles and the secretariat's systems read and write.

Anyone may read a published plan; an unpublished one is invisible without signing in. Withdrawn
reports and people's names are never shown to a visitor. Only the secretariat writes, through the
same services and checks as the admin.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from measures.models import Department, Keyword, Measure, Plan, ProgressReport, Technology
from measures.selectors import measure_progress_rows
from measures.services import progress_report_withdraw
from schedule.models import Body, ScheduledItem

from .factories import add_report, seed_plan, status


@pytest.fixture
def plan(demo):
    """The demo's plan, not published (load_plan --demo publishes it; here it starts unpublished)."""
    Plan.objects.update(published=False)
    return seed_plan()


@pytest.fixture
def published(plan):
    plan.published = True
    plan.save()
    return plan


@pytest.fixture
def withdrawn(plan, secretariat):
    measure = Measure.objects.get(plan=plan, number=1)
    report = add_report(measure, 2021, date(2021, 12, 1), narrative="誤った報告", author=secretariat)
    return progress_report_withdraw(
        report=report, withdrawn_on=date(2021, 12, 2), reason="数値の誤り", by=secretariat, loaded_version=1
    )


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# ---- What a visitor who is not signed in reads -----------------------------------------------------


def test_an_unpublished_plan_and_everything_in_it_is_invisible_to_a_visitor(client, plan):
    measure = Measure.objects.filter(plan=plan).first()
    report = ProgressReport.objects.filter(measure__plan=plan).first()
    for url in ("/api/plans/", "/api/purposes/", "/api/annual-targets/", "/api/progress-reports/"):
        assert _ids(client.get(url)) == [], url
    assert _ids(client.get("/api/measures/")) == []
    assert _ids(client.get("/api/scheduled-items/")) == []
    assert _ids(client.get("/api/departments/")) == []
    for url in (
        f"/api/plans/{plan.pk}/",
        f"/api/measures/{measure.pk}/",
        f"/api/progress-reports/{report.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/measures/?plan={plan.pk}").status_code == 400


def test_a_published_plan_is_read_without_signing_in_but_never_a_withdrawn_report_or_a_name(
    client, published, withdrawn
):
    assert _ids(client.get("/api/plans/")) == [published.pk]
    assert len(_ids(client.get("/api/measures/?page_size=100"))) == published.measures.count()
    reports = client.get("/api/progress-reports/?page_size=500").json()["results"]
    assert reports and withdrawn.pk not in [r["id"] for r in reports]
    assert not any(
        key in row for row in reports for key in ("author_name", "withdrawn_by_name", "withdrawn_on")
    )
    assert "事務局 太郎" not in client.get("/api/progress-reports/?page_size=500").content.decode()
    assert client.get(f"/api/progress-reports/{withdrawn.pk}/").status_code == 404
    # The drafting schedule the plan shows: from the year before it (FY2018).
    items = client.get("/api/scheduled-items/?page_size=500").json()["results"]
    assert items and {item["fiscal_year"] for item in items} <= set(range(2018, 2022))


def test_the_roles_read_the_unpublished_plan_and_the_secretariat_sees_who_reported(
    client, plan, council, secretariat, withdrawn
):
    client.force_login(council)
    assert _ids(client.get("/api/plans/")) == [plan.pk]
    client.force_login(secretariat)
    response = client.get(f"/api/progress-reports/{withdrawn.pk}/")
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["author_name"] == "事務局 太郎"
    assert body["withdrawn_by_name"] == "事務局 太郎" and body["withdrawal_reason"] == "数値の誤り"
    standing = _ids(client.get("/api/progress-reports/?standing=true&page_size=500"))
    assert withdrawn.pk not in standing


# ---- Each measure's yearly state ---------------------------------------------------------------------


def test_each_measure_carries_the_same_yearly_state_as_the_workbook_rows(client, published):
    as_of = date(2020, 9, 30)
    body = client.get("/api/measures/?as_of=2020-09-30&page_size=100").json()
    rows = {
        row.pk: row
        for row in measure_progress_rows(plan=published, as_of=as_of, measures=published.measures.all())
    }
    assert len(body["results"]) == len(rows)
    for measure in body["results"]:
        assert measure["as_of"] == "2020-09-30"
        row = rows[measure["id"]]
        assert [y["fiscal_year"] for y in measure["years"]] == [2019, 2020, 2021]
        for got, year in zip(measure["years"], row.years, strict=True):
            report, target = year.report, year.target
            assert got["report_id"] == (report.pk if report else None)
            assert got["status_name"] == (report.status.name if report else None)
            assert got["progress_percent"] == (report.progress_percent if report else None)
            assert got["actual_value"] == (
                str(report.actual_value) if report and report.actual_value is not None else None
            )
            assert got["achievement_rate"] == (str(year.rate) if year.rate is not None else None)
            assert got["evaluation"] == (year.grade.code if year.grade else None)
            assert (got["target"] or {}).get("target_text") == (target.target_text if target else None)
    assert any(y["evaluation"] for m in body["results"] for y in m["years"]), "the demo data has grades"


def test_the_era_forms_and_the_report_pages_parameters_mean_the_same(client, published):
    western = client.get("/api/measures/?fiscal_year=2019&as_of=2020-03-31").json()
    era = client.get("/api/measures/?fiscal_year=令和元年度&as_of=令和2年3月31日").json()
    heisei = client.get("/api/measures/?fiscal_year=平成31年度&as_of=2020/03/31").json()
    assert western == era == heisei
    assert [y["fiscal_year"] for y in western["results"][0]["years"]] == [2019]


def test_a_measure_filtered_by_evaluation_has_that_grade(client, published):
    body = client.get("/api/measures/?as_of=2021-03-31&evaluation=A&page_size=100").json()
    assert body["results"]
    for measure in body["results"]:
        assert "A" in [y["evaluation"] for y in measure["years"]]


@pytest.mark.parametrize(
    "url", ["/api/measures/?as_of=2021-03-31", "/api/progress-reports/", "/api/annual-targets/"]
)
def test_the_queries_do_not_grow_with_the_page_size(client, published, url, django_assert_num_queries):
    # The throttle's count made first: a count not yet kept also counts the table's size (a read
    # that misses, core.api_throttling.ThrottleCache).
    client.get(url)
    counts = []
    for size in (2, 5):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}{'&' if '?' in url else '?'}page_size={size}")
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_num_queries(counts[0]):
        client.get(f"{url}{'&' if '?' in url else '?'}page_size=5")


def test_updated_since_reads_the_change_history(client, published, secretariat):
    client.force_login(secretariat)
    assert _ids(client.get("/api/measures/?updated_since=2100-01-01")) == []
    assert _ids(client.get("/api/progress-reports/?updated_since=2100-01-01")) == []
    assert _ids(client.get("/api/progress-reports/?updated_since=2000-01-01"))


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/api/departments/", Department),
        ("/api/keywords/", Keyword),
        ("/api/technologies/", Technology),
        ("/api/bodies/", Body),
    ],
)
def test_updated_since_lists_the_rows_saved_since(client, published, secretariat, path, model):
    client.force_login(secretariat)
    row = model.objects.first()
    with time_machine.travel(datetime(2040, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))):
        row.save()
    assert _ids(client.get(f"{path}?updated_since=2040-07-01")) == [row.pk]
    assert _ids(client.get(path, {"updated_since": "2040-07-01T09:00:01+09:00"})) == []


def test_updated_since_lists_a_measure_whose_report_is_new(client, published, secretariat):
    client.force_login(secretariat)
    measure = Measure.objects.get(plan=published, number=2)
    with time_machine.travel(datetime(2040, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))):
        add_report(measure, 2021, date(2021, 12, 1), author=secretariat)
    assert _ids(client.get(f"/api/measures/?plan={published.pk}&updated_since=2040-07-01")) == [measure.pk]


# ---- Writes: the secretariat only -----------------------------------------------------------------------


def _new_report(measure, **extra):
    return {
        "measure": measure.pk,
        "fiscal_year": 2021,
        "as_of": "2021-12-01",
        "status": status("実施中").pk,
        "progress_percent": 60,
        "actual_value": "12.5",
        **extra,
    }


def test_the_secretariat_adds_a_report_and_the_server_records_the_author(client, plan, secretariat, manager):
    measure = Measure.objects.get(plan=plan, number=2)
    client.force_login(secretariat)
    response = client.post(
        "/api/progress-reports/", _new_report(measure, author=manager.pk), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert report.author == secretariat and response.json()["author_name"] == "事務局 太郎"
    assert report.actual_value == Decimal("12.5")
    again = client.post("/api/progress-reports/", _new_report(measure), content_type="application/json")
    assert again.status_code == 400
    assert "すでにあります" in again.content.decode()


def test_the_secretariat_withdraws_a_report_and_a_stale_version_is_refused(
    client, plan, secretariat, manager
):
    measure = Measure.objects.get(plan=plan, number=2)
    report = add_report(measure, 2021, date(2021, 12, 1), author=manager)
    client.force_login(secretariat)
    url = f"/api/progress-reports/{report.pk}/withdraw/"
    body = {"withdrawn_on": "2021-12-02", "withdrawal_reason": "入力の誤り", "version": report.version}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.withdrawn_by == secretariat and report.author == manager
    stale = client.post(url, body, content_type="application/json")
    assert stale.status_code == 409
    assert "先に変更したため保存できませんでした" in stale.json()["detail"]


def test_the_secretariat_changes_a_scheduled_item_through_the_admins_checks(client, seeded, secretariat):
    item = ScheduledItem.objects.filter(fiscal_year=2018, status="planned").first()
    day = date(item.calendar_year, item.planned_month, 1)
    client.force_login(secretariat)
    url = f"/api/scheduled-items/{item.pk}/"
    refused = client.patch(url, {"status": "held", "version": item.version}, content_type="application/json")
    assert refused.status_code == 400
    assert "実施日を入力してください" in refused.content.decode()
    changed = client.patch(
        url,
        {"status": "held", "actual_date": day.isoformat(), "version": item.version},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    item.refresh_from_db()
    assert item.status == "held" and item.version == 2
    assert item.history.latest().history_user == secretariat
    stale = client.patch(url, {"status": "cancelled", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert "先に変更しました。両方が変更した項目: 状況。" in stale.json()["detail"]
    assert stale.json()["conflicts"] == {"status": {"yours": "cancelled", "theirs": "held"}}
    missing = client.patch(url, {"subject": "版なし"}, content_type="application/json")
    assert missing.status_code == 400 and "version" in missing.json()["errors"]


def test_a_patch_over_a_newer_version_is_merged_field_by_field(client, seeded, secretariat):
    """Issue 21, item 2, on the API: a field only the other changed keeps their value, a field only
    this client changes takes its value; only a field both changed differently is a 409."""
    item = ScheduledItem.objects.filter(fiscal_year=2018, status="planned").first()
    client.force_login(secretariat)
    url = f"/api/scheduled-items/{item.pk}/"
    read = item.version
    first = client.patch(url, {"notes": "一人目のメモ", "version": read}, content_type="application/json")
    assert first.status_code == 200
    second = client.patch(url, {"subject": "二人目の議題", "version": read}, content_type="application/json")
    assert second.status_code == 200, second.content
    item.refresh_from_db()
    assert (item.notes, item.subject, item.version) == ("一人目のメモ", "二人目の議題", read + 2)
    # The same value as the other: no conflict either.
    same = client.patch(url, {"notes": "一人目のメモ", "version": read}, content_type="application/json")
    assert same.status_code == 200
    refused = client.patch(url, {"notes": "三人目のメモ", "version": read}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["conflicts"] == {"notes": {"yours": "三人目のメモ", "theirs": "一人目のメモ"}}
    item.refresh_from_db()
    assert item.notes == "一人目のメモ"


@pytest.mark.parametrize("role", ["anonymous", "council", "manager"])
def test_nobody_but_the_secretariat_writes(client, request, plan, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    measure = Measure.objects.get(plan=plan, number=2)
    report = ProgressReport.objects.filter(measure__plan=plan).first()
    item = ScheduledItem.objects.first()
    before = (ProgressReport.objects.count(), ProgressReport.objects.standing().count(), item.version)
    answers = [
        client.post("/api/progress-reports/", _new_report(measure), content_type="application/json"),
        client.post(
            f"/api/progress-reports/{report.pk}/withdraw/",
            {"withdrawn_on": "2021-12-02", "withdrawal_reason": "x", "version": report.version},
            content_type="application/json",
        ),
        client.patch(
            f"/api/scheduled-items/{item.pk}/",
            {"subject": "x", "version": 1},
            content_type="application/json",
        ),
    ]
    assert (
        [a.status_code for a in answers] == [403, 403, 403]
        if role != "anonymous"
        else all(a.status_code in (401, 403, 404) for a in answers)
    )
    item.refresh_from_db()
    assert (ProgressReport.objects.count(), ProgressReport.objects.standing().count(), item.version) == before


def test_a_system_signs_in_with_the_secretariats_token(client, plan, secretariat):
    token = Token.objects.create(user=secretariat)
    measure = Measure.objects.get(plan=plan, number=3)
    response = client.post(
        "/api/progress-reports/",
        _new_report(measure),
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )
    assert response.status_code == 201, response.content
    assert ProgressReport.objects.get(pk=response.json()["id"]).author == secretariat
    assert client.get("/api/plans/", headers={"Authorization": "Token wrong"}).status_code in (401, 403)


# ---- Bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/measures/?as_of=2020-13-45", "as_of"),
        ("/api/measures/?as_of=0001-01-01", "as_of"),
        ("/api/measures/?fiscal_year=来年度", "fiscal_year"),
        ("/api/measures/?fiscal_year=2030", "fiscal_year"),
        ("/api/measures/?status=abc", "status"),
        ("/api/measures/?evaluation=Z", "evaluation"),
        ("/api/measures/?plan=99999999999999999999", "plan"),
        ("/api/measures/?updated_since=yesterday", "updated_since"),
        ("/api/measures/?page=999", "page"),
        ("/api/measures/?ordering=secret", "ordering"),
        ("/api/plans/?page_size=abc", "page_size"),
        ("/api/progress-reports/?cursor=zzz", "cursor"),
        ("/api/progress-reports/?fiscal_year=abc", "fiscal_year"),
        ("/api/progress-reports/?reported_until=令和99年1月1日", "reported_until"),
        ("/api/scheduled-items/?held_until=2019-02-30", "held_until"),
        ("/api/progress-reports/?standing=maybe", "standing"),
        ("/api/plans/?published=yes", "published"),
        ("/api/scheduled-items/?status=done", "status"),
        ("/api/annual-targets/?measure=x", "measure"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(client, superuser, demo, url, parameter):
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert parameter in response.json()["errors"], response.json()


@pytest.mark.parametrize(
    ("url", "parameter", "typed"),
    [
        ("/api/measures/?fiscal_year=%25s", "fiscal_year", "%s"),
        ("/api/progress-reports/?fiscal_year=50%25", "fiscal_year", "50%"),
        ("/api/measures/?as_of=%25(x)s", "as_of", None),
    ],
)
def test_a_bad_filter_with_a_percent_sign_is_a_400_that_repeats_it(
    client, superuser, demo, url, parameter, typed
):
    """django-filter formats each message with its parameters, even when it has none: a message
    that repeats what was typed (「%s」は年度として…) once made that a 500."""
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 400, response.content
    messages = response.json()["errors"][parameter]
    assert typed is None or any(f"「{typed}」" in message for message in messages), messages


def test_a_bad_id_in_the_path_is_a_404(client, superuser, seeded):
    client.force_login(superuser)
    for url in ("/api/measures/abc/", "/api/plans/99999999999999999999/", "/api/scheduled-items/0/"):
        assert client.get(url).status_code == 404, url


def test_the_cursor_pages_through_every_report_once(client, superuser, demo):
    client.force_login(superuser)
    seen, url = [], "/api/progress-reports/?page_size=7"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(ProgressReport.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def test_the_schema_describes_the_fields_in_japanese(client, seeded):
    schema = client.get("/api/schema/?format=json").json()
    report = schema["components"]["schemas"]["ProgressReport"]["properties"]
    assert report["as_of"]["description"] == "報告基準日"
    assert "Token" in str(schema["components"]["securitySchemes"])
    assert Plan._meta.get_field("published").verbose_name in str(schema)
