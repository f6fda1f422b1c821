"""The progress rows say exactly what the database says, row for row, in a fixed number of queries."""

from datetime import date

import pytest

from core import fiscal
from measures.models import (
    AnnualTarget,
    Department,
    Keyword,
    Measure,
    ProgressReport,
    ProgressStatus,
    Purpose,
    grade_for_rate,
)
from measures.selectors import (
    ProgressSummary,
    ProgressTally,
    measure_progress_rows,
    report_history_stream,
    reports_history,
    reports_latest_as_of,
)
from measures.services import progress_report_withdraw

from .factories import add_report, add_target, make_measure, seed_plan

pytestmark = pytest.mark.usefixtures("demo")


def _shuffled_extra_measures(plan):
    """Measures whose order, purpose and relations interleave with the seed's, to exercise the merge."""
    purposes = list(Purpose.objects.filter(plan=plan).order_by("order"))
    for number, (purpose, order) in enumerate(
        [(purposes[2], 0), (purposes[0], 9), (purposes[1], 2), (purposes[0], 2), (purposes[2], 2)], start=11
    ):
        measure = make_measure(plan=plan, number=number, title=f"追加施策{number}", purpose=purpose)
        Measure.objects.filter(pk=measure.pk).update(order=order)
        if number % 2:
            measure.departments.add(*Department.objects.order_by("-pk")[:2])
            measure.keywords.add(Keyword.objects.order_by("pk").first())
            add_target(measure, 2020, 10)
            add_report(measure, 2020, date(2020, 9, 30), progress=30, actual=4, narrative=f"報告{number}")
        else:
            add_target(measure, 2019, None)
            add_report(measure, 2019, date(2019, 12, 1), progress=10, status_name="未着手")


def _expected(plan, as_of, measures):
    """Each measure and, per year, (target, latest report) read straight from the models, one by one."""
    latest = {(r.measure_id, r.fiscal_year): r for r in reports_latest_as_of(as_of=as_of)}
    expected = []
    for measure in measures.order_by("purpose__order", "order", "number", "pk"):
        years = []
        for year in plan.fiscal_years:
            target = AnnualTarget.objects.filter(measure=measure, fiscal_year=year).first()
            years.append((year, target, latest.get((measure.pk, year))))
        expected.append((measure, years))
    return expected


@pytest.mark.parametrize("as_of", [date(2019, 9, 29), date(2019, 9, 30), date(2020, 3, 31), date(2022, 6, 1)])
def test_the_rows_match_the_models_row_for_row(as_of):
    plan = seed_plan()
    _shuffled_extra_measures(plan)
    measures = plan.measures.all()
    expected = _expected(plan, as_of, measures)
    streamed = list(measure_progress_rows(plan=plan, as_of=as_of, measures=measures, chunk_size=3))
    assert [row.pk for row in streamed] == [measure.pk for measure, _ in expected]
    for got, (measure, years) in zip(streamed, expected, strict=True):
        assert (got.number, got.title, got.purpose) == (measure.number, measure.title, measure.purpose)
        assert got.departments == [d.name for d in measure.departments.order_by("order", "name")]
        assert got.keywords == [k.name for k in measure.keywords.order_by("order", "name")]
        for year, (fiscal_year, target, report) in zip(got.years, years, strict=True):
            assert year.fiscal_year == fiscal_year
            assert (year.target.target_text if year.target else None) == (
                target.target_text if target else None
            )
            assert (year.target.target_value if year.target else None) == (
                target.target_value if target else None
            )
            assert (year.report.pk if year.report else None) == (report.pk if report else None)
            rate = target.achievement_rate(report.actual_value) if target and report else None
            if report:
                assert year.report.status == report.status
                assert year.report.actual_value == report.actual_value
                assert year.report.progress_percent == report.progress_percent
            assert year.rate == rate
            assert year.grade == (
                grade_for_rate(list(plan.evaluation_scale.grades.all()), rate) if report else None
            )
        reports = [report for _, _, report in years if report]
        latest = max(reports, key=lambda r: (r.as_of, r.pk)) if reports else None
        assert (got.latest_report.pk if got.latest_report else None) == (latest.pk if latest else None)


def test_counting_the_rows_gives_the_counts_of_the_models():
    plan = seed_plan()
    _shuffled_extra_measures(plan)
    measures = plan.measures.all()
    as_of = date(2021, 3, 31)
    tally = ProgressTally(plan=plan)
    for _ in tally.counting(measure_progress_rows(plan=plan, as_of=as_of, measures=measures)):
        pass

    # The same summaries counted by hand from the models, every status and grade listed.
    status_names = list(ProgressStatus.objects.order_by("order").values_list("name", flat=True))
    grades = list(plan.evaluation_scale.grades.order_by("order"))

    def empty(key, label):
        return ProgressSummary(key, label, dict.fromkeys(status_names, 0), {g.code: 0 for g in grades})

    purposes, years = {}, {}
    for measure, measure_years in _expected(plan, as_of, measures):
        purpose = measure.purpose
        purposes.setdefault(purpose.pk, empty(purpose.pk, f"{purpose.code} {purpose.short_text}"))
        for year, target, report in measure_years:
            years.setdefault(year, empty(year, fiscal.fiscal_year_label(year)))
            for summary in (purposes[purpose.pk], years[year]):
                if report is None:
                    summary.unreported += 1
                    continue
                summary.by_status[report.status.name] += 1
                rate = target.achievement_rate(report.actual_value) if target else None
                grade = grade_for_rate(grades, rate)
                if grade is not None:
                    summary.by_grade[grade.code] += 1
                summary.progress_total += report.progress_percent
                summary.reported += 1
    assert tally.summaries() == {
        "purposes": list(purposes.values()),
        "years": [years[y] for y in sorted(years)],
    }
    assert sum(s.total for s in tally.summaries()["years"]) == measures.count() * 3
    assert any(s.by_grade["A"] for s in years.values()) and any(s.unreported for s in years.values())


