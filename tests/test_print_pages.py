"""The council's printable pages, read as HTML: what a council member sees on /reports/print/.

Expected figures are worked out here from the stored targets and reports, independently of
the selectors the pages use.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import fiscal
from core.clock import today
from measures.models import AnnualTarget, EvaluationGrade, Measure, ProgressReport, ProgressStatus, Purpose

from .factories import add_report, add_target, make_measure, seed_plan
from .page_text import parse

URL = reverse("reports:print")

pytestmark = pytest.mark.usefixtures("demo")


# ---- An oracle: the figures as a person would work them out from the stored data ----


def _latest_reports(as_of: date) -> dict[tuple[int, int], ProgressReport]:
    """(measure id, fiscal year) → the latest report dated on or before as_of; later entry wins a tie.

    A withdrawn report (取り下げ) counts nowhere."""
    latest = {}
    reports = ProgressReport.objects.filter(withdrawn_on__isnull=True).select_related("status")
    for report in sorted(reports, key=lambda r: (r.as_of, r.pk)):
        if report.as_of <= as_of:
            latest[(report.measure_id, report.fiscal_year)] = report
    return latest


def _targets() -> dict[tuple[int, int], AnnualTarget]:
    return {(t.measure_id, t.fiscal_year): t for t in AnnualTarget.objects.all()}


def _rate(target: AnnualTarget | None, report: ProgressReport) -> Decimal | None:
    if target is None or not target.target_value or report.actual_value is None:
        return None
    return (report.actual_value / target.target_value * 100).quantize(Decimal("0.1"))


def _grade(rate: Decimal | None) -> EvaluationGrade:
    grades = list(seed_plan().evaluation_scale.grades.all())
    if rate is None:
        return next(g for g in grades if g.min_rate is None)
    return max((g for g in grades if g.min_rate is not None and rate >= g.min_rate), key=lambda g: g.min_rate)


def _plain(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return parse(response.content)


def _row_by_header(table) -> dict[str, dict[str, str]]:
    """A summary table as {row label: {column heading: cell text}}."""
    headings = [cell.text for cell in table.find("thead").find("tr").cells()]
    rows = {}
    for tr in table.find_all("tr"):
        cells = tr.cells()
        if (
            len(cells) == len(headings)
            and cells[0].tag == "th"
            and tr not in table.find("thead").find_all("tr")
        ):
            rows[cells[0].text] = {h: c.text for h, c in zip(headings[1:], cells[1:], strict=True)}
    return rows


# ---- The council report ----


def test_the_council_page_as_of_2021_03_31_shows_every_measure_with_each_years_figures(client, council):
    as_of = date(2021, 3, 31)
    page = _get(client, council, as_of=as_of.isoformat())
    plan = seed_plan()
    latest = _latest_reports(as_of)
    targets = _targets()
    measures = list(Measure.objects.filter(plan=plan))
    assert len(measures) == 5
    seen_unreported = seen_reported = 0
    for measure in measures:
        section = page.find("section", aria_labelledby=f"purpose-{measure.purpose_id}")
        assert measure.title in section.text, "each measure is listed under its own purpose"
        for year in plan.fiscal_years:
            figures = section.find("tr", cls="year-figures", data_measure=measure.pk, data_year=year).text
            notes = section.find("tr", cls="year-notes", data_measure=measure.pk, data_year=year).text
            assert f"({year}年度)" in figures
            target = targets[(measure.pk, year)]
            assert target.target_text in figures
            assert f"{_plain(target.target_value)}{target.indicator_unit}" in figures
            report = latest.get((measure.pk, year))
            if report is None:
                seen_unreported += 1
                assert "報告なし" in figures
                assert "進捗報告はまだありません" in notes
                continue
            seen_reported += 1
            rate = _rate(target, report)
            grade = _grade(rate)
            assert f"{_plain(report.actual_value)}{target.indicator_unit}" in figures
            assert f"{rate}%" in figures
            assert f"{grade.code} {grade.label}" in figures
            assert f"{report.status.symbol} {report.status.name}" in figures
            assert f"{report.progress_percent}%" in figures
            assert report.narrative in notes
            assert (report.issues or "—") in notes
            assert report.next_steps in notes
            assert fiscal.wareki_date(report.as_of) in notes
    # As of 2021-03-31, FY2019 and FY2020 are reported and FY2021 is not yet.
    assert seen_reported == 10 and seen_unreported == 5


def test_the_cover_names_the_plan_the_ward_the_period_and_the_date_in_both_calendars(client, council):
    page = _get(client, council, as_of="2021-03-31")
    cover = page.find("section", cls="report-cover").text
    assert "文京区" in cover
    assert seed_plan().name in cover
    assert "令和元年度(2019年度)〜令和3年度(2021年度)" in cover
    assert "令和3年3月31日(2021年3月31日)" in cover


def test_the_cover_carries_the_date_of_issue_and_the_issuing_department(client, council, settings):
    page = _get(client, council, as_of="2021-03-31")
    cover = page.find("section", cls="report-cover")
    issued = today()
    assert f"作成日 {fiscal.wareki_date_with_western(issued)}" in cover.find("p", cls="cover-issuer").text
    assert "文京区 企画政策部 情報政策課" in cover.find("span", cls="issuer").text, "the ward's default"

    settings.REPORT_ISSUER = "文京区 総務部 総務課"
    cover = _get(client, council, as_of="2021-03-31").find("section", cls="report-cover")
    assert cover.find("span", cls="issuer").text == "文京区 総務部 総務課"


def test_the_measure_page_carries_the_date_of_issue_and_the_issuing_department(client, council, settings):
    """As the council report's cover does: 作成日 in 和暦 and the department that issues it, under the
    measure's heading (print.css prints it too)."""
    measure = Measure.objects.get(number=1)
    url = reverse("reports:print_measure", args=[measure.pk])
    client.force_login(council)
    head = parse(client.get(url, {"as_of": "2021-03-31"}).content).find("section", cls="measure-head")
    issued = head.find("p", cls="cover-issuer")
    assert issued.find("span", cls="issued-on").text == f"作成日 {fiscal.wareki_date_with_western(today())}"
    assert issued.find("span", cls="issuer").text == "文京区 企画政策部 情報政策課"
    assert "no-print" not in issued.classes

    settings.REPORT_ISSUER = "文京区 総務部 総務課"
    head = parse(client.get(url).content).find("section", cls="measure-head")
    assert head.find("span", cls="issuer").text == "文京区 総務部 総務課"


