"""The home page: login first, then the plan's progress at a glance and what the user's role can use."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import fiscal
from measures.models import Keyword, Measure, ProgressReport, ProgressStatus
from schedule.models import Body, ScheduledItem

from .conftest import count_queries
from .factories import add_report, add_target, make_measure, make_plan, seed_plan
from .page_text import parse

pytestmark = pytest.mark.usefixtures("seeded")


def test_an_anonymous_visitor_is_sent_to_a_japanese_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="ja">' in page
    assert "ログイン" in page and "ユーザー名" in page and "パスワード" in page


def test_a_wrong_password_gets_a_japanese_message(client, council):
    response = client.post(reverse("login"), {"username": "giin", "password": "wrong"})
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません。" in response.content.decode()


def test_after_sign_in_the_home_page_shows_the_plan_and_its_purposes(client, council):
    response = client.post(reverse("login"), {"username": "giin", "password": "pw-giin"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "文京区官民データ活用推進計画" in page
    assert "令和元年度(2019年度)〜令和3年度(2021年度)" in page
    for code in ("ア", "イ", "ウ"):
        assert f'<span class="purpose-code">{code}</span>' in page
    assert "カタログサイト" in page and "マイナポータル" in page
    assert "議会 次郎(議会)" in page


def test_the_secretariat_gets_a_link_to_the_admin_and_the_council_does_not(client, secretariat, council):
    client.force_login(secretariat)
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.force_login(council)
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_the_site_loads_nothing_from_outside_the_server(client, council):
    client.force_login(council)
    page = client.get("/").content.decode()
    assert "http://" not in page and "https://" not in page and "//cdn" not in page


def _facts(page) -> dict[str, str]:
    facts = parse(page).find("dl", cls="facts")
    terms = [e.text for e in facts.find_all("dt")]
    return dict(zip(terms, [e.text for e in facts.find_all("dd")], strict=True))


def test_the_seed_plan_is_being_drafted(client, council):
    client.force_login(council)
    facts = _facts(client.get("/").content.decode())
    assert facts["策定状況"] == "策定中"
    assert "策定日" not in facts


def test_the_demo_plan_is_adopted_with_its_date(client, council, demo):
    client.force_login(council)
    facts = _facts(client.get("/").content.decode())
    assert facts["策定状況"] == "策定済"
    assert facts["策定日"] == "平成31年3月29日(2019年3月29日)"


# ---- Progress at a glance ---------------------------------------------------------------------
#
# The home page counts each measure once, by its latest standing report in one fiscal year: the
# current one, or, when today is outside the plan (the ward's plan ended with FY2021), the plan's
# last year that has reports. It then says what changed since the last report to the council and
# which meetings come next, and links to the pages the role may open.

# FY2021 on the seed plan's measures: (number, status, target value, actual value, the seed
# scale's grade for actual ÷ target). Measure 5 has no FY2021 report.
FY2021 = [
    (1, "完了", 100, 100, "A"),
    (2, "実施中", 100, 85, "B"),
    (3, "実施中", 100, 30, "D"),
    (4, "遅延", None, None, "−"),
]


def _report_fy2021():
    """FY2021 as in the table above, with reports that must not count: an older one (superseded),
    another year's (measure 5, FY2020) and a withdrawn one (measure 5, FY2021)."""
    for number, status_name, target, actual, _ in FY2021:
        measure = Measure.objects.get(number=number)
        if target is not None:
            add_target(measure, 2021, target)
        add_report(measure, 2021, date(2021, 6, 30), status_name="未着手", progress=0)
        add_report(measure, 2021, date(2022, 3, 31), status_name=status_name, progress=60, actual=actual)
    fifth = Measure.objects.get(number=5)
    add_report(fifth, 2020, date(2021, 3, 31), status_name="完了", progress=100)
    withdrawn = add_report(fifth, 2021, date(2021, 9, 30), status_name="完了", progress=100)
    ProgressReport.objects.filter(pk=withdrawn.pk).update(
        withdrawn_on=date(2021, 10, 1), withdrawal_reason="誤入力"
    )


def _table(table) -> dict[str, str]:
    """A one-row table as {column heading: cell}."""
    headings = [th.text for th in table.find("thead").find_all("th")]
    (row,) = table.find("tbody").find_all("tr")
    return dict(zip(headings, [cell.text for cell in row.cells()], strict=True))


def _captioned(section, caption: str):
    return next(t for t in section.find_all("table") if t.find("caption").text == caption)


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return parse(response.content.decode())


