"""The home page's counts, made by the database, are the counts of the progress rows.

``progress_year_count`` counts a plan's measures for one fiscal year in two aggregate queries;
ProgressTally counts the same measure-years from ``measure_progress_rows``, one row per measure,
as the workbook and the printed pages do. Both must say the same for every year and every 基準日:
withdrawn reports, several reports a year, reports dated after the day, measures without a
report or a target, and achievement rates that fall on a grade's boundary or half-way between
two tenths.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from benchmarks.synthetic import build_synthetic_plans
from measures.legend import legend_for
from measures.models import EvaluationGrade, EvaluationScale, Measure, ProgressReport, Purpose
from measures.selectors import (
    ProgressTally,
    measure_progress_rows,
    progress_year_count,
)
from measures.services import progress_report_withdraw

from .factories import add_report, add_target, make_measure, make_plan


def _tallied(plan, fiscal_year, as_of):
    """What the rows say: ProgressTally over measure_progress_rows, and the latest report's date."""
    legend = legend_for(plan)
    tally = ProgressTally(plan=plan, statuses=legend.statuses, grades=legend.grades)
    latest = None
    for row in tally.counting(
        measure_progress_rows(
            plan=plan,
            as_of=as_of,
            measures=Measure.objects.filter(plan=plan),
            fiscal_years=[fiscal_year],
            with_names=False,
        )
    ):
        for year in row.years:
            if year.report and (latest is None or year.report.as_of > latest):
                latest = year.report.as_of
    (year,) = tally.summaries()["years"] or [None]
    return year, tally.purpose_summaries(), latest


def _counted(plan, fiscal_year, as_of):
    legend = legend_for(plan)
    count = progress_year_count(
        plan=plan, fiscal_year=fiscal_year, as_of=as_of, statuses=legend.statuses, grades=legend.grades
    )
    return count.year, count.purposes, count.latest_report_on


def _days(plan):
    """Every day something happens to the plan's reports, the day before each, and the ends."""
    days = set()
    for as_of, withdrawn_on in ProgressReport.objects.filter(measure__plan=plan).values_list(
        "as_of", "withdrawn_on"
    ):
        for day in (as_of, withdrawn_on):
            if day is not None:
                days |= {day - timedelta(days=1), day}
    return sorted(days | {date(plan.first_fiscal_year, 4, 1), date(plan.last_fiscal_year + 2, 3, 31)})


def _assert_same_counts(plan, days):
    compared = 0
    for fiscal_year in plan.fiscal_years:
        for as_of in days:
            assert _counted(plan, fiscal_year, as_of) == _tallied(plan, fiscal_year, as_of), (
                fiscal_year,
                as_of,
            )
            compared += 1
    return compared


@pytest.mark.django_db
def test_a_synthetic_plan_is_counted_as_its_rows_are_on_every_day_of_its_reports():
    build_synthetic_plans(plans=1, measures_per_plan=40, seed=7, history=False)
    (plan,) = {measure.plan for measure in Measure.objects.select_related("plan")}
    assert ProgressReport.objects.filter(withdrawn_on__isnull=False).exists()
    days = _days(plan)
    assert _assert_same_counts(plan, days) == len(plan.fiscal_years) * len(days)
    # Something was counted: every status, a grade, and measures not yet reported.
    year, _, latest = _counted(plan, plan.last_fiscal_year, days[-1])
    assert latest and year.reported and year.unreported == 0
    assert sum(year.by_grade.values()) == year.reported


# Grades whose minimums fall between tenths and on each other, to check rounding and the order of
# equal minimums: 0, 6.3 (twice: 丁 is listed first), 79.95 (reached from 80.0), 100.
EDGE_GRADES = [  # code, minimum, order
    ("甲", Decimal(100), 1),
    ("乙", Decimal("79.95"), 2),
    ("丙", Decimal("6.3"), 4),
    ("丁", Decimal("6.30"), 3),
    ("戊", Decimal(0), 5),
    ("−", None, 6),
]

# (目標値, 実績値) and, in a comment, the rate as Decimal.quantize rounds it (half to even).
EDGE_FIGURES = [
    (16, 1),  # 6.25 → 6.2: below 6.3 (half up would say 6.3)
    (16, "1.01"),  # 6.3125 → 6.3
    (2000, 1599),  # 79.95 → 80.0: reaches 79.95
    (2000, "1598.99"),  # 79.9495 → 79.9
    (200, "199.9"),  # 99.95 → 100.0 (even)
    (200, "199.7"),  # 99.85 → 99.8 (even)
    (200, "199.98"),  # 99.99 → 100.0
    (3, 1),  # 33.333… → 33.3
    ("0.03", "0.01"),  # 33.333… → 33.3
    (8, 1),  # 12.5
    ("0.01", "999999999999.99"),  # the largest rate the figures allow
    ("999999999999.99", "999999999999.99"),  # 100.0
    ("999999999999.99", "0.01"),  # 0.0
    (100, 0),  # 0.0: reaches 0
    (0, 5),  # no rate: a target of zero
    (None, 5),  # no rate: a text-only target
    (100, None),  # no rate: no actual figure
    ("0.07", "0.01"),  # 14.2857… → 14.3
    ("0.1", "0.07"),  # 70.0, though 0.07 / 0.1 is 70.00000000000001 in floating point
    ("1.1", "0.77"),  # 70.0 (0.77 / 1.1 is 0.7000000000000001 in floating point)
]