def test_the_cover_says_what_the_achievement_rate_and_the_progress_rate_each_mean(client, council):
    terms = re.sub(r"\s", "", _get(client, council).find("p", cls="cover-terms").text)
    assert "達成率は年度目標に対する実績の割合(実績値÷目標値×100)" in terms
    assert "進捗率はその年度の取組がどこまで進んだかを所管課が見積もった割合" in terms


def test_the_print_page_runs_the_plan_name_and_the_date_atop_every_sheet_after_the_cover(client, council):
    client.force_login(council)
    body = client.get(URL, {"as_of": "2021-03-31"}).content.decode()
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    assert f'@top-left {{ content: "{seed_plan().name} 進捗状況報告"; }}' in style
    assert '@top-right { content: "基準日 令和3年3月31日(2021年3月31日)"; }' in style
    assert "@page :first { @top-left { content: none; } @top-right { content: none; } }" in style


def test_a_quote_in_the_plan_name_cannot_break_out_of_the_running_title(client, council):
    plan = seed_plan()
    plan.name = 'a"; } body { display: none } </style><script>alert(1)</script>'
    plan.save()
    client.force_login(council)
    body = client.get(URL, {"as_of": "2021-03-31"}).content.decode()
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    assert 'content: "a\\22 \\3b  \\7d  body \\7b  display: none \\7d  \\3c /style\\3e ' in style
    assert "<script>alert(1)" not in body
    assert style.count('"') == 4, "two strings, each opened and closed: the name adds no quote"


