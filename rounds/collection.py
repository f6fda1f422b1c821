"""The progress template: a fiscal year's sheet for one department (or all), to fill in and upload back.

The sheet itself is rounds.template_sheet; this module chooses its measures, names the file
and says in the file's properties what it is for, which the upload (rounds.importing) reads.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.packaging.custom import IntProperty, StringProperty

from core import clock, fiscal
from core.xlsx import XLSX_CONTENT_TYPE, attachment
from measures.models import Department, Measure, Plan, ProgressStatus
from measures.selectors import measure_progress_rows
from measures.sheets import exchange as x
from measures.sheets.layout import APPLICATION_NAME, PageInfo
from measures.sheets.year_row import year_sheet_title

from .importing import LATEST
from .template_sheet import write_template

ALL_DEPARTMENTS = "全所管課"


@dataclass(frozen=True)
class ProgressTemplate:
    """A template: a plan's fiscal year, for one department or (None) for all."""

    plan: Plan
    fiscal_year: int
    department: Department | None = None

    @property
    def department_name(self) -> str:
        return self.department.name if self.department else ALL_DEPARTMENTS

    @property
    def title(self) -> str:
        return f"{fiscal.fiscal_year_label(self.fiscal_year)} 進捗報告 {self.department_name}"

    @property
    def filename(self) -> str:
        return f"進捗報告_{fiscal.fiscal_year_wareki(self.fiscal_year)}_{self.department_name}.xlsx"

    @property
    def ascii_filename(self) -> str:
        department = f"department-{self.department.pk}" if self.department else "all"
        return f"progress_template_{self.fiscal_year}_{department}.xlsx"

    def measures(self) -> QuerySet[Measure]:
        measures = Measure.objects.filter(plan=self.plan)
        if self.department is not None:
            measures = measures.filter(
                pk__in=Measure.departments.through.objects.filter(department=self.department).values(
                    "measure_id"
                )
            )
        return measures


def write_template_workbook(template: ProgressTemplate, output, *, created_on: date | None = None) -> int:
    """Write the template to ``output`` (a path or binary file). Returns the number of measures in it."""
    created_on = created_on or clock.today()
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{template.plan.name} {template.title}"
    workbook.properties.creator = APPLICATION_NAME
    props = workbook.custom_doc_props
    props.append(StringProperty(name=x.PROPERTY_KIND, value=x.KIND_TEMPLATE))
    props.append(IntProperty(name=x.PROPERTY_PLAN, value=template.plan.pk))
    props.append(IntProperty(name=x.PROPERTY_FISCAL_YEAR, value=template.fiscal_year))
    props.append(
        IntProperty(name=x.PROPERTY_DEPARTMENT, value=template.department.pk if template.department else 0)
    )
    ws = workbook.create_sheet(year_sheet_title(template.fiscal_year))
    rows = measure_progress_rows(
        plan=template.plan, as_of=LATEST, measures=template.measures(), fiscal_years=[template.fiscal_year]
    )
    count = write_template(
        ws,
        page=PageInfo(template.plan.name, created_on, date_label="作成日"),
        title=template.title,
        fiscal_year=template.fiscal_year,
        statuses=list(ProgressStatus.objects.order_by("order", "name")),
        rows=rows,
        created_on=created_on,
        issuer=settings.REPORT_ISSUER,
    )
    workbook.save(output)
    return count


def template_response(template: ProgressTemplate) -> FileResponse:
    output = tempfile.TemporaryFile()
    write_template_workbook(template, output)
    output.seek(0)
    response = FileResponse(output, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(template.filename, template.ascii_filename)
    return response