def _withdraw(report, on, reason):
    progress_report_withdraw(
        report=report, withdrawn_on=on, reason=reason, by=None, loaded_version=report.version
    )


def _edge_plan():
    scale = EvaluationScale.objects.create(name="境界を試す評価")
    for code, minimum, order in EDGE_GRADES:
        EvaluationGrade.objects.create(scale=scale, code=code, min_rate=minimum, order=order)
    plan = make_plan(name="境界の計画", first=2030, last=2031, evaluation_scale=scale)
    purposes = [
        Purpose.objects.create(plan=plan, code=code, text=f"目的{code}" * 20, order=order)
        for order, code in enumerate(("ア", "イ", "ウ"), start=1)
    ]
    Purpose.objects.create(plan=plan, code="エ", text="施策のない目的", order=4)
    number = 0

    def measure():
        nonlocal number
        number += 1
        return make_measure(plan=plan, number=number, title=f"施策{number}", purpose=purposes[number % 3])

    for target, actual in EDGE_FIGURES:
        m = measure()
        add_target(m, 2030, target)
        add_report(m, 2030, date(2030, 9, 30), status_name="実施中", progress=40, actual=actual)
    # No target, no report, a report in the other year only.
    m = measure()
    add_report(m, 2030, date(2030, 9, 30), status_name="未着手", progress=0, actual=3)
    measure()
    m = measure()
    add_target(m, 2031, 10)
    add_report(m, 2031, date(2031, 9, 30), status_name="完了", progress=100, actual=10)
    # Several reports: later ones, one after the last 基準日 asked, one withdrawn and corrected on
    # the same day, a withdrawn one that was the latest, a withdrawn one in the past.
    m = measure()
    add_target(m, 2030, 50)
    add_report(m, 2030, date(2030, 6, 30), status_name="未着手", progress=10, actual=5)
    add_report(m, 2030, date(2030, 12, 31), status_name="実施中", progress=60, actual=30)
    wrong = add_report(m, 2030, date(2031, 3, 31), status_name="遅延", progress=70, actual=40)
    _withdraw(wrong, date(2031, 4, 2), "入力の誤り")
    add_report(m, 2030, date(2031, 3, 31), status_name="完了", progress=100, actual=50)
    add_report(m, 2030, date(2031, 5, 31), status_name="中止", progress=100, actual=60)
    m = measure()
    add_target(m, 2030, 50)
    add_report(m, 2030, date(2030, 9, 30), status_name="実施中", progress=50, actual=45)
    wrong = add_report(m, 2030, date(2030, 12, 31), status_name="完了", progress=100, actual=500)
    _withdraw(wrong, date(2031, 1, 10), "桁の誤り")
    m = measure()
    add_target(m, 2030, 10)
    wrong = add_report(m, 2030, date(2030, 9, 30), status_name="遅延", progress=20, actual=1)
    _withdraw(wrong, date(2030, 10, 5), "別の施策の報告")
    return plan


@pytest.mark.django_db
def test_rates_on_a_grades_edge_and_every_kind_of_report_are_counted_as_the_rows_count_them(seeded):
    plan = _edge_plan()
    days = _days(plan)
    _assert_same_counts(plan, days)
    year, purposes, latest = _counted(plan, 2030, date(2031, 4, 30))
    assert latest == date(2031, 3, 31)
    assert list(purposes) == [p.pk for p in plan.purposes.order_by("order")[:3]]
    # Every grade is used, so a grade counted wrongly shows; of two at the same minimum, the first.
    assert year.by_grade.pop("丙") == 0
    assert all(year.by_grade.values()), year.by_grade


@pytest.mark.django_db
def test_a_plan_without_an_evaluation_scale_or_measures_is_counted_as_its_rows_are(seeded):
    plan = _edge_plan()
    plan.evaluation_scale = None
    plan.save(update_fields=["evaluation_scale"])
    _assert_same_counts(plan, _days(plan))
    empty = make_plan(name="施策のない計画", first=2034, last=2035)
    assert _counted(empty, 2034, date(2035, 3, 31)) == _tallied(empty, 2034, date(2035, 3, 31))
    assert _counted(empty, 2034, date(2035, 3, 31)) == (None, {}, None)