def test_no_purpose_name_is_cut_in_the_summary_tables(client, council):
    page = _get(client, council, as_of="2021-03-31")
    for table in page.find_all("table", cls="summary-table"):
        labels = [th.text for th in table.find_all("th", scope="row")]
        assert "…" not in "".join(labels)
        for purpose in Purpose.objects.filter(plan=seed_plan()):
            assert f"{purpose.code} {purpose.text}" in labels


def test_the_cover_draws_each_purposes_grades_per_year_as_stacked_bars(client, council):
    as_of = date(2021, 3, 31)
    page = _get(client, council, as_of=as_of.isoformat())
    chart = page.find("section", cls="cover-chart").find("figure", cls="grade-chart")
    plan = seed_plan()
    latest, targets = _latest_reports(as_of), _targets()
    for purpose in Purpose.objects.filter(plan=plan):
        group = chart.find("div", cls="chart-group", data_purpose=purpose.pk)
        assert group.find("p", cls="chart-heading").text == f"{purpose.code} {purpose.text}"
        svg = group.find("svg")
        assert svg.attrs["role"] == "img" and f"計画の目的{purpose.code}" in svg.attrs["aria-label"]
        for year in plan.fiscal_years:
            expected = Counter()
            for measure in purpose.measures.all():
                report = latest.get((measure.pk, year))
                expected[
                    "報告なし" if report is None else _grade(_rate(targets[(measure.pk, year)], report)).code
                ] += 1
            bar = svg.find("g", cls="chart-bar", data_year=year)
            segments = Counter()
            for rect in bar.find_all("rect"):
                if rect.find_all("title"):
                    code, count = rect.find("title").text.removesuffix("件").rsplit(" ", 1)
                    segments[code] += int(count)
            assert segments == expected, (purpose.code, year)
            labels = {t.text for t in bar.find_all("text", cls="chart-count")}
            note = bar.find("text", cls="chart-note").text
            for code, count in expected.items():
                # Each count is written out, inside its segment or beside the bar: no colour needed.
                assert f"{code} {count}" in labels or f"{code} {count}" in note
    legend = chart.find("ul", cls="chart-legend").text
    for text in (
        "A 目標達成(達成率100%以上)",
        "B おおむね達成(達成率80%以上100%未満)",
        "D 未達成(達成率50%未満)",
    ):
        assert text in legend, "the same words as the legend under the summary"
    assert "報告なし" in legend
    # Inline SVG only: no image, no script, nothing fetched.
    assert not chart.find_all("img") and not chart.find_all("script")
    assert all(not e.attrs.get("href", "").startswith("http") for e in chart.find_all())


def test_the_report_page_shows_the_same_chart(client, manager):
    client.force_login(manager)
    page = parse(client.get(reverse("reports:index"), {"as_of": "2021-03-31"}).content)
    chart = page.find("figure", cls="grade-chart")
    assert len(chart.find_all("div", cls="chart-group")) == Purpose.objects.filter(plan=seed_plan()).count()
    assert len(chart.find_all("g", cls="chart-bar")) == 3 * 3


def test_on_screen_a_hint_says_how_to_turn_off_the_browsers_own_header_and_footer(client, council):
    client.force_login(council)
    measure = Measure.objects.first()
    for url in (URL, reverse("reports:print_measure", args=[measure.pk])):
        page = parse(client.get(url).content)
        controls = page.find("section", cls="print-controls")
        assert "no-print" in controls.classes, "on screen only"
        hint = controls.find("span", cls="print-hint").text
        assert "「詳細設定」" in hint and "「ヘッダーとフッター」のチェックを外して" in hint