def test_each_role_sees_the_latest_years_counts_by_status_and_grade(client, secretariat, manager, council):
    _report_fy2021()
    statuses = Counter(status_name for _, status_name, *_ in FY2021)
    grades = Counter(grade for *_, grade in FY2021)
    unreported = Measure.objects.filter(plan=seed_plan()).count() - len(FY2021)
    for user in (secretariat, manager, council):
        progress = _home(client, user).find("section", id="progress")
        by_status = _table(_captioned(progress, "進捗状況別の施策数"))
        assert by_status == {
            **{
                f"{s.symbol} {s.name}": f"{statuses[s.name]}件"
                for s in ProgressStatus.objects.order_by("order")
            },
            "報告なし": f"{unreported}件",
            "計": "5件",
        }
        by_grade = _table(_captioned(progress, "評価別の施策数"))
        scale = seed_plan().evaluation_scale.grades.order_by("order")
        assert by_grade == {
            **{f"{g.code} {g.label}": f"{grades[g.code]}件" for g in scale},
            "報告なし": f"{unreported}件",
            "計": "5件",
        }


def test_the_figures_say_which_year_and_date_they_are_for(client, council):
    _report_fy2021()
    progress = _home(client, council).find("section", id="progress")
    today = timezone.localdate()
    assert progress.find("h2").text == "令和3年度(2021年度)の進捗状況"
    text = progress.text
    assert f"{fiscal.wareki_date_with_western(today)}現在" in text
    assert "最新の報告基準日: 令和4年3月31日(2022年3月31日)" in text
    this_year = fiscal.fiscal_year_label(fiscal.fiscal_year_of(today))
    assert (
        f"今年度({this_year})は計画期間(令和元年度(2019年度)〜令和3年度(2021年度))の外のため、"
        "進捗報告のある最後の年度を表示しています。"
    ) in text


def test_in_a_plan_that_covers_this_year_the_figures_are_this_years(client, council):
    today = timezone.localdate()
    year = fiscal.fiscal_year_of(today)
    plan = make_plan(name="次期計画", first=year - 1, last=year + 1)
    measure = make_measure(plan=plan, number=1, title="次期計画の施策")
    make_measure(plan=plan, number=2, title="報告のない施策")
    add_report(measure, year - 1, date(year - 1, 9, 30), status_name="完了", progress=100)
    add_report(measure, year, today, status_name="遅延", progress=10)
    page = _home(client, council)
    assert page.find("h1").text == "次期計画"
    progress = page.find("section", id="progress")
    assert progress.find("h2").text == f"{fiscal.fiscal_year_label(year)}の進捗状況"
    assert "計画期間の外" not in progress.text
    by_status = _table(_captioned(progress, "進捗状況別の施策数"))
    assert (by_status["△ 遅延"], by_status["◎ 完了"], by_status["報告なし"]) == ("1件", "0件", "1件")


def test_each_purpose_shows_its_number_of_measures_and_their_statuses(client, manager):
    _report_fy2021()
    statuses = {number: status_name for number, status_name, *_ in FY2021}
    purposes = _home(client, manager).find("section", id="purposes")
    headings = [th.text for th in purposes.find("thead").find_all("th")]
    rows = {
        row.find("th").find("span", cls="purpose-code").text: row
        for row in purposes.find("tbody").find_all("tr")
    }
    assert set(rows) == {"ア", "イ", "ウ"}
    for purpose in seed_plan().purposes.all():
        cells = dict(zip(headings[1:], [c.text for c in rows[purpose.code].cells()[1:]], strict=False))
        measures = list(purpose.measures.values_list("number", flat=True))
        assert cells["施策数"] == f"{len(measures)}件"
        counted = Counter(statuses.get(number, "報告なし") for number in measures)
        for s in ProgressStatus.objects.all():
            assert cells[f"{s.symbol} {s.name}"] == f"{counted[s.name]}件"
        assert cells["報告なし"] == f"{counted['報告なし']}件"


def test_the_home_page_no_longer_lists_every_measure(client, council):
    page = _home(client, council)
    keywords = set(Keyword.objects.values_list("name", flat=True))  # one title is a keyword too
    titles = set(Measure.objects.values_list("title", flat=True)) - keywords
    assert titles
    for title in titles:
        assert title not in page.text


# ---- What changed since the last report to the council ----------------------------------------


def _item(body_kind, kind, *, on: date, status, planned=None, actual=None, subject="進捗状況の報告"):
    """An item of ``on``'s fiscal year and month, saved as the admin saves it."""
    item = ScheduledItem(
        body=Body.objects.get(kind=body_kind),
        kind=kind,
        fiscal_year=fiscal.fiscal_year_of(on),
        planned_month=on.month,
        planned_date=planned,
        actual_date=actual,
        status=status,
        subject=subject,
    )
    item.full_clean()
    item.save()
    return item


