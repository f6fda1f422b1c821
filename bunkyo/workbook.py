"""The manager's progress workbook, put together from the measures' sheets and the schedule's.

The report page, the admin action and the export_progress command all come through here with
a validated MeasureProgressFilter, so one query string means one workbook everywhere.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from measures import fiscal, sheets
from measures.filters import MeasureProgressFilter
from measures.models import EvaluationGrade, Measure, Plan, ProgressStatus
from measures.selectors import ProgressTally, measure_progress_stream, report_history_stream
from measures.xlsx import APPLICATION_NAME, XLSX_CONTENT_TYPE, PageInfo
from schedule import sheets as schedule_sheets
from schedule.selectors import schedule_fiscal_years, schedule_grid


@dataclass(frozen=True)
class ProgressExport:
    """What one workbook covers: the plan, the date, the years, the measures and the filters that chose them."""

    plan: Plan
    as_of: date
    fiscal_years: list[int]
    measures: QuerySet[Measure]
    filters: list[tuple[str, str]]

    @classmethod
    def from_filter(
        cls, filterset: MeasureProgressFilter, *, also: list[tuple[str, str]] = ()
    ) -> ProgressExport:
        """From a filter set that is_valid(); ``also`` names any choice made outside it (admin selection)."""
        return cls(
            plan=filterset.selected_plan,
            as_of=filterset.as_of_date,
            fiscal_years=filterset.fiscal_years,
            measures=filterset.qs,
            filters=filterset.applied_filters() + list(also),
        )

    @property
    def filename(self) -> str:
        return f"進捗状況_{self.as_of:%Y-%m-%d}.xlsx"

    @property
    def ascii_filename(self) -> str:
        return f"progress_{self.as_of:%Y-%m-%d}.xlsx"

    @property
    def page(self) -> PageInfo:
        return PageInfo(self.plan.name, self.as_of)

    @property
    def schedule_years(self) -> list[int]:
        """The drafting year before the plan (FY2018 for this one) and any scheduled year within it."""
        first, last = self.plan.first_fiscal_year - 1, self.plan.last_fiscal_year
        return [year for year in schedule_fiscal_years() if first <= year <= last]


def export_of_selection(measures: QuerySet[Measure]) -> ProgressExport:
    """The workbook for measures picked by hand in the admin: their plan, as of today.

    Raises ValueError with a message for the user when they belong to more than one plan.
    """
    plan_ids = list(measures.order_by().values_list("plan_id", flat=True).distinct()[:2])
    if len(plan_ids) != 1:
        raise ValueError("Excelに出力できるのは1つの計画の施策だけです。計画を絞り込んでから選んでください。")
    selected = Measure.objects.filter(pk__in=measures.order_by().values("pk"))
    filterset = MeasureProgressFilter({"plan": plan_ids[0]}, queryset=selected)
    if not filterset.is_valid():  # only if the plan vanished meanwhile
        raise ValueError("選んだ施策の計画が見つかりません。画面を更新してから選び直してください。")
    return ProgressExport.from_filter(filterset, also=[("選択した施策", f"{selected.count()}件")])


def _legend(plan: Plan) -> sheets.Legend:
    return sheets.Legend(
        statuses=list(ProgressStatus.objects.order_by("order", "name")),
        grades=list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by("order")),
    )


def write_progress_workbook(export: ProgressExport, output, *, generated_at: datetime | None = None) -> int:
    """Write the four sheets to ``output`` (a path or a binary file). Returns the number of measures.

    A fixed number of queries whatever the number of measures, and rows streamed to disk
    in write-only mode as they are read.
    """
    generated_at = generated_at or timezone.localtime()
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{export.plan.name} 進捗状況({export.page.as_of_label}時点)"
    workbook.properties.creator = APPLICATION_NAME
    overview = workbook.create_sheet(sheets.OVERVIEW_TITLE)
    progress = workbook.create_sheet(sheets.PROGRESS_TITLE)
    schedule = workbook.create_sheet(schedule_sheets.SCHEDULE_TITLE)
    history = workbook.create_sheet(sheets.HISTORY_TITLE)

    scope = {"plan": export.plan, "as_of": export.as_of, "measures": export.measures}
    tally = ProgressTally(plan=export.plan)
    rows = tally.counting(measure_progress_stream(**scope, fiscal_years=export.fiscal_years))
    count = sheets.write_progress(progress, page=export.page, years=export.fiscal_years, rows=rows)
    sheets.write_overview(
        overview,
        page=export.page,
        period_label=fiscal.fiscal_period_label(export.plan.first_fiscal_year, export.plan.last_fiscal_year),
        filters=export.filters,
        measure_count=count,
        generated_at=generated_at,
        summaries=tally.summaries(),
        legend=_legend(export.plan),
    )
    grids = [schedule_grid(fiscal_year=year) for year in export.schedule_years]
    schedule_sheets.write_schedule(schedule, page=export.page, grids=grids)
    entries = report_history_stream(**scope, fiscal_years=export.fiscal_years)
    sheets.write_history(history, page=export.page, entries=entries)
    workbook.save(output)
    return count


def content_disposition(export: ProgressExport) -> str:
    """An attachment named 進捗状況_<date>.xlsx (RFC 5987), with an ASCII name for older clients."""
    return f"attachment; filename=\"{export.ascii_filename}\"; filename*=UTF-8''{quote(export.filename)}"


def progress_workbook_response(export: ProgressExport) -> FileResponse:
    """The workbook as a download, spooled through a temporary file rather than held in memory."""
    output = tempfile.TemporaryFile()
    write_progress_workbook(export, output)
    output.seek(0)
    response = FileResponse(output, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(export)
    return response
