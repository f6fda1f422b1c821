"""Reports are a history: the state as of a date is the latest report on or before it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from measures.models import Measure, ProgressReport
from measures.selectors import ProgressTally, measure_progress_rows, reports_latest_as_of

from .factories import add_report, add_target, seed_plan

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def measure():
    return Measure.objects.get(number=1)


def _state(measure, as_of, year=2019):
    plan = seed_plan()
    rows = list(measure_progress_rows(plan=plan, as_of=as_of, measures=Measure.objects.filter(pk=measure.pk)))
    return next(y for y in rows[0].years if y.fiscal_year == year)


def test_a_new_report_does_not_overwrite_the_last_one(measure):
    add_report(measure, 2019, date(2019, 9, 30), progress=40)
    add_report(measure, 2019, date(2020, 3, 31), progress=100, status_name="完了")
    assert ProgressReport.objects.filter(measure=measure).count() == 2


def test_the_state_as_of_a_date_is_the_latest_report_on_or_before_it(measure):
    add_target(measure, 2019, 40)
    add_report(measure, 2019, date(2019, 9, 30), progress=40, actual=30)
    add_report(measure, 2019, date(2020, 3, 31), progress=100, actual=44, status_name="完了")

    assert _state(measure, date(2019, 9, 29)).report is None
    on_the_day = _state(measure, date(2019, 9, 30))
    assert on_the_day.report.progress_percent == 40
    assert on_the_day.rate == Decimal("75.0")
    assert on_the_day.grade.code == "C"
    before_year_end = _state(measure, date(2020, 3, 30))
    assert before_year_end.report.as_of == date(2019, 9, 30)
    at_year_end = _state(measure, date(2020, 3, 31))
    assert at_year_end.report.status.name == "完了"
    assert at_year_end.rate == Decimal("110.0")
    assert at_year_end.grade.code == "A"


def test_the_state_as_of_2020_03_31_ignores_the_report_dated_2020_04_02(measure):
    add_report(measure, 2019, date(2020, 3, 31), progress=90)
    add_report(measure, 2019, date(2020, 4, 2), progress=100, status_name="完了")
    latest = reports_latest_as_of(as_of=date(2020, 3, 31))
    assert list(latest.values_list("progress_percent", flat=True)) == [90]


def test_each_fiscal_year_keeps_its_own_latest_report(measure):
    add_report(measure, 2019, date(2020, 3, 31), progress=100, status_name="完了")
    add_report(measure, 2020, date(2020, 9, 30), progress=30)
    latest = {r.fiscal_year: r.progress_percent for r in reports_latest_as_of(as_of=date(2021, 1, 1))}
    assert latest == {2019: 100, 2020: 30}


@pytest.mark.parametrize(
    ("target", "actual", "grade"),
    [
        (40, 40, "A"),
        (40, 32, "B"),
        (40, 31.9, "C"),
        (40, 20, "C"),
        (40, 19.9, "D"),
        (None, 10, "−"),
        (40, None, "−"),
    ],
)
def test_evaluation_follows_the_scale_from_the_achievement_rate(measure, target, actual, grade):
    add_target(measure, 2019, target)
    add_report(measure, 2019, date(2019, 9, 30), actual=actual)
    assert _state(measure, date(2019, 9, 30)).grade.code == grade


def test_the_scale_is_data_the_secretariat_can_change(measure):
    plan = seed_plan()
    b = plan.evaluation_scale.grades.get(code="B")
    b.min_rate = Decimal("70")
    b.save()
    add_target(measure, 2019, 100)
    add_report(measure, 2019, date(2019, 9, 30), actual=72)
    assert _state(measure, date(2019, 9, 30)).grade.code == "B"


def test_a_second_report_on_the_same_day_for_the_same_year_is_refused(measure):
    add_report(measure, 2019, date(2019, 9, 30))
    with pytest.raises(ValidationError) as excinfo:
        add_report(measure, 2019, date(2019, 9, 30), progress=60)
    assert "この施策・年度・報告基準日の報告はすでにあります。" in str(excinfo.value)
    assert ProgressReport.objects.count() == 1


def test_summaries_count_every_status_and_grade_and_the_unreported(measure):
    add_target(measure, 2019, 40)
    add_report(measure, 2019, date(2019, 9, 30), progress=40, actual=44, status_name="完了")
    plan = seed_plan()
    tally = ProgressTally(plan=plan)
    for row in measure_progress_rows(plan=plan, as_of=date(2020, 3, 31), measures=plan.measures.all()):
        tally.add_row(row)
    summaries = tally.summaries()
    first_year = summaries["years"][0]
    assert first_year.label == "令和元年度(2019年度)"
    assert first_year.by_status["完了"] == 1
    assert first_year.by_status["実施中"] == 0
    assert first_year.by_grade["A"] == 1
    assert first_year.unreported == 4
    assert first_year.average_progress == Decimal("40.0")
    assert [s.label[0] for s in summaries["purposes"]] == ["ア", "イ", "ウ"]