def _held(body_kind, kind, on: date, subject="進捗状況の報告"):
    return _item(body_kind, kind, on=on, status=ScheduledItem.Status.HELD, actual=on, subject=subject)


def _planned(body_kind, kind, on: date, *, dated=True, subject="進捗状況の報告"):
    return _item(
        body_kind,
        kind,
        on=on,
        status=ScheduledItem.Status.PLANNED,
        planned=on if dated else None,
        subject=subject,
    )


COUNCIL, REPORT = Body.Kind.COUNCIL, ScheduledItem.Kind.REPORT


def test_the_changes_since_the_last_council_report_are_listed(client, council):
    first, second, third = (Measure.objects.get(number=n) for n in (1, 2, 3))
    add_report(first, 2021, date(2021, 9, 30), status_name="実施中", progress=50)
    add_report(second, 2021, date(2021, 9, 30), status_name="実施中", progress=40)
    _held(COUNCIL, REPORT, date(2021, 6, 15), subject="前々回の報告")
    _held(COUNCIL, REPORT, date(2021, 12, 10), subject="令和3年度上半期の進捗")
    _held(Body.Kind.EXECUTIVE, REPORT, date(2022, 2, 15))  # a later report, but not to the council
    _held(COUNCIL, ScheduledItem.Kind.MEETING, date(2022, 2, 16))  # a council meeting, not a report
    add_report(first, 2021, date(2022, 3, 31), status_name="完了", progress=100)
    add_report(third, 2021, date(2022, 1, 31), status_name="実施中", progress=20)

    changes = _home(client, council).find("section", id="changes")
    assert "前回の議会報告: 令和3年12月10日(2021年12月10日) 「令和3年度上半期の進捗」" in changes.text
    assert "進捗状況・評価・進捗率のいずれかが変わった施策・年度: 2件" in changes.text
    rows = changes.find("tbody").find_all("tr")
    assert [row.find("th").text for row in rows] == [f"施策{m.number} {m.title}" for m in (first, third)]
    assert [row.cells()[2].text for row in rows] == ["変更 ○ 実施中 → ◎ 完了", "変更 報告なし → ○ 実施中"]
    assert second.title not in changes.text
    link = changes.find("a", href="/reports/print/?since=2021-12-10")
    assert link.text == "変更点を印刷用ページで見る"


def test_the_changes_are_those_the_printed_page_lists_for_the_same_day(client, council):
    first, second, third = (Measure.objects.get(number=n) for n in (1, 2, 3))
    add_report(first, 2020, date(2020, 9, 30), status_name="実施中", progress=50)
    add_report(third, 2019, date(2020, 3, 31), status_name="完了", progress=100)
    _held(COUNCIL, REPORT, date(2021, 2, 15))
    add_report(first, 2020, date(2021, 3, 31), status_name="完了", progress=100)  # last year's result
    add_report(second, 2021, date(2021, 9, 30), status_name="実施中", progress=30)  # this year's first

    def changed(section):
        return [
            (row.attrs["data-measure"], row.attrs["data-year"])
            for body in section.find_all("tbody")
            for row in body.find_all("tr")
            if "data-measure" in row.attrs
        ]

    home = _home(client, council).find("section", id="changes")
    printed = parse(client.get("/reports/print/?since=2021-02-15").content.decode())
    assert changed(home) == changed(printed.find("section", cls="report-changes"))
    assert set(changed(home)) == {(str(first.pk), "2020"), (str(second.pk), "2021")}
    assert "変わった施策・年度: 2件" in home.text


def test_a_withdrawal_after_the_council_report_is_a_change_as_on_the_printed_page(
    client, council, secretariat
):
    from measures.services import progress_report_withdraw

    first = Measure.objects.get(number=1)
    report = add_report(first, 2020, date(2020, 9, 30), status_name="実施中", progress=50)
    _held(COUNCIL, REPORT, date(2021, 2, 15))
    # No report dated after the council report: only the withdrawal changes what stands.
    progress_report_withdraw(
        report=report, withdrawn_on=date(2021, 3, 1), reason="誤入力", by=secretariat, loaded_version=1
    )

    def changed(section):
        return [
            (row.attrs["data-measure"], row.attrs["data-year"])
            for body in section.find_all("tbody")
            for row in body.find_all("tr")
            if "data-measure" in row.attrs
        ]

    home = _home(client, council).find("section", id="changes")
    printed = parse(client.get("/reports/print/?since=2021-02-15").content.decode())
    assert (
        changed(home) == changed(printed.find("section", cls="report-changes")) == [(str(first.pk), "2020")]
    )


