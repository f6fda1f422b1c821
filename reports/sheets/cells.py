"""Cells that show a progress status or a grade, the same on every sheet."""

from __future__ import annotations

from core.xlsx import SheetWriter, filled
from measures.models import EvaluationGrade, ProgressStatus
from measures.selectors import UNREPORTED_LABEL

from .layout import CENTER


def status_cell(sheet: SheetWriter, status: ProgressStatus | None):
    """A status with its symbol, coloured as configured: readable in black and white too."""
    if status is None:
        return sheet.text(UNREPORTED_LABEL, CENTER)
    return sheet.text(str(status), filled(CENTER, status.color))


def grade_cell(sheet: SheetWriter, grade: EvaluationGrade | None):
    if grade is None:
        return sheet.value(None, CENTER)
    return sheet.text(grade.code, filled(CENTER, grade.color))
