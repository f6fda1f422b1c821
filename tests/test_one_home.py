"""One rule in one place, seen the same way in every output: names, the grade legend, the author, the Excel action."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from core.users import display_name, display_name_of
from measures.admin import MeasureAdmin
from measures.models import Measure

from .excel import export_workbook, values
from .factories import add_report
from .page_text import parse

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def yamada(role_groups, django_user_model):
    """A member of the secretariat with a family and a given name, as the admin records them."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="yamada", password="pw-yamada", is_staff=True, last_name="山田", first_name="太郎"
    )
    user.groups.add(Group.objects.get(name="事務局"))
    return user


def test_a_name_is_family_name_first_and_falls_back_to_the_user_name(django_user_model):
    assert display_name_of(username="yamada", last_name="山田", first_name="太郎") == "山田 太郎"
    assert display_name_of(username="yamada", last_name="山田") == "山田"
    assert display_name_of(username="yamada", first_name="太郎") == "太郎"
    assert display_name_of(username="yamada") == "yamada"
    assert display_name(None) == ""
    user = django_user_model(username="suzuki", last_name="鈴木", first_name="花子")
    assert display_name(user) == "鈴木 花子"


def test_the_printed_page_the_workbook_and_the_timeline_name_the_author_alike(
    client, yamada, manager, council
):
    measure = Measure.objects.get(number=1)
    add_report(measure, 2021, date(2021, 4, 30), progress=10, narrative="山田さんの報告", author=yamada)

    history = values(export_workbook({"as_of": "2021-04-30"})["進捗履歴"])
    row = next(r for r in history if "山田さんの報告" in r)
    assert row[-1] == "山田 太郎"

    client.force_login(council)
    url = reverse("reports:print_measure", args=[measure.pk]) + "?as_of=2021-04-30"
    page = parse(client.get(url).content.decode())
    assert "山田 太郎" in page.text

    client.force_login(yamada)
    measure.description = "説明を更新"
    measure._history_user = yamada  # as the admin records who saved (django-simple-history)
    measure.save()
    timeline = client.get(reverse("timeline")).content.decode()
    assert "山田 太郎" in timeline
    assert "太郎 山田" not in timeline


def test_the_workbook_legend_reads_as_the_printed_page_does(client, council):
    legend = [row for row in values(export_workbook()["概要"]) if row and row[0] == "評価"]
    assert [(row[1], row[2]) for row in legend] == [
        ("A", "目標達成(達成率100%以上)"),
        ("B", "おおむね達成(達成率80%以上100%未満)"),
        ("C", "一部達成(達成率50%以上80%未満)"),
        ("D", "未達成(達成率50%未満)"),
        ("−", "評価不能(目標値または実績値がない)"),
    ]
    client.force_login(council)
    page = parse(client.get(reverse("reports:print")).content.decode())
    for code, meaning in ((row[1], row[2]) for row in legend):
        assert f"{code} {meaning}" in page.text


def test_withdrawing_a_report_keeps_its_author(client, secretariat, yamada):
    measure = Measure.objects.get(number=2)
    by_yamada = add_report(measure, 2021, date(2021, 6, 30), progress=20, author=yamada)
    by_nobody = add_report(measure, 2021, date(2021, 7, 31), progress=30)
    client.force_login(secretariat)
    for report in (by_yamada, by_nobody):
        data = {
            "withdrawn_on": "2021/08/01",
            "withdrawal_reason": "重複して登録したため",
            "version": report.version,
        }
        response = client.post(reverse("admin:measures_progressreport_withdraw", args=[report.pk]), data)
        assert response.status_code == 302
    by_yamada.refresh_from_db()
    by_nobody.refresh_from_db()
    assert by_yamada.withdrawn_on == by_nobody.withdrawn_on == date(2021, 8, 1)
    assert by_yamada.author == yamada
    assert by_nobody.author is None


