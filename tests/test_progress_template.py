"""The department's template, read back as Excel reads it: its checks, its frozen pane and its
print titles all sit on the table, from the heading row to the last measure."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from measures.models import Department, Measure
from reports.sheets import exchange as x

from .factories import seed_plan
from .test_progress_import import Filled, secretariat_client, template_bytes  # noqa: F401

pytestmark = pytest.mark.usefixtures("demo")


def _covering(ws, row: int, column: int) -> set[str]:
    """The types of the data validations that hold the cell."""
    found = set()
    for validation in ws.data_validations.dataValidation:
        for cell_range in str(validation.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(cell_range)
            if min_col <= column <= max_col and min_row <= row <= max_row:
                found.add(validation.type)
    return found


@pytest.mark.parametrize("department", ["広報課", None], ids=["one measure", "all"])
def test_every_measure_row_and_no_heading_has_each_check(secretariat_client, department):  # noqa: F811
    owner = Department.objects.get(name=department) if department else None
    content = template_bytes(secretariat_client, department=owner)
    filled = Filled(content)
    ws, header = filled.ws, filled.header
    measures = Measure.objects.filter(plan=seed_plan())
    if owner:
        measures = measures.filter(departments=owner)
    rows = [filled.row_of(m) for m in measures]
    assert len(rows) == measures.count() >= 1
    assert sorted(rows) == list(range(header + 1, header + 1 + len(rows)))
    expected = {x.STATUS: "list", x.PROGRESS: "decimal", x.AS_OF: "date", x.ACTUAL_VALUE: "decimal"}
    for heading, kind in expected.items():
        column = filled.columns[heading]
        for row in rows:
            assert _covering(ws, row, column) == {kind}, (heading, row)
        assert _covering(ws, header, column) == set(), heading
        assert _covering(ws, rows[-1] + 1, column) == set(), heading
    assert ws.freeze_panes == f"E{header + 1}"
    reread = load_workbook(io.BytesIO(content))
    assert reread.active.print_title_rows == f"${header}:${header}"
