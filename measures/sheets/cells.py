"""Cells that show a progress status, a grade or a date, the same on every sheet."""

from __future__ import annotations

from datetime import date

from core import fiscal
from core.xlsx import SheetWriter, filled, formatted
from measures.models import EvaluationGrade, ProgressStatus
from measures.selectors import UNREPORTED_LABEL

from .layout import CENTER, DATE


def status_cell(sheet: SheetWriter, status: ProgressStatus | None, *, input_style=None):
    """A status with its symbol, coloured as configured: readable in black and white too.

    In a template to fill in (``input_style``), no report is an empty cell rather than 報告なし.
    """
    if input_style is not None:
        style = input_style(CENTER)
        return sheet.value(None, style) if status is None else sheet.text(str(status), style)
    if status is None:
        return sheet.text(UNREPORTED_LABEL, CENTER)
    return sheet.text(str(status), filled(CENTER, status.color))


def grade_cell(sheet: SheetWriter, grade: EvaluationGrade | None):
    if grade is None:
        return sheet.value(None, CENTER)
    return sheet.text(grade.code, filled(CENTER, grade.color))


def date_cell(sheet: SheetWriter, day: date | None, style=DATE, *, short: bool = False):
    """A date value shown as 令和2年3月31日(2020年3月31日); 令和元年5月1日 in an era's first year.

    ``short``: in the style's own short form (R2.3.31), for a narrow column.
    """
    if day is None or short:
        return sheet.value(day, style)
    return sheet.value(day, formatted(style, fiscal.xlsx_date_format(day)))
