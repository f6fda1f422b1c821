"""The 基準日 a report takes when none is typed: today while the plan runs; for a plan that has
ended, the last day of its period, or its latest report's date when that is later. One rule, in
measures.selectors.plan_default_as_of, read through the shared filter by the print pages, the
workbook and the export command alike."""

from __future__ import annotations

from datetime import date

import pytest

from measures.models import Measure, ProgressReport
from measures.selectors import plan_current, plan_current_with_default_as_of, plan_default_as_of
from reports.filters import MeasureProgressFilter

from .factories import add_report, make_plan, seed_plan

pytestmark = pytest.mark.usefixtures("demo")


def test_while_the_plan_runs_the_date_is_today():
    assert plan_default_as_of(seed_plan(), on=date(2020, 8, 15)) == date(2020, 8, 15)
    assert plan_default_as_of(seed_plan(), on=date(2022, 3, 31)) == date(2022, 3, 31)


def test_once_the_plan_has_ended_the_date_is_the_last_day_of_its_period():
    assert plan_default_as_of(seed_plan(), on=date(2026, 11, 28)) == date(2022, 3, 31)


def test_a_report_after_the_period_moves_the_date_to_it_but_not_past_today():
    measure = Measure.objects.get(number=5)
    add_report(measure, 2021, date(2022, 6, 30), progress=100, status_name="完了")
    assert plan_default_as_of(seed_plan(), on=date(2026, 11, 28)) == date(2022, 6, 30)
    assert plan_default_as_of(seed_plan(), on=date(2022, 5, 1)) == date(2022, 3, 31)


def test_a_withdrawn_report_does_not_move_the_date():
    measure = Measure.objects.get(number=5)
    report = add_report(measure, 2021, date(2022, 6, 30))
    report.withdrawn_on, report.withdrawal_reason = date(2022, 7, 1), "誤って登録した"
    report.full_clean()
    report.save()
    assert ProgressReport.objects.filter(as_of__gt=date(2022, 3, 31)).count() == 1
    assert plan_default_as_of(seed_plan(), on=date(2026, 11, 28)) == date(2022, 3, 31)


def test_the_shared_filter_takes_it_and_a_typed_date_wins():
    chosen = MeasureProgressFilter({})
    assert chosen.is_valid()
    assert chosen.as_of_date == date(2022, 3, 31) and chosen.as_of_is_default
    typed = MeasureProgressFilter({"as_of": "2020/03/31"})
    assert typed.is_valid()
    assert typed.as_of_date == date(2020, 3, 31) and not typed.as_of_is_default
    assert ("基準日", "令和2年3月31日(2020年3月31日)") in typed.applied_filters()
    assert all(label != "基準日" for label, _ in chosen.applied_filters()), "a default is no filter"


def _read_apart(on: date):
    plan = plan_current(on)
    return _fields(plan), None if plan is None else plan_default_as_of(plan, on)


def _fields(plan):
    """Every field's value, not just the id (which is what == compares)."""
    return plan and [getattr(plan, field.attname) for field in type(plan)._meta.concrete_fields]


def _read_together(on: date):
    plan, as_of = plan_current_with_default_as_of(on)
    return _fields(plan), as_of


# Before, during and after the seed plan (2019–2021), and long after it.
DAYS = (date(2019, 3, 31), date(2020, 8, 15), date(2022, 3, 31), date(2022, 5, 1), date(2026, 11, 28))


@pytest.mark.parametrize("on", DAYS)
def test_the_current_plan_and_its_date_read_together_are_the_two_read_apart(on):
    """plan_current_with_default_as_of (one statement, for the report pages and the API) gives what
    plan_current and plan_default_as_of give, with reports after the period, a withdrawn one, an
    older plan and a newer one that has ended too."""
    measure = Measure.objects.get(number=5)
    add_report(measure, 2021, date(2022, 6, 30), progress=100, status_name="完了")
    withdrawn = add_report(measure, 2021, date(2022, 8, 31))
    withdrawn.withdrawn_on, withdrawn.withdrawal_reason = date(2022, 9, 1), "誤って登録した"
    withdrawn.full_clean()
    withdrawn.save()
    assert _read_together(on) == _read_apart(on)
    make_plan(name="前の計画", first=2016, last=2018)
    assert _read_together(on) == _read_apart(on)
    newer = make_plan(name="次の計画", first=2022, last=2024)
    assert _read_together(on) == _read_apart(on)
    assert plan_current_with_default_as_of(date(2026, 11, 28)) == (newer, date(2025, 3, 31))


def test_with_no_plan_there_is_neither():
    from measures.models import Plan

    Measure.objects.all().delete()
    Plan.objects.all().delete()
    assert plan_current_with_default_as_of(date(2026, 11, 28)) == (None, None)
