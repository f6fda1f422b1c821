"""The plan data a test starts from (tests/conftest.py loads it once per database) is exactly what
`load_plan` loads into an empty database, as make run does: with ``seeded`` the plan alone, with
``demo`` the demo targets and reports too, and with neither nothing at all."""

import pytest
from django.core.management import call_command

from .conftest import delete_rows, plan_models


def _rows():
    """Every row of the plan's tables, by value. Left out: a history row's id and date, which only
    say when it was loaded, and the id of a many-to-many link, which the fixtures do not give."""
    rows = {}
    for model in plan_models():
        left_out = {"history_id", "history_date"} | (
            {model._meta.pk.attname} if model._meta.auto_created else set()
        )
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in left_out]
        rows[model._meta.label] = sorted(map(repr, model._base_manager.values_list(*fields)))
    return rows


def _as_loaded_into_an_empty_database(**options):
    delete_rows(plan_models())
    assert not any(_rows().values())
    call_command("load_plan", verbosity=0, **options)
    return _rows()


def test_seeded_is_the_plan_as_load_plan_loads_it(seeded):
    given = _rows()
    assert given["measures.Measure"] and given["measures.HistoricalMeasure"]
    assert not given["measures.ProgressReport"] and not given["measures.AnnualTarget"]
    assert given == _as_loaded_into_an_empty_database()


def test_demo_is_the_plan_and_demo_data_as_load_plan_demo_loads_them(demo):
    given = _rows()
    assert given["measures.ProgressReport"] and given["measures.HistoricalProgressReport"]
    assert given == _as_loaded_into_an_empty_database(demo=True)


@pytest.mark.django_db
def test_without_them_the_plans_tables_are_empty():
    assert not any(_rows().values())
