"""Reads that span relations: each runs a fixed number of queries, whatever the number of measures.

The progress of a measure is read in one shape only, MeasureProgress, by one function,
measure_progress_rows. The printable pages, the admin list and the workbook all read it
(and so must anything added later, such as an API), so "as of", "standing (not withdrawn)", the achievement rate and the grade are
decided here once.

The package, by job: ``plans`` (plan look-ups, what is published, the latest standing report by a
date), ``rows`` (the progress row and its stream), ``page`` (a page of measures' figures and
links in plain SQL, for the API's list), ``statements`` (the plain-SQL statements' helpers), ``tally`` (counting the rows, in Python and in
the database), ``changes`` (what changed between two dates) and ``targets`` (a revised target's first value). Import from ``measures.selectors``.
"""

from __future__ import annotations

from .changes import (
    ChangeCount,
    ProgressChange,
    WithdrawnReport,
    progress_change_count,
    progress_changes,
)
from .page import measure_link_ids
from .plans import (
    NewReportDefaults,
    fiscal_years_reported_between,
    measure_reports,
    new_report_defaults,
    plan_current,
    plan_current_with_default_as_of,
    plan_default_as_of,
    plan_overview,
    progress_fiscal_year,
    published_only,
    published_schedule_years,
    reports_history,
    reports_latest_as_of,
)
from .rows import (
    MEASURE_ORDER,
    HistoryEntry,
    MeasureProgress,
    ReportFigures,
    TargetFigures,
    Withdrawal,
    YearProgress,
    measure_progress_rows,
    report_history_stream,
)
from .tally import (
    PLAN_TOTAL_LABEL,
    UNREPORTED_LABEL,
    ProgressSummary,
    ProgressTally,
    YearCount,
    progress_year_count,
)
from .targets import targets_first_values

__all__ = [
    "plan_current",
    "plan_current_with_default_as_of",
    "published_schedule_years",
    "published_only",
    "plan_default_as_of",
    "reports_latest_as_of",
    "reports_history",
    "measure_reports",
    "NewReportDefaults",
    "new_report_defaults",
    "plan_overview",
    "fiscal_years_reported_between",
    "progress_fiscal_year",
    "TargetFigures",
    "ReportFigures",
    "YearProgress",
    "MeasureProgress",
    "Withdrawal",
    "MEASURE_ORDER",
    "measure_link_ids",
    "measure_progress_rows",
    "HistoryEntry",
    "report_history_stream",
    "ProgressSummary",
    "UNREPORTED_LABEL",
    "PLAN_TOTAL_LABEL",
    "ProgressTally",
    "YearCount",
    "progress_year_count",
    "WithdrawnReport",
    "ProgressChange",
    "progress_changes",
    "targets_first_values",
    "ChangeCount",
    "progress_change_count",
]