def test_when_nothing_changed_since_the_council_report_the_page_says_so(client, council):
    add_report(Measure.objects.get(number=1), 2021, date(2021, 9, 30), status_name="実施中", progress=50)
    _held(COUNCIL, REPORT, date(2021, 12, 10))
    changes = _home(client, council).find("section", id="changes")
    assert "変わった施策・年度: 0件" in changes.text
    assert not changes.find_all("table") and not changes.find_all("a")


def test_without_a_council_report_held_the_page_says_so(client, council):
    _item(COUNCIL, REPORT, on=date(2021, 12, 10), status=ScheduledItem.Status.CANCELLED)
    changes = _home(client, council).find("section", id="changes")
    assert "実施済の議会報告がまだ記録されていないため、比べる日がありません。" in changes.text
    assert not changes.find_all("table")


def test_a_long_list_of_changes_shows_the_first_ten_and_links_to_the_rest(client, council):
    _held(COUNCIL, REPORT, date(2021, 12, 10))
    plan = seed_plan()
    for number in range(6, 31):
        make_measure(plan=plan, number=number, title=f"追加の施策{number}")
    for measure in Measure.objects.filter(plan=plan):
        add_report(measure, 2021, date(2022, 3, 31), status_name="実施中", progress=50)
    changes = _home(client, council).find("section", id="changes")
    assert "変わった施策・年度: 30件" in changes.text
    assert len(changes.find("tbody").find_all("tr")) == 10
    assert "ほか20件は印刷用ページで見られます。" in changes.text


# ---- The next meetings -------------------------------------------------------------------------


def _months_ahead(day: date, months: int) -> tuple[int, int]:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return year, month + 1


def test_the_next_meetings_are_listed_soonest_first(client, council):
    today = timezone.localdate()
    soon = today + timedelta(days=10)
    last_month = today.replace(day=1) - timedelta(days=1)
    _item(
        Body.Kind.COMMITTEE,
        ScheduledItem.Kind.MEETING,
        on=last_month,
        status=ScheduledItem.Status.POSTPONED,
        actual=soon,  # the new date of a postponed meeting
        subject="延期した委員会",
    )
    year, month = _months_ahead(today, 1)
    _planned(Body.Kind.SUBCOMMITTEE, ScheduledItem.Kind.MEETING, date(year, month, 15), subject="部会")
    year2, month2 = _months_ahead(today, 2)
    undated = _planned(COUNCIL, REPORT, date(year2, month2, 1), dated=False, subject="議会への報告")
    _item(Body.Kind.COMMITTEE, ScheduledItem.Kind.MEETING, on=date(year, month, 20), status="cancelled")
    _planned(Body.Kind.COMMITTEE, ScheduledItem.Kind.MEETING, today - timedelta(days=1), subject="昨日の予定")

    meetings = _home(client, council).find("section", id="meetings")
    rows = meetings.find("tbody").find_all("tr")
    assert [row.cells()[2].text for row in rows] == ["延期した委員会", "部会", "議会への報告"]
    assert rows[0].cells()[0].text == f"{fiscal.wareki_date_with_western(soon)}(延期)"
    assert rows[1].cells()[0].text == fiscal.wareki_date_with_western(date(year, month, 15))
    assert rows[2].cells()[0].text == f"{fiscal.fiscal_year_label(undated.fiscal_year)} {month2}月(日は未定)"
    assert [row.cells()[1].text for row in rows] == [
        "IT・情報セキュリティ委員会(会議)",
        "IT・情報セキュリティ部会(会議)",
        "議会報告(報告)",
    ]


def test_without_meetings_ahead_the_page_says_so(client, council):
    # The seed's schedule is FY2018's: every item is in the past.
    meetings = _home(client, council).find("section", id="meetings")
    assert "予定されている会議はありません。" in meetings.text


def test_the_secretariat_is_told_of_past_items_still_marked_planned(client, secretariat, council):
    # The seed's FY2018 items are all still 予定; one is cancelled, another postponed to a day past.
    items = ScheduledItem.objects.filter(fiscal_year=2018)
    cancelled, postponed = items[0], items[1]
    cancelled.status = ScheduledItem.Status.CANCELLED
    cancelled.save()
    postponed.status, postponed.actual_date = ScheduledItem.Status.POSTPONED, date(2019, 3, 1)
    postponed.save()
    overdue = items.count() - 1
    meetings = _home(client, secretariat).find("section", id="meetings")
    assert f"日付が過ぎても「予定」か「延期」のままの会議・報告が{overdue}件あります。" in meetings.text
    assert "のままの会議・報告" not in _home(client, council).find("section", id="meetings").text


