"""The export's streamed rows say exactly what measure_progress says, in a fixed number of queries."""

from datetime import date

import pytest

from measures.models import Department, Keyword, Measure, ProgressReport, Purpose
from measures.selectors import (
    ProgressTally,
    measure_progress,
    measure_progress_stream,
    progress_summaries,
    report_history_stream,
    reports_history,
)

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


@pytest.mark.parametrize("as_of", [date(2019, 9, 29), date(2019, 9, 30), date(2020, 3, 31), date(2022, 6, 1)])
def test_the_stream_matches_measure_progress_row_for_row(as_of):
    plan = seed_plan()
    _shuffled_extra_measures(plan)
    measures = plan.measures.all()
    expected = measure_progress(plan=plan, as_of=as_of, measures=measures)
    streamed = list(measure_progress_stream(plan=plan, as_of=as_of, measures=measures, chunk_size=3))
    assert [row.pk for row in streamed] == [row.measure.pk for row in expected]
    for got, want in zip(streamed, expected, strict=True):
        measure = want.measure
        assert (got.number, got.title, got.purpose) == (measure.number, measure.title, measure.purpose)
        assert got.departments == [d.name for d in measure.departments.order_by("order", "name")]
        assert got.keywords == [k.name for k in measure.keywords.order_by("order", "name")]
        for year, state in zip(got.years, want.years, strict=True):
            assert year.fiscal_year == state.fiscal_year
            assert (year.target.text if year.target else None) == (
                state.target.target_text if state.target else None
            )
            assert (year.target.target_value if year.target else None) == (
                state.target.target_value if state.target else None
            )
            assert (year.report.pk if year.report else None) == (state.report.pk if state.report else None)
            if state.report:
                assert year.report.status == state.report.status
                assert year.report.actual_value == state.report.actual_value
                assert year.report.progress_percent == state.report.progress_percent
            assert year.rate == state.rate
            assert year.grade == state.grade
        assert (got.latest_report.pk if got.latest_report else None) == (
            want.latest_report.pk if want.latest_report else None
        )


def test_counting_the_stream_gives_the_same_summaries_as_progress_summaries():
    plan = seed_plan()
    _shuffled_extra_measures(plan)
    measures = plan.measures.all()
    as_of = date(2021, 3, 31)
    tally = ProgressTally(plan=plan)
    for _ in tally.counting(measure_progress_stream(plan=plan, as_of=as_of, measures=measures)):
        pass
    expected = progress_summaries(plan=plan, rows=measure_progress(plan=plan, as_of=as_of, measures=measures))
    assert tally.summaries() == expected
    assert sum(s.total for s in expected["years"]) == measures.count() * 3


def test_the_history_stream_is_reports_history_newest_first_with_rates():
    plan = seed_plan()
    as_of = date(2020, 9, 30)
    measures = plan.measures.all()
    entries = list(report_history_stream(plan=plan, as_of=as_of, measures=measures))
    reports = list(reports_history(measures=measures, as_of=as_of))
    assert len(entries) == len(reports) > 0
    for entry, report in zip(entries, reports, strict=True):
        assert (entry.as_of, entry.measure_number, entry.fiscal_year) == (
            report.as_of,
            report.measure.number,
            report.fiscal_year,
        )
        assert entry.status == report.status
        assert entry.progress_percent == report.progress_percent
        target = report.measure.annual_targets.filter(fiscal_year=report.fiscal_year).first()
        assert entry.rate == (target.achievement_rate(report.actual_value) if target else None)
        assert entry.grade == plan.evaluation_scale.grade_for(entry.rate)
    assert all(entry.as_of <= as_of for entry in entries)


def test_the_streams_run_the_same_queries_for_5_measures_as_for_25(django_assert_num_queries):
    plan = seed_plan()
    as_of = date(2021, 3, 31)

    def read_both():
        rows = list(measure_progress_stream(plan=plan, as_of=as_of, measures=plan.measures.all()))
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
