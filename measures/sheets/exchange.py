"""One format both ways: a fiscal year's sheet of the workbook, the department's template and the upload.

The manager's workbook has a sheet per fiscal year (years.py). The template the secretariat sends
each department (template.py) is that same sheet with its input columns unlocked, and the upload
(rounds.importing) reads either back by these headings. So a year sheet exported from /reports/
can be filled in and uploaded too.

Which plan, year and department a file is for travels in the workbook's custom document
properties, which Excel and LibreOffice keep when they save.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    ID = "id"  # the measure's stable ID: how a row is matched to its measure
    FIXED = "fixed"  # what the measure and its target are; locked, and must come back unchanged
    INPUT = "input"  # what a department fills in
    DERIVED = "derived"  # worked out from the rest (達成率, 評価); ignored when read back


@dataclass(frozen=True)
class Column:
    heading: str
    width: float
    kind: Kind


MEASURE_ID = "施策ID"
NUMBER = "施策番号"
PURPOSE = "目的"
TITLE = "施策名"
DEPARTMENTS = "所管課"
TARGET_TEXT = "年度目標"
INDICATOR = "指標(単位)"
TARGET_VALUE = "目標値"
ACTUAL_VALUE = "実績値"
RATE = "達成率"
GRADE = "評価"
STATUS = "進捗状況"
PROGRESS = "進捗率"
NARRATIVE = "取組実績"
ISSUES = "課題"
NEXT_STEPS = "今後の方向性"
AS_OF = "報告基準日"

# (heading, width, kind): together one A4 landscape page wide at 74 % (8 pt text; layout.print_scale).
YEAR_COLUMNS = (
    Column(MEASURE_ID, 6, Kind.ID),
    Column(NUMBER, 5, Kind.FIXED),
    Column(PURPOSE, 5, Kind.FIXED),
    Column(TITLE, 15, Kind.FIXED),
    Column(DEPARTMENTS, 11, Kind.FIXED),
    Column(TARGET_TEXT, 15, Kind.FIXED),
    Column(INDICATOR, 12, Kind.FIXED),
    Column(TARGET_VALUE, 7, Kind.FIXED),
    Column(ACTUAL_VALUE, 7, Kind.INPUT),
    Column(RATE, 8, Kind.DERIVED),
    Column(GRADE, 5, Kind.DERIVED),
    Column(STATUS, 11, Kind.INPUT),
    Column(PROGRESS, 8, Kind.INPUT),
    Column(NARRATIVE, 17, Kind.INPUT),
    Column(ISSUES, 15, Kind.INPUT),
    Column(NEXT_STEPS, 15, Kind.INPUT),
    Column(AS_OF, 11, Kind.INPUT),
)
HEADINGS = tuple(column.heading for column in YEAR_COLUMNS)
INPUT_HEADINGS = tuple(c.heading for c in YEAR_COLUMNS if c.kind is Kind.INPUT)


# 進捗率 in the department's template: a whole number of percent in a plain cell. A percent cell
# is read differently by Excel and LibreOffice (typing 50 there is 0.5 in Excel, 50 in LibreOffice),
# so the template asks for the number itself; the heading says the unit.
PROGRESS_WHOLE = "進捗率(%)"
HEADING_ALIASES = {PROGRESS_WHOLE: PROGRESS}


def template_heading(heading: str) -> str:
    """A column's heading as the department's template writes it."""
    return PROGRESS_WHOLE if heading == PROGRESS else heading


def canonical_heading(text: str) -> str:
    """A heading as a file holds it (進捗率(%) or the year sheet's 進捗率, half- or full-width) → the column's heading."""
    squeezed = "".join(unicodedata.normalize("NFKC", text).split())
    return HEADING_ALIASES.get(squeezed, squeezed if squeezed in HEADINGS else text)


def column_number(heading: str) -> int:
    """The 1-based column of a heading in a year sheet and in the template."""
    return HEADINGS.index(heading) + 1


# The custom document properties that say what a file is.
PROPERTY_KIND = "bunkyo:kind"
PROPERTY_PLAN = "bunkyo:plan"
PROPERTY_FISCAL_YEAR = "bunkyo:fiscal_year"
PROPERTY_DEPARTMENT = "bunkyo:department"
KIND_WORKBOOK = "progress-workbook"  # the manager's workbook from /reports/
KIND_TEMPLATE = "progress-template"  # a department's template
KIND_ANSWER = "round-answer"  # a department's template for its answer to a round (rounds.answer_excel)

# The manager's workbook's other sheets (reports.sheets), which the upload passes over by name.
OVERVIEW_TITLE = "概要"
PROGRESS_TITLE = "施策別進捗"
SCHEDULE_TITLE = "策定スケジュール"
HISTORY_TITLE = "進捗履歴"
AWAITED_TITLE = "回答待ち"  # what an open round still awaits (reports.sheets.awaited)
WORKBOOK_SHEETS = (OVERVIEW_TITLE, PROGRESS_TITLE, SCHEDULE_TITLE, HISTORY_TITLE, AWAITED_TITLE)