def test_the_excel_action_joins_the_measures_own_admin(client, secretariat):
    assert type(admin.site._registry[Measure]) is MeasureAdmin
    client.force_login(secretariat)
    page = client.get(reverse("admin:measures_measure_changelist")).content.decode()
    assert '<option value="export_progress">選択した施策の進捗をExcelで出力</option>' in page


def test_the_site_header_and_the_admin_name_the_signed_in_person_alike(client, yamada):
    client.force_login(yamada)
    home = parse(client.get(reverse("home")).content.decode())
    assert "山田 太郎(事務局)" in home.text
    admin_page = parse(client.get(reverse("admin:index")).content.decode())
    assert "山田 太郎 さん、ようこそ。" in admin_page.text


def test_an_unknown_plan_is_the_only_error_reported(client, manager):
    from reports.filters import MeasureProgressFilter

    filterset = MeasureProgressFilter({"plan": "99999", "fiscal_year": "2030"})
    assert not filterset.is_valid()
    assert filterset.form.errors == {"plan": ["指定された計画は登録されていません。一覧から選んでください。"]}
    client.force_login(manager)
    response = client.get(reverse("reports:progress_xlsx") + "?plan=99999&fiscal_year=2030")
    assert response.status_code == 400
    page = response.content.decode()
    assert "指定された計画は登録されていません。" in page
    assert "計画期間" not in page.split("条件に誤りがあります")[1].split("</section>")[0]


def test_the_measure_list_shows_each_plan_with_its_own_years(client, secretariat):
    from .factories import make_measure, make_plan

    later = make_plan(name="次期計画", first=2022, last=2024)
    make_measure(plan=later, number=1, title="次期計画の施策")
    client.force_login(secretariat)
    page = parse(client.get(reverse("admin:measures_measure_changelist")).content.decode())
    rows = {row.text.split(" ")[1]: row.text for row in page.find_all("tr") if row.find_all("td")}
    assert "令和4年度(2022年度): 報告なし" in rows["次期計画の施策"]
    assert "令和元年度(2019年度)" not in rows["次期計画の施策"]
    seed_row = next(text for title, text in rows.items() if title.startswith("行政手続"))
    assert "令和元年度(2019年度): ◎ 完了 100%" in seed_row


def test_the_schedule_legend_reads_the_same_on_the_page_and_in_the_workbook(client, council):
    """schedule.selectors.SCHEDULE_LEGEND: one list of marks and meanings, with the same words in both."""
    from schedule.selectors import SCHEDULE_LEGEND

    expected = [f"{entry.mark} {entry.meaning}" for entry in SCHEDULE_LEGEND]
    assert [entry.meaning for entry in SCHEDULE_LEGEND] == [
        "予定",
        "実施済",
        "延期",
        "中止",
        "パブリック・コメント開始",
        "パブリック・コメント期間",
    ]
    client.force_login(council)
    page = parse(client.get(reverse("schedule:table")).content.decode())
    legend_list = page.find("dl", cls="schedule-legend")
    on_page = [item.text for item in legend_list.find_all("span", cls="legend-item")]
    assert on_page == expected

    legend = next(
        r[0] for r in values(export_workbook()["策定スケジュール"]) if r and str(r[0]).startswith("凡例")
    )
    in_sheet = [text.removesuffix("(網掛け)") for text in legend.removeprefix("凡例: ").split(" ") if text]
    assert [" ".join(in_sheet[i : i + 2]) for i in range(0, len(in_sheet), 2)] == expected


def test_the_application_reads_the_time_from_its_one_clock():
    """core.clock: nothing else asks Django (or Python) for today or now."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    asking = re.compile(r"timezone\.(localdate|localtime|now)\(\)|\b(date|datetime)\.(today|now|utcnow)\(")
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for app in ("bunkyo", "core", "measures", "schedule", "rounds", "reports", "opendata", "benchmarks")
        for path in sorted((root / app).rglob("*.py"))
        if "migrations" not in path.parts and path != root / "core" / "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if asking.search(line)
    ]
    assert found == []
