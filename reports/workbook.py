"""The manager's progress workbook: 概要, 施策別進捗, one sheet per year, 回答待ち (while a round is
open), 策定スケジュール and 進捗履歴, one module per sheet.

The report page, the admin action and the export_progress command all come through here with
a validated MeasureProgressFilter, so one query string means one workbook everywhere.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.packaging.custom import IntProperty, StringProperty

from core import clock
from core.xlsx import XLSX_CONTENT_TYPE, attachment
from measures.legend import legend_for
from measures.models import Measure, Plan
from measures.selectors import ProgressTally, measure_progress_rows, report_history_stream
from measures.sheets.exchange import (
    AWAITED_TITLE,
    HISTORY_TITLE,
    KIND_WORKBOOK,
    OVERVIEW_TITLE,
    PROGRESS_TITLE,
    PROPERTY_KIND,
    PROPERTY_PLAN,
    SCHEDULE_TITLE,
)
from measures.sheets.layout import APPLICATION_NAME, PageInfo
from measures.sheets.year_row import year_sheet_title
from rounds.selectors import awaited_figures
from schedule.selectors import schedule_fiscal_years, schedule_grid

from .filters import MeasureProgressFilter
from .sheets.awaited import write_awaited
from .sheets.history import write_history
from .sheets.overview import write_overview
from .sheets.progress import write_progress
from .sheets.schedule import write_schedule
from .sheets.years import YearSheet, writing_years


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
        first, last = self.plan.drafting_fiscal_year, self.plan.last_fiscal_year
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


def _reporting(rows: Iterable, every: int, on_progress: Callable[[int], None]) -> Iterator:
    """The rows as they come, calling ``on_progress(measures so far)`` after every ``every`` of them."""
    done = 0
    for done, row in enumerate(rows, 1):  # noqa: B007 (done is read after the loop)
        yield row
        if done % every == 0:
            on_progress(done)
    on_progress(done)


def write_progress_workbook(
    export: ProgressExport,
    output,
    *,
    generated_at: datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 500,
) -> int:
    """Write the sheets to ``output`` (a path or a binary file). Returns the number of measures.

    A fixed number of queries whatever the number of measures, and rows streamed to disk
    in write-only mode as they are read. ``on_progress(n)`` is told every ``progress_every``
    measures written (a background build reports its progress with it).
    """
    generated_at = generated_at or timezone.localtime(clock.now())
    page = replace(export.page, issued_on=generated_at.date(), issuer=settings.REPORT_ISSUER)
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{export.plan.name} 進捗状況({export.page.as_of_label}時点)"
    workbook.properties.creator = APPLICATION_NAME
    # What the file is, so that a year sheet filled in and uploaded is read for its plan (exchange.py).
    workbook.custom_doc_props.append(StringProperty(name=PROPERTY_KIND, value=KIND_WORKBOOK))
    workbook.custom_doc_props.append(IntProperty(name=PROPERTY_PLAN, value=export.plan.pk))
    overview = workbook.create_sheet(OVERVIEW_TITLE)
    progress = workbook.create_sheet(PROGRESS_TITLE)
    year_sheets = [workbook.create_sheet(year_sheet_title(year)) for year in export.fiscal_years]
    # While a round (進捗照会) is open: which figures it still awaits, after the figures themselves.
    awaited = awaited_figures(plan=export.plan, fiscal_years=export.fiscal_years, measures=export.measures)
    awaited_sheet = workbook.create_sheet(AWAITED_TITLE) if awaited else None
    schedule = workbook.create_sheet(SCHEDULE_TITLE)
    history = workbook.create_sheet(HISTORY_TITLE)

    scope = {"plan": export.plan, "as_of": export.as_of, "measures": export.measures}
    legend = legend_for(export.plan)
    tally = ProgressTally(plan=export.plan, statuses=legend.statuses, grades=legend.grades)
    years = [
        YearSheet(ws, page=page, fiscal_year=year, index=index, tally=tally, legend=legend)
        for index, (year, ws) in enumerate(zip(export.fiscal_years, year_sheets, strict=True))
    ]
    rows = measure_progress_rows(**scope, fiscal_years=export.fiscal_years)
    if on_progress is not None:
        rows = _reporting(rows, progress_every, on_progress)
    rows = tally.counting(rows)
    count = write_progress(
        progress, page=page, years=export.fiscal_years, rows=writing_years(rows, years), awaited=awaited
    )
    for year in years:
        year.finish()
    if awaited_sheet is not None:
        write_awaited(awaited_sheet, page=page, awaited=awaited)
    write_overview(
        overview,
        page=page,
        period_label=export.plan.period_label,
        filters=export.filters,
        measure_count=count,
        generated_at=generated_at,
        tally=tally,
        legend=legend,
        awaited=awaited,
    )
    grids = [schedule_grid(fiscal_year=year) for year in export.schedule_years]
    write_schedule(schedule, page=page, grids=grids)
    entries = report_history_stream(**scope, fiscal_years=export.fiscal_years, include_withdrawn=True)
    write_history(history, page=page, entries=entries)
    workbook.save(output)
    return count


def content_disposition(export: ProgressExport) -> str:
    """An attachment named 進捗状況_<date>.xlsx (RFC 5987), with an ASCII name for older clients."""
    return attachment(export.filename, export.ascii_filename)


def progress_workbook_response(export: ProgressExport) -> FileResponse:
    """The workbook as a download, spooled through a temporary file rather than held in memory."""
    output = tempfile.TemporaryFile()
    write_progress_workbook(export, output)
    output.seek(0)
    response = FileResponse(output, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(export)
    return response
