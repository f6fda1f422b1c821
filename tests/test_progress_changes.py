"""What changed between two dates, counted by the database, is what progress_changes lists.

``progress_change_count`` counts the measure-years whose status, grade or progress differs between
two dates, or one of whose reports was withdrawn in between, in one query, and reads in full only
the first few (the home page's ten); ``progress_changes`` compares every measure's rows as of both
dates, as the printed council report does. Both must find the same changes, in the same order, for
every pair of days on which a report is dated or withdrawn: withdrawn reports, several reports a
year, reports dated after the day, measures without a report or a target, a revised target, a
change undone by a later report, years without a report, and a plan without an evaluation scale.
"""

from datetime import date

import pytest

from benchmarks.synthetic import build_synthetic_plans
from measures.legend import legend_for
from measures.models import AnnualTarget, Measure, ProgressReport, Purpose
from measures.selectors import measure_progress_rows, progress_change_count, progress_changes

from .factories import add_report, add_target, make_measure, make_plan
from .test_progress_count import _days, _edge_plan, _withdraw


def _listed(plan, since, as_of, legend):
    """What progress_changes lists, over every measure of the plan (the printed page's way)."""
    measures = Measure.objects.filter(plan=plan)
    scale = {"statuses": legend.statuses, "grades": legend.grades}
    return progress_changes(
        plan=plan,
        measures=measures,
        since=since,
        as_of=as_of,
        rows=measure_progress_rows(plan=plan, as_of=as_of, measures=measures, with_names=False, **scale),
        **scale,
    )


def _key(change):
    return change.measure.pk, change.fiscal_year, change.before, change.after, change.withdrawn


def _assert_same_changes(plan, since, as_of, limit=1000):
    """The same changes, in the same order: every one, in every year of the plan (``limit`` above
    the number of measures), or the first ``limit`` and how many there are."""
    legend = legend_for(plan)
    listed = _listed(plan, since, as_of, legend)
    counted = progress_change_count(
        plan=plan, since=since, as_of=as_of, limit=limit, statuses=legend.statuses, grades=legend.grades
    )
    assert counted.total == len(listed), (since, as_of)
    assert [_key(c) for c in counted.first] == [_key(c) for c in listed[:limit]], (since, as_of)
    return len(listed)


def _day_pairs(days):
    """(since, as_of): each day against the last and the first against each: every day a report
    is dated or withdrawn, and the day before it, on either side."""
    return sorted({(since, days[-1]) for since in days} | {(days[0], as_of) for as_of in days})


@pytest.mark.django_db
def test_a_synthetic_plan_changes_as_its_rows_do_between_the_days_of_its_reports():
    build_synthetic_plans(plans=1, measures_per_plan=20, seed=7, history=False)
    (plan,) = {measure.plan for measure in Measure.objects.select_related("plan")}
    assert ProgressReport.objects.filter(withdrawn_on__isnull=False).exists()
    days = _days(plan)
    for since, as_of in _day_pairs(days):
        _assert_same_changes(plan, since, as_of)
    # Something changed, more than the ten shown; the first ten are those listed first.
    assert _assert_same_changes(plan, days[0], days[-1], limit=10) > 10


def _change_plan():
    """Measures whose figures change in one way each, between 2030-09-30 and 2031-03-31."""
    plan = make_plan(name="変化の計画", first=2030, last=2031)
    purpose = Purpose.objects.create(plan=plan, code="ア", text="目的ア", order=1)
    number = 0

    def measure(target=None):
        nonlocal number
        number += 1
        m = make_measure(plan=plan, number=number, title=f"施策{number}", purpose=purpose)
        if target is not None:
            add_target(m, 2030, target)
        return m

    autumn, spring = date(2030, 9, 30), date(2031, 3, 31)
    m = measure(100)  # the status alone
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=50)
    add_report(m, 2030, spring, status_name="遅延", progress=50, actual=50)
    m = measure(100)  # the progress alone
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=50)
    add_report(m, 2030, spring, status_name="実施中", progress=60, actual=50)
    m = measure(100)  # the grade alone: 79.9 % (C) to 80.0 % (B)
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual="79.9")
    add_report(m, 2030, spring, status_name="実施中", progress=50, actual=80)
    m = measure(100)  # the actual figure, within one grade: no change
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=81)
    add_report(m, 2030, spring, status_name="実施中", progress=50, actual=85)
    m = measure(100)  # changed, then changed back: no change
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=50)
    add_report(m, 2030, date(2030, 12, 31), status_name="遅延", progress=40, actual=10)
    add_report(m, 2030, spring, status_name="実施中", progress=50, actual=50)
    m = measure(100)  # a revised target: both dates are graded against the target as it is now
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=45)
    add_report(m, 2030, spring, status_name="実施中", progress=50, actual=50)
    AnnualTarget.objects.filter(measure=m, fiscal_year=2030).update(target_value=200)
    m = measure()  # no target: the grade without a minimum on both dates
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=5)
    add_report(m, 2030, spring, status_name="実施中", progress=50, actual=7)
    m = measure(100)  # first reported between the dates, and in the other year only
    add_report(m, 2030, spring, status_name="未着手", progress=0)
    add_report(measure(100), 2031, date(2031, 6, 30), status_name="実施中", progress=10)
    measure(100)  # never reported
    m = measure(100)  # a withdrawal that changes nothing else; one in the other year, later
    add_report(m, 2030, autumn, status_name="実施中", progress=50, actual=50)
    _withdraw(
        add_report(m, 2030, date(2030, 12, 31), status_name="実施中", progress=50, actual=50), spring, "重複"
    )
    _withdraw(
        add_report(m, 2031, date(2031, 9, 30), status_name="完了", progress=100), date(2031, 10, 5), "誤り"
    )
    m = measure(100)  # the only report withdrawn: reported before, not now
    _withdraw(add_report(m, 2030, autumn, status_name="完了", progress=100, actual=100), spring, "誤り")
    return plan


@pytest.mark.django_db
def test_each_kind_of_change_is_found_as_the_rows_find_it(seeded):
    plan = _change_plan()
    days = _days(plan)
    for since, as_of in _day_pairs(days):
        _assert_same_changes(plan, since, as_of)
    _assert_same_changes(plan, date(2030, 10, 1), date(2031, 4, 30), limit=3)
    counted = progress_change_count(plan=plan, since=date(2030, 10, 1), as_of=date(2031, 4, 30), limit=20)
    changed = [(c.measure.number, c.fiscal_year) for c in counted.first]
    assert changed == [(1, 2030), (2, 2030), (3, 2030), (8, 2030), (11, 2030), (12, 2030)]
    assert counted.total == 6


@pytest.mark.django_db
def test_the_edge_plan_changes_as_its_rows_do_with_and_without_an_evaluation_scale(seeded):
    plan = _edge_plan()
    days = _days(plan)
    for since, as_of in _day_pairs(days):
        _assert_same_changes(plan, since, as_of)
    plan.evaluation_scale = None
    plan.save(update_fields=["evaluation_scale"])
    for since, as_of in _day_pairs(days):
        _assert_same_changes(plan, since, as_of)


@pytest.mark.django_db
def test_a_plan_without_measures_has_no_changes(seeded):
    plan = make_plan(name="施策のない計画", first=2034, last=2035)
    counted = progress_change_count(plan=plan, since=date(2034, 4, 1), as_of=date(2035, 3, 31), limit=10)
    assert (counted.total, counted.first) == (0, [])
