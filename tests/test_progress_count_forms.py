"""On PostgreSQL, the home page's counts read each measure's latest standing report by a LATERAL
join (measures/selectors/lateral.py); the rule's definition is the ORM's join
(plans._latest_report_relation), which SQLite runs. Both forms must give the same counts and the
same first changes, on the same PostgreSQL data: several plans (a synthetic pair, a plan of
edge cases, a plan of each kind of change), withdrawn and corrected reports (a correction dated
the same day as the report it replaces), reports dated after the day, reports in other fiscal
years, measures without a report or a target.

tests/test_progress_count.py and tests/test_progress_changes.py compare whichever form runs with
the progress rows read in Python, on both databases.
"""

from datetime import date

import pytest
from django.db import connection

from benchmarks.synthetic import build_synthetic_plans
from measures.legend import legend_for
from measures.models import Measure, Plan
from measures.selectors import lateral, progress_change_count, progress_year_count

from .test_progress_changes import _change_plan, _day_pairs, _key
from .test_progress_count import _days, _edge_plan

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the LATERAL form runs on PostgreSQL only"
)


def _both_forms(monkeypatch, count, *args):
    """``count(*args)`` by the LATERAL form, then by the ORM form."""
    assert lateral.counted_by_lateral()
    by_lateral = count(*args)
    with monkeypatch.context() as patched:
        patched.setattr(lateral, "counted_by_lateral", lambda: False)
        by_orm = count(*args)
    return by_lateral, by_orm


def _year_counts(plan, fiscal_year, as_of):
    legend = legend_for(plan)
    count = progress_year_count(
        plan=plan, fiscal_year=fiscal_year, as_of=as_of, statuses=legend.statuses, grades=legend.grades
    )
    return count.year, count.purposes, count.latest_report_on


def _changes(plan, since, as_of, limit):
    legend = legend_for(plan)
    counted = progress_change_count(
        plan=plan, since=since, as_of=as_of, limit=limit, statuses=legend.statuses, grades=legend.grades
    )
    return counted.total, [_key(change) for change in counted.first]


def _assert_same_forms(monkeypatch, plan, days, pairs, limit=10):
    """The same year counts on every day, and the same changes (how many, and the first
    ``limit``) between every pair of days."""
    for fiscal_year in plan.fiscal_years:
        for as_of in days:
            by_lateral, by_orm = _both_forms(monkeypatch, _year_counts, plan, fiscal_year, as_of)
            assert by_lateral == by_orm, (plan.name, fiscal_year, as_of)
    changed = 0
    for since, as_of in pairs:
        by_lateral, by_orm = _both_forms(monkeypatch, _changes, plan, since, as_of, limit)
        assert by_lateral == by_orm, (plan.name, since, as_of)
        changed += by_lateral[0]
    return changed


@pytest.mark.django_db
def test_two_synthetic_plans_are_counted_alike_by_both_forms(monkeypatch):
    build_synthetic_plans(plans=2, measures_per_plan=10, seed=11, history=False)
    plans = list(Plan.objects.filter(measures__isnull=False).distinct())
    assert len(plans) == 2
    for plan in plans:
        assert Measure.objects.filter(plan=plan, progress_reports__withdrawn_on__isnull=False).exists()
        days = _days(plan)
        # Every third day, and the first and the last, keep the test short.
        days = sorted(set(days[::3]) | {days[0], days[-1]})
        assert _assert_same_forms(monkeypatch, plan, days, _day_pairs(days)) > 0


@pytest.mark.django_db
def test_a_plan_of_each_kind_of_change_is_counted_alike_by_both_forms(seeded, monkeypatch):
    plan = _change_plan()
    days = _days(plan)
    assert _assert_same_forms(monkeypatch, plan, days, _day_pairs(days), limit=3) > 0


@pytest.mark.django_db
def test_the_edge_plan_is_counted_alike_by_both_forms_with_and_without_a_scale(seeded, monkeypatch):
    plan = _edge_plan()
    days = _days(plan)
    assert _assert_same_forms(monkeypatch, plan, days, _day_pairs(days), limit=3) > 0
    # Without an evaluation scale: no grade on either side.
    plan.evaluation_scale = None
    plan.save(update_fields=["evaluation_scale"])
    _assert_same_forms(monkeypatch, plan, days, [(days[0], days[-1]), (date(2030, 10, 1), date(2031, 4, 30))])
