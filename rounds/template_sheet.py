"""The progress template a department fills in: a fiscal year's sheet (years.py), its input columns unlocked.

What it shows is the year sheet's row for each of the department's measures, with the latest
report already in the input columns: a department changes what has moved, and a row left as it
was is not imported again. The instructions sit above the table, in Japanese; every cell but the
input columns is locked, and each input column has a drop-down or a range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from core import fiscal
from core.fields import NARRATIVE_MAX_LENGTH
from core.xlsx import Style, unlocked
from measures.models import ProgressStatus
from measures.selectors import MeasureProgress
from measures.sheets.exchange import (
    ACTUAL_VALUE,
    AS_OF,
    HEADINGS,
    INPUT_HEADINGS,
    ISSUES,
    NARRATIVE,
    NEXT_STEPS,
    PROGRESS,
    STATUS,
    TITLE,
    YEAR_COLUMNS,
    column_number,
    template_heading,
)
from measures.sheets.layout import HEADER, NOTE, PageInfo, prepare_sheet, sheet_writer
from measures.sheets.layout import TITLE as TITLE_STYLE
from measures.sheets.year_row import year_cells

# The cells to fill in, on a pale yellow that prints light grey: the convention of the ward's own forms.
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_HEADER = Style(HEADER.font, INPUT_FILL, HEADER.border, HEADER.alignment)
# Excel's limit for a drop-down written into the validation itself.
LIST_FORMULA_MAX = 255


def _input(style: Style) -> Style:
    return unlocked(style, INPUT_FILL)


def status_choices(statuses: Sequence[ProgressStatus]) -> list[str]:
    """The drop-down's entries: each status as every sheet shows it (○ 順調)."""
    return [str(status) for status in statuses]


NO_MEASURES_NOTE = "この所管課の施策はありません。"
# Above the table: the title, the issuer's line, the instructions, one blank row.
TITLE_ROWS = 2
BLANK_ROWS = 1


def header_row_for(lines: Sequence[str]) -> int:
    """The row of the headings: the one number the table, its checks, the frozen pane and the
    print titles are placed by."""
    return TITLE_ROWS + len(lines) + BLANK_ROWS + 1


def instructions(*, statuses: Sequence[ProgressStatus], fiscal_year: int, with_list: bool) -> list[str]:
    """The lines above the table: what to fill in, how, and what not to touch."""
    start, _ = fiscal.fiscal_year_bounds(fiscal_year)
    end = fiscal.follow_up_end(fiscal_year)
    status_line = (
        "・進捗状況はセルの▼から選びます。"
        if with_list
        else f"・進捗状況は次のどれかを入力します: {'、'.join(status_choices(statuses))}。"
    )
    return [
        "記入のしかた",
        f"・黄色の列({'、'.join(map(template_heading, INPUT_HEADINGS))})だけを記入します。ほかの列やシートは変更できません。",
        status_line,
        "・進捗率(%)は0から100までの整数で入力します。50%なら 50 と入力します(「%」は付けません)。",
        f"・報告基準日は {start:%Y/%m/%d} から {end:%Y/%m/%d} までの日付を、2021/9/30 や 令和3年9月30日 のように入力します。",
        "・実績値がまだないときは空欄のままにします(0 と入力すると実績値 0 として登録されます)。",
        "・報告を更新しない施策の行は、そのままにしてください(同じ内容は取り込まれません)。"
        "更新する行は、報告基準日も新しい日付にします。",
        "・行・列・シートを追加したり、セルを結合したりしないでください。数式ではなく値を入力してください。",
        "・記入したファイルは、そのまま事務局へ返送してください。",
    ]


def status_list_formula(statuses: Sequence[ProgressStatus]) -> str | None:
    """The drop-down's list as Excel writes it in the validation, or None when it cannot hold it
    (more than 255 characters, or a name with a comma or a quote): the instructions then list them."""
    choices = status_choices(statuses)
    if not choices or any("," in c or '"' in c for c in choices):
        return None
    formula = '"' + ",".join(choices) + '"'
    return formula if len(formula) <= LIST_FORMULA_MAX else None


