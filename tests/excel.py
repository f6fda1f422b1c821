"""Reading the manager's workbook back the way a user's Excel would, and what the database says it should show."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook

from measures.models import AnnualTarget, Measure, ProgressReport, grade_for_rate
from reports.filters import MeasureProgressFilter
from reports.workbook import ProgressExport, write_progress_workbook

GENERATED_AT = datetime(2021, 4, 5, 9, 30)


def export_bytes(data: dict | None = None, *, queryset=None) -> bytes:
    filterset = MeasureProgressFilter(data or {}, queryset=queryset)
    assert filterset.is_valid(), filterset.form.errors
    output = io.BytesIO()
    write_progress_workbook(ProgressExport.from_filter(filterset), output, generated_at=GENERATED_AT)
    return output.getvalue()


def open_workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def export_workbook(data: dict | None = None, *, queryset=None):
    return open_workbook(export_bytes(data, queryset=queryset))


def sheet_xml(content: bytes) -> dict[str, str]:
    """The raw XML of every worksheet: what Excel itself parses."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
        }


def values(ws) -> list[list]:
    """Every row's values, trailing empty cells dropped, as a reader sees them."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def every_text(workbook) -> list[str]:
    return [
        str(cell.value) for ws in workbook for row in ws.iter_rows() for cell in row if cell.value is not None
    ]


def as_date(value) -> date | None:
    """Excel has no date type: openpyxl reads a date cell back as midnight."""
    return value.date() if isinstance(value, datetime) else value


@dataclass
class Expected:
    """What one measure-year should show, worked out from the models directly (not the selectors)."""

    target: AnnualTarget | None
    report: ProgressReport | None

    @property
    def rate(self):
        return self.target.achievement_rate(self.report.actual_value) if self.target and self.report else None

    def grade(self, plan):
        return grade_for_rate(list(plan.evaluation_scale.grades.all()), self.rate) if self.report else None


def expected_year(measure: Measure, year: int, as_of: date) -> Expected:
    report = (
        ProgressReport.objects.filter(
            measure=measure, fiscal_year=year, as_of__lte=as_of, withdrawn_on__isnull=True
        )
        .order_by("-as_of", "-id")
        .first()
    )
    return Expected(AnnualTarget.objects.filter(measure=measure, fiscal_year=year).first(), report)


def fill_rgb(cell) -> str | None:
    """The cell's solid background as RRGGBB, None when it has none."""
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return cell.fill.fgColor.rgb[-6:].upper()