def test_without_a_date_an_ended_plan_is_reported_as_of_its_last_day_and_the_cover_says_so(client, council):
    page = _get(client, council)
    cover = page.find("section", cls="report-cover").text
    assert "令和4年3月31日(2022年3月31日)" in cover
    assert "計画期間が終わったこの計画では、その最終日を基準日としています" in cover
    page = _get(client, council, as_of="2021-03-31")
    assert "基準日を指定していないため" not in page.text, "a date the reader chose needs no note"
    measure = Measure.objects.first()
    page = parse(client.get(reverse("reports:print_measure", args=[measure.pk])).content)
    facts = page.find("dl", cls="cover-facts").text
    assert "令和4年3月31日(2022年3月31日)" in facts and "その最終日を基準日としています" in facts


def test_without_a_date_a_later_report_moves_the_date_to_it(client, council):
    measure = Measure.objects.get(number=4)
    add_report(
        measure, 2021, date(2022, 5, 31), narrative="年度末の後の確定値", progress=100, status_name="完了"
    )
    page = _get(client, council)
    cover = page.find("section", cls="report-cover").text
    assert "令和4年5月31日(2022年5月31日)" in cover
    assert "計画期間の後に届いた最新の進捗報告の日を基準日としています" in cover
    notes = page.find("tr", cls="year-notes", data_measure=measure.pk, data_year=2021).text
    assert "年度末の後の確定値" in notes


def test_the_summary_counts_statuses_and_grades_and_averages_progress_per_purpose_and_year(client, council):
    as_of = date(2021, 3, 31)
    page = _get(client, council, as_of=as_of.isoformat())
    plan = seed_plan()
    latest = _latest_reports(as_of)
    targets = _targets()
    status_table, grade_table = page.find_all("table", cls="summary-table")
    status_rows, grade_rows = _row_by_header(status_table), _row_by_header(grade_table)
    statuses = list(ProgressStatus.objects.all())
    grades = list(plan.evaluation_scale.grades.all())

    unreported_groups = []
    # Each purpose by its whole name: a name cut with "…" would not be found.
    groups = {f"{p.code} {p.text}": {"purpose": p.pk} for p in Purpose.objects.filter(plan=plan)}
    groups |= {fiscal.fiscal_year_label(y): {"year": y} for y in plan.fiscal_years}
    for label, group in groups.items():
        keys = [
            (m.pk, y)
            for m in Measure.objects.filter(plan=plan)
            for y in plan.fiscal_years
            if m.purpose_id == group.get("purpose", m.purpose_id) and y == group.get("year", y)
        ]
        reports = [latest[k] for k in keys if k in latest]
        by_status = Counter(r.status.name for r in reports)
        by_grade = Counter(_grade(_rate(targets.get((r.measure_id, r.fiscal_year)), r)).code for r in reports)
        row = status_rows[label]
        for status in statuses:
            assert row[f"{status.symbol} {status.name}"] == str(by_status[status.name]), (label, status.name)
        assert row["報告 なし"] == str(len(keys) - len(reports))
        assert row["計"] == str(len(keys))
        row = grade_rows[label]
        for grade in grades:
            assert row[f"{grade.code} {grade.label}"] == str(by_grade[grade.code]), (label, grade.code)
        if reports:
            average = (Decimal(sum(r.progress_percent for r in reports)) / len(reports)).quantize(
                Decimal("0.1")
            )
            assert row["平均進捗率"] == f"{average}%", label
        else:
            assert row["平均進捗率"] == "報告なし", label
            unreported_groups.append(label)
    # As of that date FY2021 has no report yet: its line says so rather than 0%.
    assert unreported_groups == [fiscal.fiscal_year_label(2021)]