def test_after_make_run_nothing_is_overdue_and_the_changes_count_from_the_demos_last_council_report(
    client, secretariat, demo
):
    # The demo's plan is 策定済 and its FY2018 schedule held (load_plan --demo), the last step being
    # the report of the final draft to the council in February 2019.
    page = _home(client, secretariat)
    assert "のままの会議・報告" not in page.find("section", id="meetings").text
    changes = page.find("section", id="changes")
    assert "前回の議会報告: 平成31年2月19日(2019年2月19日) 「計画の最終案について」" in changes.text
    assert "変わった施策・年度: 15件" in changes.text, "every demo report came after it"


# ---- Links: only the pages the role may open ---------------------------------------------------


EXCEL, ADMIN, TIMELINE = ("/reports/", "/reports/progress.xlsx"), ("/admin/",), ("/timeline/",)


@pytest.mark.parametrize(
    ("role", "expected", "closed"),
    [
        ("council", ["/reports/print/?fiscal_year=2021", "/schedule/"], EXCEL + ADMIN + TIMELINE),
        (
            "manager",
            ["/reports/print/?fiscal_year=2021", "/reports/progress.xlsx?fiscal_year=2021", "/schedule/"],
            ADMIN + TIMELINE,
        ),
        (
            "secretariat",
            [
                "/reports/print/?fiscal_year=2021",
                "/reports/progress.xlsx?fiscal_year=2021",
                "/admin/measures/progressreport/?fiscal_year=2021",
                "/admin/schedule/scheduleditem/",
            ],
            (),
        ),
    ],
)
def test_a_role_sees_links_to_the_detailed_pages_it_may_open_and_no_others(
    request, client, role, expected, closed, demo
):
    user = request.getfixturevalue(role)
    _held(COUNCIL, REPORT, date(2021, 12, 10))
    year, month = _months_ahead(timezone.localdate(), 1)
    _planned(COUNCIL, REPORT, date(year, month, 15))
    page = _home(client, user)
    hrefs = {a.attrs["href"] for a in page.find_all("a")}
    for href in expected:
        assert href in hrefs, f"{role} lacks {href}"
    for href in hrefs:
        path = href.split("?")[0]
        assert not any(path == c or (c == "/admin/" and path.startswith(c)) for c in closed), (
            f"{role} sees a link to {href}"
        )
    for href in sorted(hrefs):
        assert client.get(href).status_code == 200, f"{role} cannot open {href}"


def test_a_signed_in_user_without_a_role_sees_the_plan_and_no_progress(client, django_user_model):
    user = django_user_model.objects.create_user(username="norole", password="pw-norole")
    page = _home(client, user)
    assert page.find("h1").text == "文京区官民データ活用推進計画"
    assert not page.find_all("section", id="progress")
    assert not page.find_all("section", id="meetings")
    assert "このアカウントには利用できる機能がありません。" in page.text


# ---- Size: a summary at a fixed number of queries ----------------------------------------------


def _measures_up_to(last: int) -> None:
    """The seed plan grown to ``last`` measures, each new one with a target and reports either
    side of the council report of 2021-12-10."""
    plan = seed_plan()
    for number in range(Measure.objects.filter(plan=plan).count() + 1, last + 1):
        make_measure(plan=plan, number=number, title=f"追加の施策{number}", departments=["情報政策課"])
    for measure in Measure.objects.filter(plan=plan, annual_targets__isnull=True):
        add_target(measure, 2021, 100)
        add_report(measure, 2021, date(2021, 9, 30), status_name="実施中", progress=50, actual=40)
        add_report(measure, 2021, date(2022, 3, 31), status_name="完了", progress=100, actual=100)


@pytest.mark.parametrize("role", ["secretariat", "manager", "council"])
def test_the_queries_do_not_grow_with_the_number_of_measures(request, client, role):
    client.force_login(request.getfixturevalue(role))
    _held(COUNCIL, REPORT, date(2021, 12, 10))
    year, month = _months_ahead(timezone.localdate(), 1)
    _planned(COUNCIL, REPORT, date(year, month, 15))
    _measures_up_to(3)
    few = count_queries(client, "/")
    _measures_up_to(30)
    assert Measure.objects.count() == 30
    assert count_queries(client, "/") == few