def test_the_history_stream_is_reports_history_newest_first_with_rates():
    plan = seed_plan()
    as_of = date(2020, 9, 30)
    measures = plan.measures.all()
    entries = list(report_history_stream(plan=plan, as_of=as_of, measures=measures))
    reports = list(reports_history(measures=measures, as_of=as_of))
    assert len(entries) == len(reports) > 0
    for entry, report in zip(entries, reports, strict=True):
        assert (entry.report.as_of, entry.measure_number, entry.fiscal_year) == (
            report.as_of,
            report.measure.number,
            report.fiscal_year,
        )
        assert entry.report.status == report.status
        assert entry.report.progress_percent == report.progress_percent
        target = report.measure.annual_targets.filter(fiscal_year=report.fiscal_year).first()
        assert entry.rate == (target.achievement_rate(report.actual_value) if target else None)
        assert entry.grade == grade_for_rate(list(plan.evaluation_scale.grades.all()), entry.rate)
    assert all(entry.report.as_of <= as_of for entry in entries)


def test_the_streams_run_the_same_queries_for_5_measures_as_for_25(django_assert_num_queries):
    plan = seed_plan()
    as_of = date(2021, 3, 31)

    def read_both():
        rows = list(measure_progress_rows(plan=plan, as_of=as_of, measures=plan.measures.all()))
        history = list(report_history_stream(plan=plan, as_of=as_of, measures=plan.measures.all()))
        return len(rows), len(history)

    def expected():
        return plan.measures.count(), ProgressReport.objects.filter(as_of__lte=as_of).count()

    small = expected()
    with django_assert_num_queries(11):
        assert read_both() == small
    for number in range(6, 26):
        measure = make_measure(
            plan=plan, number=number, title=f"追加施策{number}", departments=["情報政策課"]
        )
        add_target(measure, 2020, 5)
        add_report(measure, 2020, date(2020, 12, 1), actual=5)
    large = expected()
    assert large[0] == small[0] + 20
    with django_assert_num_queries(11):
        assert read_both() == large


def test_without_the_names_the_rows_are_the_same_but_for_departments_and_keywords(
    django_assert_num_queries,
):
    plan = seed_plan()
    _shuffled_extra_measures(plan)
    measures = Measure.objects.filter(plan=plan)
    as_of = date(2021, 3, 31)
    full = list(measure_progress_rows(plan=plan, as_of=as_of, measures=measures))
    assert any(row.departments for row in full) and any(row.keywords for row in full)
    with django_assert_num_queries(6):
        plain = list(measure_progress_rows(plan=plan, as_of=as_of, measures=measures, with_names=False))
    assert [(row.departments, row.keywords) for row in plain] == [([], [])] * len(full)
    for row in full:
        row.departments, row.keywords = [], []
    assert plain == full


@pytest.mark.parametrize(
    "as_of", [date(2019, 11, 14), date(2019, 11, 15), date(2019, 11, 17), date(2022, 6, 1)]
)
def test_a_page_of_measures_gives_the_streams_rows_corrections_and_withdrawals_alike(
    as_of, django_user_model
):
    """The API's page (measures already read) takes each year's first report of
    measure_page_figures (plain SQL), the stream reports_latest_as_of's subquery: the same report."""
    plan = seed_plan()
    _shuffled_extra_measures(plan)
    measure = plan.measures.order_by("pk").first()
    secretariat = django_user_model.objects.create(username="secretariat")

    def withdraw(report, on):
        progress_report_withdraw(
            report=report, withdrawn_on=on, reason="誤り", by=secretariat, loaded_version=1
        )

    withdraw(add_report(measure, 2019, date(2019, 11, 15), progress=60), date(2019, 11, 15))
    add_report(measure, 2019, date(2019, 11, 15), progress=70)  # its correction, the same day: it stands
    withdraw(add_report(measure, 2019, date(2019, 11, 16), progress=90), date(2019, 11, 16))
    streamed = list(measure_progress_rows(plan=plan, as_of=as_of, measures=plan.measures.all()))
    page = list(plan.measures.select_related("purpose").order_by("pk"))
    assert list(measure_progress_rows(plan=plan, as_of=as_of, measures=page)) == streamed
    if date(2019, 11, 15) <= as_of <= date(2019, 11, 17):
        year = next(row for row in streamed if row.pk == measure.pk).years[0]
        assert year.report.progress_percent == 70
