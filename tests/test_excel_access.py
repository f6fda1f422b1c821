"""Who may download the workbook, how it arrives, and what a wrong query string gets instead."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote, unquote

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.clock import today
from core.xlsx import XLSX_CONTENT_TYPE
from measures.models import Measure

from .excel import open_workbook, values
from .factories import make_measure, make_plan, seed_plan

pytestmark = pytest.mark.usefixtures("demo")

PAGE = reverse("reports:index")
XLSX = reverse("reports:progress_xlsx")


def _download(client, user, query=""):
    client.force_login(user)
    response = client.get(f"{XLSX}?{query}")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


@pytest.mark.parametrize("url", [PAGE, XLSX])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [PAGE, XLSX])
def test_council_members_are_refused(client, council, url):
    client.force_login(council)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["manager", "secretariat", "superuser"])
def test_managers_and_the_secretariat_see_the_japanese_filter_form(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("計画", "基準日", "計画の目的", "所管課", "施策のキーワード", "年度", "進捗状況"):
        assert f">{label}</label>" in page
    assert "Excelをダウンロード" in page
    assert f'action="{XLSX}"' in page
    assert f"この条件の施策: {seed_plan().measures.count()}件" in page
    assert "https://" not in page and "http://" not in page, "nothing from outside the server"


@pytest.mark.parametrize("persona", ["manager", "secretariat"])
def test_managers_and_the_secretariat_download_the_workbook_named_after_the_date(client, request, persona):
    response, content = _download(client, request.getfixturevalue(persona), "as_of=2020-03-31")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="progress_2020-03-31.xlsx"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert encoded == quote("進捗状況_2020-03-31.xlsx") and unquote(encoded) == "進捗状況_2020-03-31.xlsx"
    assert disposition.encode("ascii")  # a header must be ASCII
    workbook = open_workbook(content)
    assert workbook.sheetnames == [
        "概要",
        "施策別進捗",
        "令和元年度(2019年度)",
        "令和2年度(2020年度)",
        "令和3年度(2021年度)",
        "策定スケジュール",
        "進捗履歴",
    ]
    facts = {row[0]: row[1] for row in values(workbook["概要"]) if len(row) >= 2}
    assert facts["基準日"] == "令和2年3月31日(2020年3月31日)"


def test_without_a_date_the_file_of_an_ended_plan_is_as_of_its_last_day(client, manager):
    # The demo plan ended on 2022-03-31, its latest report is dated that day, and today is later.
    assert today() > date(2022, 3, 31)
    response, content = _download(client, manager)
    assert "progress_2022-03-31.xlsx" in response["Content-Disposition"]
    rows = [r for r in values(open_workbook(content)["施策別進捗"])[2:] if r]
    assert len(rows) == seed_plan().measures.count()


def test_the_download_honours_the_same_query_string_as_the_page(client, manager):
    measure = Measure.objects.get(number=3)
    department = measure.departments.get()
    _, content = _download(client, manager, f"as_of=2021-03-31&department={department.pk}")
    rows = [r for r in values(open_workbook(content)["施策別進捗"])[2:] if r]
    assert [r[2] for r in rows] == [m.title for m in Measure.objects.filter(departments=department)]


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("as_of=2020-02-30", "基準日", "日付を正しく入力してください"),
        ("as_of=yesterday", "基準日", "日付を正しく入力してください"),
        ("as_of=0001-01-01", "基準日", "1989年から2100年まで"),
        ("plan=999", "計画", "指定された計画は登録されていません"),
        ("plan=abc", "計画", "指定された計画は登録されていません"),
        ("plan=99999999999999999999999", "計画", "指定された計画は登録されていません"),
        ("fiscal_year=2030", "年度", "計画期間"),
        ("fiscal_year=来年", "年度", "年度として読み取れません"),
        ("purpose=0", "計画の目的", "正しく選択してください"),
        ("department=x", "所管課", "正しく選択してください"),
        ("keyword=1.5", "施策のキーワード", "正しく選択してください"),
        ("status=-1", "進捗状況", "正しく選択してください"),
    ],
)
def test_a_wrong_parameter_gets_400_and_the_form_with_the_reason(client, manager, query, field, message):
    response, content = _download(client, manager, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = content.decode()
    assert "条件に誤りがあります" in page
    assert f"<strong>{field}</strong>: " in page and message in page
    assert 'class="has-error"' in page or "has-error" in page


def test_each_error_and_help_text_is_tied_to_its_field_for_screen_readers(client, manager):
    _, content = _download(client, manager, "as_of=2020-02-30")
    page = content.decode()
    described = re.search(r'<input[^>]*name="as_of"[^>]*>', page).group(0)
    for target in re.search(r'aria-describedby="([^"]+)"', described).group(1).split():
        assert f'id="{target}"' in page, target


def test_a_purpose_of_another_plan_is_refused(client, manager):
    other = make_plan(name="次期計画", first=2022, last=2024)
    purpose = other.purposes.create(code="ア", text="次期の目的", order=1)
    response, content = _download(client, manager, f"plan={seed_plan().pk}&purpose={purpose.pk}")
    assert response.status_code == 400
    assert "選んだ目的はこの計画のものではありません" in content.decode()


def test_the_page_itself_shows_errors_in_place_of_a_count(client, manager):
    client.force_login(manager)
    response = client.get(PAGE, {"as_of": "2020-13-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "日付を正しく入力してください" in page and "この条件の施策" not in page


def test_the_report_is_read_only(client, manager):
    client.force_login(manager)
    assert client.post(XLSX).status_code == 405
    assert client.post(PAGE).status_code == 405


def test_the_home_page_links_managers_to_the_report(client, manager, council):
    client.force_login(manager)
    assert f'href="{PAGE}"' in client.get(reverse("home")).content.decode()
    client.force_login(council)
    assert f'href="{PAGE}"' not in client.get(reverse("home")).content.decode()


CHANGELIST = reverse("admin:measures_measure_changelist")
ACTION_LABEL = "選択した施策の進捗をExcelで出力"


def test_the_secretariat_exports_the_measures_it_selects_from_the_admin(client, secretariat):
    client.force_login(secretariat)
    assert ACTION_LABEL in client.get(CHANGELIST).content.decode()
    chosen = list(Measure.objects.filter(number__in=[2, 4]).order_by("number"))
    response = client.post(
        CHANGELIST, {"action": "export_progress", "_selected_action": [m.pk for m in chosen]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = open_workbook(b"".join(response.streaming_content))
    rows = [r for r in values(workbook["施策別進捗"])[2:] if r]
    assert sorted(r[2] for r in rows) == sorted(m.title for m in chosen)
    facts = {row[0]: row[1] for row in values(workbook["概要"]) if len(row) >= 2}
    assert "選択した施策: 2件" in facts["絞り込み条件"]
    assert {r[2] for r in values(workbook["進捗履歴"])[1:]} == {m.title for m in chosen}


def test_measures_of_two_plans_are_not_exported_together(client, secretariat):
    other = make_plan(name="次期計画", first=2022, last=2024)
    stray = make_measure(plan=other, number=1, title="次期の施策")
    client.force_login(secretariat)
    response = client.post(
        CHANGELIST,
        {
            "action": "export_progress",
            "_selected_action": [Measure.objects.get(number=1, plan=seed_plan()).pk, stray.pk],
        },
        follow=True,
    )
    assert response["Content-Type"].startswith("text/html")
    assert "1つの計画の施策だけです" in response.content.decode()


def test_staff_without_the_export_permission_do_not_get_the_action(client, django_user_model):
    clerk = django_user_model.objects.create_user(username="clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_measure"), Permission.objects.get(codename="change_measure")
    )
    client.force_login(clerk)
    page = client.get(CHANGELIST).content.decode()
    assert Measure.objects.get(number=1).title in page  # the list itself is shown
    assert ACTION_LABEL not in page
    response = client.post(
        CHANGELIST,
        {"action": "export_progress", "_selected_action": [Measure.objects.first().pk]},
    )
    assert response.get("Content-Type", "").startswith("text/html")


def test_an_early_date_lists_only_the_reports_made_by_then(client, manager):
    _, content = _download(client, manager, "as_of=2019-09-30")
    history = values(open_workbook(content)["進捗履歴"])[1:]
    assert {r[0].date() for r in history} == {date(2019, 9, 30)}


@pytest.mark.parametrize("url", [PAGE, XLSX, reverse("reports:print")])
def test_the_page_the_workbook_and_the_print_page_refuse_a_bad_filter_alike(client, secretariat, url):
    """One bookmarked query string, one answer: 400 and the reason on the page, wherever it is opened."""
    client.force_login(secretariat)
    response = client.get(url, {"as_of": "bad"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "<strong>基準日</strong>: 日付を正しく入力してください。" in response.content.decode()


def test_the_page_describes_every_sheet_the_workbook_holds(client, manager):
    """「ファイルの内容」 names each sheet of the file it offers, the year sheets as one entry."""
    from .page_text import parse

    response, content = _download(client, manager)
    sheets = open_workbook(content).sheetnames
    listed = [
        dt.text
        for dt in parse(client.get(PAGE).content).find("section", cls="workbook-contents").find_all("dt")
    ]
    year_sheets = [name for name in sheets if re.fullmatch(r"(令和|平成)\S+年度\(\d{4}年度\)", name)]
    assert year_sheets, sheets
    assert listed == [
        name if name not in year_sheets else "年度ごとのシート"
        for name in sheets
        if name not in year_sheets[1:]
    ]