def test_the_legend_explains_every_symbol_and_grade_for_black_and_white_paper(client, council):
    legend = _get(client, council).find("dl", cls="legend").text
    for status in ProgressStatus.objects.all():
        assert f"{status.symbol} {status.name}" in legend
    # The common scale of DOMAIN.md: A 100% or more, B 80%, C 50%, D under 50%, − cannot be judged.
    for text in (
        "A 目標達成(達成率100%以上)",
        "B おおむね達成(達成率80%以上100%未満)",
        "C 一部達成(達成率50%以上80%未満)",
        "D 未達成(達成率50%未満)",
        "− 評価不能(目標値または実績値がない)",
    ):
        assert text in legend


def test_the_council_page_as_of_a_date_ignores_a_report_dated_after_it(client, council):
    measure = Measure.objects.get(number=1)
    add_report(
        measure,
        2020,
        date(2020, 12, 1),
        status_name="実施中",
        progress=70,
        actual=55,
        narrative="十二月の報告",
    )
    add_report(
        measure,
        2020,
        date(2021, 3, 15),
        status_name="中止",
        progress=5,
        actual=1,
        narrative="基準日の後の報告",
    )
    page = _get(client, council, as_of="2021-03-10")
    figures = page.find("tr", cls="year-figures", data_measure=measure.pk, data_year=2020).text
    notes = page.find("tr", cls="year-notes", data_measure=measure.pk, data_year=2020).text
    assert "十二月の報告" in notes and "70%" in figures and "○ 実施中" in figures
    assert "基準日の後の報告" not in page.text
    assert "× 中止" not in figures

    page = _get(client, council, as_of="2021-03-15")
    assert (
        "基準日の後の報告" in page.find("tr", cls="year-notes", data_measure=measure.pk, data_year=2020).text
    )


def _withdraw(report: ProgressReport, on: date, reason: str, by=None) -> ProgressReport:
    report.withdrawn_on = on
    report.withdrawal_reason = reason
    report.withdrawn_by = by
    report.full_clean()
    report.save()
    return report


def test_a_withdrawn_report_is_not_counted_and_the_one_before_it_counts_again(client, council):
    measure = Measure.objects.get(number=2)
    withdrawn = ProgressReport.objects.get(measure=measure, fiscal_year=2020, as_of=date(2021, 3, 31))
    withdrawn.narrative = "取り下げた報告の本文"
    _withdraw(withdrawn, date(2021, 4, 10), "実績値の誤り")
    earlier = ProgressReport.objects.get(measure=measure, fiscal_year=2020, as_of=date(2020, 9, 30))
    page = _get(client, council)
    figures = page.find("tr", cls="year-figures", data_measure=measure.pk, data_year=2020).text
    assert (
        f"{earlier.progress_percent}%" in figures
        and f"{earlier.status.symbol} {earlier.status.name}" in figures
    )
    assert "取り下げた報告の本文" not in page.text


def test_the_measure_history_shows_a_withdrawn_report_marked_with_the_date_the_reason_and_who(
    client, council, secretariat
):
    measure = Measure.objects.get(number=2)
    withdrawn = ProgressReport.objects.get(measure=measure, fiscal_year=2020, as_of=date(2021, 3, 31))
    _withdraw(withdrawn, date(2021, 4, 10), "実績値の集計誤り(重複計上)", by=secretariat)
    client.force_login(council)
    page = parse(client.get(reverse("reports:print_measure", args=[measure.pk])).content)
    entries = page.find_all("tbody", cls="history-entry")
    shown = [int(e.attrs["data-report"]) for e in entries]
    expected = ProgressReport.objects.filter(measure=measure).order_by("-as_of", "-id")
    assert shown == [r.pk for r in expected], "every report, the withdrawn one too, newest first"
    entry = page.find("tbody", cls="history-entry", data_report=withdrawn.pk)
    assert "withdrawn" in entry.classes
    assert entry.find("th").text.startswith("取り下げ")
    note = entry.find("p", cls="withdrawal-note").text
    assert "令和3年4月10日(2021年4月10日)" in note
    assert "実績値の集計誤り(重複計上)" in note
    assert secretariat.last_name in note
    others = [e for e in entries if e is not entry]
    assert not any("取り下げ" in e.text for e in others), "only the withdrawn report is marked"


