"""A measure's row on a fiscal year's sheet: the one layout of the manager's workbook (reports.sheets.years,
with its totals) and of the department's template (rounds.template_sheet), which the upload
(rounds.importing) reads back.

It lives in measures, below both apps, because the row is the progress row (MeasureProgress)
written as cells: reports and rounds both import it, and neither imports the other's sheets.
"""

from __future__ import annotations

from collections.abc import Callable

from core import fiscal
from core.xlsx import SheetWriter, Style
from measures.selectors import MeasureProgress, YearProgress

from .cells import date_cell, grade_cell, status_cell
from .layout import CENTER, NUMBER, PERCENT, RATE, SHORT_DATE, TEXT, WHOLE_PERCENT, fraction

NO_MEASURES_NOTE = "条件に合う施策はありません。"


def _same(style: Style) -> Style:
    return style


def year_cells(
    sheet: SheetWriter,
    row: MeasureProgress,
    year: YearProgress,
    *,
    input_style: Callable[[Style], Style] | None = None,
) -> list:
    """One measure's row for one year, in exchange.YEAR_COLUMNS' order; the department's
    template passes ``input_style`` to unlock (and colour) the cells it is to fill in."""
    target, report = year.target, year.report
    template = input_style  # the department's template; None for the manager's workbook
    input_style = input_style or _same
    return [
        sheet.value(row.pk, CENTER),
        sheet.value(row.number),
        sheet.text(row.purpose.code, CENTER),
        sheet.text(row.title),
        sheet.text("、".join(row.departments)),
        sheet.text(target.target_text if target else ""),
        sheet.text(target.indicator if target else ""),
        sheet.value(target.target_value if target else None),
        sheet.value(report.actual_value if report else None, input_style(NUMBER)),
        sheet.value(fraction(year.rate), RATE),
        grade_cell(sheet, year.grade),
        status_cell(sheet, report.status if report else None, input_style=template),
        _progress_cell(sheet, report.progress_percent if report else None, template=template),
        sheet.text(report.narrative if report else "", input_style(TEXT)),
        sheet.text(report.issues if report else "", input_style(TEXT)),
        sheet.text(report.next_steps if report else "", input_style(TEXT)),
        date_cell(sheet, report.as_of if report else None, input_style(SHORT_DATE), short=True),
    ]


def _progress_cell(sheet: SheetWriter, percent: int | None, *, template: Callable[[Style], Style] | None):
    """進捗率: a fraction under a percent format in the manager's workbook, the whole number of
    percent in a plain cell in the template (what a person types there is read the same in Excel and LibreOffice)."""
    if template is not None:
        return sheet.value(percent, template(WHOLE_PERCENT))
    return sheet.value(fraction(percent), PERCENT)


def year_sheet_title(fiscal_year: int) -> str:
    """令和2年度(2020年度): the year's label, which is a valid sheet name (no more than 31 characters)."""
    return fiscal.fiscal_year_label(fiscal_year)
