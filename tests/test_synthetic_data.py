"""benchmarks.generate_synthetic_plans: data that passes the models' own rules, the same for the same seed,
never mixed into a real database by accident. (The pages render with it: test_query_counts_at_scale.)"""

from __future__ import annotations

import pytest

from benchmarks.generate_synthetic_plans import main as generate_synthetic_plans
from benchmarks.synthetic import SYNTHETIC_PREFIX, build_synthetic_plans
from measures.models import AnnualTarget, Measure, Plan, ProgressReport, Purpose
from schedule.models import Phase, PublicCommentPeriod, ScheduledItem

from .conftest import delete_rows, plan_models
from .factories import seed_plan


def _rows():
    """Every synthetic row as the user would compare them: values, not ids."""
    return (
        list(
            Plan.objects.values_list("name", "first_fiscal_year", "last_fiscal_year", "status", "adopted_on")
        ),
        list(
            Measure.objects.order_by("plan__first_fiscal_year", "number").values_list(
                "title", "purpose__code"
            )
        ),
        list(
            AnnualTarget.objects.order_by("measure__number", "fiscal_year").values_list(
                "fiscal_year", "indicator_name", "target_value"
            )
        ),
        list(
            ProgressReport.objects.order_by(
                "measure__number", "fiscal_year", "as_of", "withdrawn_on"
            ).values_list(
                "as_of", "status__name", "actual_value", "progress_percent", "withdrawn_on", "created_at"
            )
        ),
        list(ScheduledItem.objects.values_list("fiscal_year", "planned_date", "status")),
    )


def _spread(queryset, count: int) -> list:
    """``count`` rows spread evenly over the table in id order: the same rows on every run."""
    rows = list(queryset.order_by("pk"))
    return rows[:: max(1, len(rows) // count)][:count]


def test_every_row_it_makes_passes_the_models_rules(db):
    build_synthetic_plans(plans=2, measures_per_plan=40, seed=7)
    samples = [
        *Plan.objects.all(),
        *Purpose.objects.all(),
        *_spread(Measure.objects.all(), 20),
        *_spread(AnnualTarget.objects.all(), 30),
        *_spread(ProgressReport.objects.all(), 60),
        *ProgressReport.objects.filter(withdrawn_on__isnull=False),
        *Phase.objects.all(),
        *ScheduledItem.objects.all(),
        *PublicCommentPeriod.objects.all(),
    ]
    for row in samples:
        row.full_clean()  # raises ValidationError with the message a secretary would see


def test_it_makes_targets_reports_withdrawals_and_a_schedule(db):
    summary = build_synthetic_plans(plans=2, measures_per_plan=30, seed=1)
    assert summary.measures == Measure.objects.count() == 60
    assert AnnualTarget.objects.count() == 180  # three years a measure
    for measure in Measure.objects.all()[:10]:
        assert (
            sorted(measure.annual_targets.values_list("fiscal_year", flat=True)) == measure.plan.fiscal_years
        )
    per_year = ProgressReport.objects.filter(measure__number=1, fiscal_year=1990).count()
    assert per_year >= 3  # measure 1's first year: its reports and the withdrawn one
    withdrawn = ProgressReport.objects.filter(withdrawn_on__isnull=False)
    assert withdrawn.exists() and summary.withdrawn == withdrawn.count()
    for report in withdrawn:
        assert report.withdrawn_on >= report.as_of and report.withdrawal_reason and report.withdrawn_by_id
    # A full drafting schedule in each plan's drafting year: 3 phases, 14 items, a public comment.
    for plan in Plan.objects.all():
        year = plan.drafting_fiscal_year
        assert Phase.objects.filter(fiscal_year=year).count() == 3
        assert ScheduledItem.objects.filter(fiscal_year=year).count() == 14
        assert PublicCommentPeriod.objects.filter(fiscal_year=year).count() == 1
        assert plan.name.startswith(SYNTHETIC_PREFIX)


def test_successive_plans_follow_one_another(db):
    build_synthetic_plans(plans=3, measures_per_plan=2, seed=1)
    build_synthetic_plans(plans=1, measures_per_plan=2, seed=1)
    periods = sorted(Plan.objects.values_list("first_fiscal_year", "last_fiscal_year"))
    assert periods == [(1990, 1992), (1993, 1995), (1996, 1998), (1999, 2001)]


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(db):
    build_synthetic_plans(plans=1, measures_per_plan=25, seed=3)
    first = _rows()
    delete_rows(plan_models())
    build_synthetic_plans(plans=1, measures_per_plan=25, seed=3)
    assert _rows() == first
    delete_rows(plan_models())
    build_synthetic_plans(plans=1, measures_per_plan=25, seed=4)
    assert _rows()[1] != first[1]


def test_the_command_refuses_a_database_with_the_wards_plan(seeded, capsys):
    with pytest.raises(SystemExit) as exit_:
        generate_synthetic_plans(["--plans", "1", "--measures-per-plan", "3"])
    assert exit_.value.code == 2
    assert "合成データではない計画があります(文京区官民データ活用推進計画)。" in capsys.readouterr().err
    assert Plan.objects.count() == 1


def test_with_force_it_adds_plans_around_the_wards_plan_and_its_schedule(seeded, capsys):
    generate_synthetic_plans(["--plans", "11", "--measures-per-plan", "2", "--force"])
    assert "合成データを作りました: 計画11件" in capsys.readouterr().out
    ward = seed_plan()
    for first, last in Plan.objects.exclude(pk=ward.pk).values_list("first_fiscal_year", "last_fiscal_year"):
        assert last < ward.first_fiscal_year or first > ward.last_fiscal_year  # never overlapping
        assert first - 1 != 2018  # the ward's FY2018 drafting schedule stays alone in its year
    assert ward.measures.count() == 5


def test_the_command_says_how_many_measures_a_plan_may_hold(db, capsys):
    with pytest.raises(SystemExit) as exit_:
        generate_synthetic_plans(["--plans", "1", "--measures-per-plan", "50000"])
    assert exit_.value.code == 2
    assert "--measures-per-plan は1から32767までにしてください。" in capsys.readouterr().err


def test_production_manage_py_has_no_way_to_add_synthetic_plans(db):
    """The generator is the benchmarks' (issue 23, item 7): not a command of the deployed project."""
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Unknown command: 'generate_synthetic_plans'"):
        call_command("generate_synthetic_plans")