def test_since_lists_a_withdrawal_in_the_period_as_a_change_with_its_reason(client, council):
    measure = Measure.objects.get(number=1)
    # FY2019 did not change between the two dates: only the withdrawal makes it a change.
    withdrawn = ProgressReport.objects.get(measure=measure, fiscal_year=2019, as_of=date(2019, 9, 30))
    _withdraw(withdrawn, date(2020, 11, 2), "報告した件数に重複があった")
    page = _get(client, council, as_of="2021-03-31", since="2020-09-30")
    section = page.find("section", cls="report-changes")
    row = section.find("tr", data_measure=measure.pk, data_year=2019)
    assert "changed" not in row.cells()[2].classes, "the status itself did not change"
    note = section.find("tr", cls="withdrawn-change", data_withdrawn_report=withdrawn.pk).text
    assert note.startswith("取り下げ")
    assert "令和元年9月30日(2019年9月30日)時点の報告" in note
    assert "令和2年11月2日(2020年11月2日)に取り下げ" in note
    assert "報告した件数に重複があった" in note


def test_since_leaves_out_a_withdrawal_outside_the_period(client, council):
    measure = Measure.objects.get(number=1)
    before = ProgressReport.objects.get(measure=measure, fiscal_year=2019, as_of=date(2019, 9, 30))
    _withdraw(before, date(2020, 3, 1), "前回より前の取り下げ")
    after = ProgressReport.objects.get(measure=measure, fiscal_year=2020, as_of=date(2020, 9, 30))
    _withdraw(after, date(2021, 10, 1), "基準日より後の取り下げ")
    page = _get(client, council, as_of="2021-03-31", since="2020-09-30")
    section = page.find("section", cls="report-changes")
    assert not section.find_all("tr", cls="withdrawn-change")
    assert "取り下げ。" not in section.text


def test_since_lists_exactly_the_measure_years_whose_status_grade_or_progress_changed(client, council):
    since, as_of = date(2020, 9, 30), date(2021, 3, 31)
    page = _get(client, council, as_of=as_of.isoformat(), since=since.isoformat())
    section = page.find("section", cls="report-changes")
    assert section.find("h2").text == "前回報告からの変更点"
    targets = _targets()

    def state(report):
        if report is None:
            return (None, None, None)
        return (
            report.status.name,
            _grade(_rate(targets.get((report.measure_id, report.fiscal_year)), report)).code,
            report.progress_percent,
        )

    before, after = _latest_reports(since), _latest_reports(as_of)
    keys = {(m.pk, y) for m in Measure.objects.all() for y in seed_plan().fiscal_years}
    expected = {k for k in keys if state(before.get(k)) != state(after.get(k))}
    shown = {
        (int(tr.attrs["data-measure"]), int(tr.attrs["data-year"]))
        for tr in section.find_all("tr")
        if "data-measure" in tr.attrs
    }
    # Sanity of the example: some measure-years changed, others (all of FY2019) did not.
    assert expected and expected != keys
    assert shown == expected
    for key in expected:
        row = section.find("tr", data_measure=key[0], data_year=key[1])
        old, new = state(before.get(key)), state(after.get(key))
        status_cell, grade_cell, progress_cell = row.cells()[2:]
        assert f"{old[0] or '報告なし'}" in status_cell.text and new[0] in status_cell.text
        assert f"{old[1] or 'なし'} → {new[1]}" in grade_cell.text
        assert f"{old[2]}% → {new[2]}%" in progress_cell.text
        for cell, changed in (
            (status_cell, old[0] != new[0]),
            (grade_cell, old[1] != new[1]),
            (progress_cell, old[2] != new[2]),
        ):
            assert ("changed" in cell.classes) is changed
            assert ("変更" in cell.text) is changed