def _validations(ws, first_row: int, last_row: int, status_list: str | None, fiscal_year: int) -> None:
    """A drop-down or range on each input column."""

    def cells(heading: str) -> str:
        letter = get_column_letter(column_number(heading))
        return f"{letter}{first_row}:{letter}{last_row}"

    def add(validation: DataValidation, heading: str) -> None:
        validation.error_style = "stop"
        validation.showErrorMessage = True
        validation.add(cells(heading))
        ws.data_validations.append(validation)

    if status_list:
        add(
            DataValidation(
                type="list",
                formula1=status_list,
                allow_blank=True,
                errorTitle="進捗状況",
                error="一覧から選んでください。",
            ),
            STATUS,
        )
    add(
        DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2="100",
            allow_blank=True,
            errorTitle=template_heading(PROGRESS),
            error="0から100までの整数で入力してください(50%なら 50)。",
        ),
        PROGRESS,
    )
    add(
        DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            errorTitle="実績値",
            error="0以上の数を入力してください。まだ実績がないときは空欄にします。",
        ),
        ACTUAL_VALUE,
    )
    start, _ = fiscal.fiscal_year_bounds(fiscal_year)
    end = fiscal.follow_up_end(fiscal_year)
    add(
        DataValidation(
            type="date",
            operator="between",
            formula1=f"DATE({start.year},{start.month},{start.day})",
            formula2=f"DATE({end.year},{end.month},{end.day})",
            allow_blank=True,
            errorTitle="報告基準日",
            error=f"{start:%Y/%m/%d}から{end:%Y/%m/%d}までの日付を入力してください。",
        ),
        AS_OF,
    )
    for heading in (NARRATIVE, ISSUES, NEXT_STEPS):
        add(
            DataValidation(
                type="textLength",
                operator="lessThanOrEqual",
                formula1=str(NARRATIVE_MAX_LENGTH),
                allow_blank=True,
                errorTitle=heading,
                error=f"{NARRATIVE_MAX_LENGTH}文字以内で入力してください。",
            ),
            heading,
        )


def write_template(
    ws,
    *,
    page: PageInfo,
    title: str,
    fiscal_year: int,
    statuses: Sequence[ProgressStatus],
    rows: Iterable[MeasureProgress],
    created_on: date,
    issuer: str,
    lines: Sequence[str] | None = None,
) -> int:
    """The template's one sheet. Returns the number of measures written. ``lines``: the instructions
    above the table, when not the secretariat's (a department's answer has its own: answer_excel)."""
    status_list = status_list_formula(statuses)
    if lines is None:
        lines = instructions(statuses=statuses, fiscal_year=fiscal_year, with_list=status_list is not None)
    header_row = header_row_for(lines)
    widths = [column.width for column in YEAR_COLUMNS]
    sheet = sheet_writer(ws, widths)
    title_column = column_number(TITLE)
    prepare_sheet(
        ws,
        page=page,
        widths=widths,
        title_rows=f"{header_row}:{header_row}",
        freeze=f"{get_column_letter(title_column + 1)}{header_row + 1}",
    )
    sheet.append([sheet.text(title, TITLE_STYLE)])
    sheet.append([sheet.text(f"作成日 {fiscal.wareki_date_with_western(created_on)} {issuer}", NOTE)])
    for line in lines:
        sheet.append([sheet.text(line, NOTE)])
    for _ in range(BLANK_ROWS):
        sheet.blank()
    written_at = sheet.append(
        [
            sheet.text(template_heading(heading), INPUT_HEADER if heading in INPUT_HEADINGS else HEADER)
            for heading in HEADINGS
        ]
    )
    assert written_at == header_row, (written_at, header_row)
    written = 0
    for row in rows:
        sheet.append(year_cells(sheet, row, row.years[0], input_style=_input))
        written += 1
    if not written:
        # Under 施策名, not 施策ID: a template returned as it is reads as empty, not as a bad ID.
        note = [sheet.value(None, NOTE) for _ in range(column_number(TITLE) - 1)]
        sheet.append([*note, sheet.text(NO_MEASURES_NOTE, NOTE)])
    else:
        _validations(ws, header_row + 1, header_row + written, status_list, fiscal_year)
    # Locked but for the input cells; rows and columns may be resized to read a long text.
    ws.protection = SheetProtection(
        sheet=True, formatRows=False, formatColumns=False, selectLockedCells=False, selectUnlockedCells=False
    )
    return written
