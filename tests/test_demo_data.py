"""The demo figures (fixtures/demo_progress.json, loaded by load_plan --demo) read like a real
ward's: nothing counted in whole things comes out as a fraction ("0.5システム"), counts grow
over the plan, and each report says something of its own."""

from __future__ import annotations

from collections import defaultdict

import pytest

from measures.models import AnnualTarget, ProgressReport

pytestmark = pytest.mark.usefixtures("demo")

# Units of things that are counted one by one: a value in them is a whole number.
WHOLE_UNITS = ("件", "システム", "業務", "人", "回", "手続")


def test_every_value_counted_in_whole_things_is_a_whole_number():
    targets = AnnualTarget.objects.all()
    checked = 0
    for target in targets:
        if target.indicator_unit not in WHOLE_UNITS:
            continue
        values = [("目標値", target.target_value), ("基準値", target.baseline_value)]
        values += [
            (f"実績値 {report.as_of}", report.actual_value)
            for report in ProgressReport.objects.filter(
                measure=target.measure, fiscal_year=target.fiscal_year
            )
        ]
        for name, value in values:
            if value is None:
                continue
            checked += 1
            assert value == value.to_integral_value(), f"{target}: {name} {value}{target.indicator_unit}"
    assert checked > 30, "the example has counted indicators"


def test_an_indicator_never_falls_over_the_plan_and_its_target_rises_each_year():
    actuals = defaultdict(list)
    for report in ProgressReport.objects.order_by("as_of").select_related("measure"):
        actuals[report.measure_id].append(report.actual_value)
    for measure_id, values in actuals.items():
        assert values == sorted(values), f"measure {measure_id}: {values}"
    targets = defaultdict(list)
    for target in AnnualTarget.objects.order_by("fiscal_year"):
        targets[target.measure_id].append(target.target_value)
    for measure_id, values in targets.items():
        assert values == sorted(set(values)), f"measure {measure_id}: {values}"


def test_reports_say_something_of_their_own():
    narratives = list(ProgressReport.objects.values_list("narrative", flat=True))
    assert len(set(narratives)) == len(narratives)
    assert len({r.progress_percent for r in ProgressReport.objects.all()}) > 5, "not every report at 50%"
