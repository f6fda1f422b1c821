"""The measures' list is written by core.api.ListWriter from MeasureSerializer's one declaration:
every field the serializer declares, and the same values as DRF writes them (the detail still goes
through DRF), for a page with targets, reports, a withdrawn report, links and a measure with none."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework import serializers

from core import api
from measures.models import Measure
from measures.selectors import measure_link_ids, measure_progress_rows
from measures.services import progress_report_withdraw
from reports.api import MeasureSerializer

from .factories import add_report, make_measure, seed_plan

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def page(django_user_model):
    plan = seed_plan()
    measure = plan.measures.order_by("pk").first()
    secretariat = django_user_model.objects.create(username="secretariat", last_name="文京")
    report = add_report(measure, 2019, date(2019, 11, 15), progress=60)
    progress_report_withdraw(
        report=report, withdrawn_on=date(2019, 11, 16), reason="誤り", by=secretariat, loaded_version=1
    )
    make_measure(plan=plan, number=99, title="報告も目標もない施策")
    return plan, list(plan.measures.select_related("purpose").order_by("pk"))


def _context(plan, measures, as_of):
    rows = measure_progress_rows(plan=plan, as_of=as_of, measures=measures, with_names=False)
    return {
        "progress": {row.pk: row for row in rows},
        "links": measure_link_ids([m.pk for m in measures]),
        "as_of": as_of,
    }


@pytest.mark.parametrize("as_of", [date(2019, 11, 15), date(2021, 3, 31), date(2022, 6, 1)])
def test_the_list_writes_what_drf_writes_for_every_declared_field(page, as_of):
    plan, measures = page
    context = _context(plan, measures, as_of)
    written = api.ListWriter(MeasureSerializer).write(measures, context=context)
    by_drf = MeasureSerializer(measures, many=True, context=context).data
    assert [list(record) for record in written] == [list(MeasureSerializer.Meta.fields)] * len(measures)
    assert written == [dict(record) for record in by_drf]
    assert any(record["departments"] for record in written)
    assert any(year["report_id"] for record in written for year in record["years"])
    assert written[-1]["years"][0] == {
        **written[-1]["years"][0],
        "target": None,
        "report_id": None,
        "evaluation": None,
    }


def test_a_field_the_writer_cannot_write_without_the_request_is_refused_when_it_is_built():
    class Linked(serializers.ModelSerializer):
        url = serializers.HyperlinkedIdentityField(view_name="measure-detail")

        class Meta:
            model = Measure
            fields = ("id", "url")

    with pytest.raises(TypeError, match="Linked.url"):
        api.ListWriter(Linked)