def test_without_since_there_is_no_changes_section(client, council):
    page = _get(client, council, as_of="2021-03-31")
    assert not page.find_all("section", cls="report-changes")
    assert "前回報告からの変更点" not in page.text


def test_a_since_with_no_change_says_so(client, council):
    page = _get(client, council, as_of="2020-09-29", since="2020-04-01")
    assert "この期間に変わった施策はありません" in page.find("section", cls="report-changes").text


def test_the_shared_filters_narrow_the_report_like_the_excel_download(client, council):
    purpose = Purpose.objects.get(code="ウ")
    page = _get(client, council, as_of="2021-03-31", purpose=purpose.pk, fiscal_year="平成32年度")
    sections = page.find_all("section", cls="purpose-section")
    assert [s.attrs["aria-labelledby"] for s in sections] == [f"purpose-{purpose.pk}"]
    rows = page.find_all("tr", cls="year-figures")
    assert {int(r.attrs["data-year"]) for r in rows} == {2020}, "平成32年度 is FY2020"
    assert {int(r.attrs["data-measure"]) for r in rows} == set(purpose.measures.values_list("pk", flat=True))
    cover = page.find("section", cls="report-cover").text
    assert "令和2年度(2020年度)" in cover and purpose.code in cover
    # Each measure links to its own page on the same date and year.
    link = page.find("a", cls="measure-title")
    assert "as_of=2021-03-31" in link.attrs["href"] and "fiscal_year=2020" in link.attrs["href"]


def test_what_a_user_typed_is_shown_as_text_never_run(client, council):
    plan = seed_plan()
    measure = make_measure(plan=plan, number=99, title="<script>alert(1)</script>")
    add_target(measure, 2019, 10)
    add_report(
        measure, 2019, date(2019, 9, 30), narrative="<img src=x onerror=alert(2)>", issues="<b>課題</b>"
    )
    client.force_login(council)
    for url in (URL, reverse("reports:print_measure", args=[measure.pk])):
        body = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body and "&lt;img src=x onerror=alert(2)&gt;" in body
        assert "<b>課題</b>" not in body
        assert "<script>alert(1)</script>" in parse(body).text, "the title still reads as typed"


def test_the_pages_load_nothing_from_outside_the_server(client, council):
    client.force_login(council)
    measure = Measure.objects.first()
    for url in (URL + "?since=2020-03-31", reverse("reports:print_measure", args=[measure.pk])):
        page = parse(client.get(url).content)
        for element in page.find_all():
            for name in ("src", "href", "action"):
                value = element.attrs.get(name)
                if value is not None:
                    assert value == "" or value.startswith(("/", "#", "?")), f"{element.tag} {name}={value}"
        stylesheets = [e.attrs["href"] for e in page.find_all("link") if e.attrs.get("rel") == "stylesheet"]
        assert any(href.endswith("core/print.css") for href in stylesheets)


def test_the_number_of_queries_does_not_grow_with_the_number_of_measures(client, council):
    client.force_login(council)
    params = {"as_of": "2021-03-31", "since": "2020-09-30"}

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, params).status_code == 200
        return len(queries)

    before = count_queries()
    plan = seed_plan()
    for number in range(10, 20):
        measure = make_measure(
            plan=plan, number=number, title=f"追加の施策{number}", departments=["情報政策課"]
        )
        add_target(measure, 2020, 10)
        add_report(measure, 2020, date(2020, 9, 30), actual=3)
        add_report(measure, 2020, date(2021, 3, 31), actual=9, status_name="完了", progress=100)
    assert count_queries() == before


# ---- One measure's page ----


def test_the_measure_page_shows_its_whole_history_up_to_the_date(client, council):
    measure = Measure.objects.get(number=4)
    add_report(measure, 2021, date(2022, 6, 1), narrative="基準日の後の報告", progress=80)
    client.force_login(council)
    response = client.get(reverse("reports:print_measure", args=[measure.pk]), {"as_of": "2022-03-31"})
    assert response.status_code == 200
    page = parse(response.content)
    assert measure.title in page.find("h1").text
    expected = ProgressReport.objects.filter(measure=measure, as_of__lte=date(2022, 3, 31))
    shown = [int(e.attrs["data-report"]) for e in page.find_all("tbody", cls="history-entry")]
    assert sorted(shown) == sorted(expected.values_list("pk", flat=True))
    assert len(shown) == 6
    newest_first = sorted(expected, key=lambda r: (r.as_of, r.pk), reverse=True)
    assert shown == [r.pk for r in newest_first]
    targets = _targets()
    for report in expected:
        entry = page.find("tbody", cls="history-entry", data_report=report.pk).text
        rate = _rate(targets[(measure.pk, report.fiscal_year)], report)
        assert fiscal.wareki_date_with_western(report.as_of) in entry
        assert f"{report.status.symbol} {report.status.name}" in entry
        assert f"{rate}%" in entry and f"{report.progress_percent}%" in entry
    assert "基準日の後の報告" not in page.text
    assert measure.departments.first().name in page.text


def test_an_unknown_measure_is_404(client, council):
    client.force_login(council)
    missing = (Measure.objects.order_by("-pk").first().pk or 0) + 1
    assert client.get(reverse("reports:print_measure", args=[missing])).status_code == 404


# ---- Bad input: a 400 page that says what is wrong, never a 500 ----


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"as_of": "2021-13-45"}, "基準日"),
        ({"fiscal_year": "2030"}, "計画期間"),
        ({"fiscal_year": "来年度"}, "年度として読み取れません"),
        ({"plan": "99999"}, "計画"),
        ({"purpose": "abc"}, "計画の目的"),
        ({"since": "2021-04-01", "as_of": "2021-03-31"}, "基準日(令和3年3月31日)より前の日付"),
        ({"since": "昨年"}, "前回の基準日"),
    ],
)
def test_bad_parameters_get_a_400_page_with_the_reason_in_japanese(client, council, params, reason):
    client.force_login(council)
    response = client.get(URL, params)
    assert response.status_code == 400
    text = parse(response.content).find("section", cls="bad-request").text
    assert "表示条件に誤りがあります" in text
    assert reason in text


def test_the_measure_page_checks_the_year_against_the_measures_own_plan(client, council):
    client.force_login(council)
    measure = Measure.objects.first()
    url = reverse("reports:print_measure", args=[measure.pk])
    assert client.get(url, {"fiscal_year": "令和2年度"}).status_code == 200
    response = client.get(url, {"fiscal_year": "2025"})
    assert response.status_code == 400
    assert "計画期間" in response.content.decode()


# ---- Who may read ----


@pytest.mark.parametrize("persona", ["council", "manager", "secretariat", "superuser"])
def test_council_managers_and_the_secretariat_may_read_both_pages(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    measure = Measure.objects.first()
    assert client.get(URL).status_code == 200
    assert client.get(reverse("reports:print_measure", args=[measure.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_login(client):
    measure = Measure.objects.first()
    for url in (URL, reverse("reports:print_measure", args=[measure.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_an_account_without_a_role_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="norole", password="pw-norole"))
    measure = Measure.objects.first()
    assert client.get(URL).status_code == 403
    assert client.get(reverse("reports:print_measure", args=[measure.pk])).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_pages_change_nothing_and_refuse_writes(client, secretariat, method):
    client.force_login(secretariat)
    measure = Measure.objects.first()
    reports = ProgressReport.objects.count()
    for url in (URL, reverse("reports:print_measure", args=[measure.pk])):
        assert getattr(client, method)(url).status_code == 405
    assert ProgressReport.objects.count() == reports


def test_the_header_offers_the_print_page_to_the_council(client, council):
    client.force_login(council)
    page = parse(client.get(reverse("home")).content)
    assert URL in [a.attrs.get("href") for a in page.find("nav").find_all("a")]
