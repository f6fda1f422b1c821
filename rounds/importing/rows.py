"""One row of a sheet: a new report, an unchanged row, or its problems (all of them, in one go)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from core import fiscal
from core.templatetags.ja_format import plain_number
from measures.models import ProgressStatus
from measures.selectors import PLAN_TOTAL_LABEL, MeasureProgress
from measures.sheets import exchange as x

from ..xlsx_upload import is_formula
from . import cells
from .results import NewReport, ReadResult
from .scope import ImportContext

# A year sheet's total rows (「ア 計」, 計画全体) carry no 施策ID.
_TOTAL_TITLE = re.compile(r"^\S+ 計$")
PREVIEW_TEXT_MAX = 200  # characters of a narrative shown in the preview's table


def is_total_row(title: str) -> bool:
    """Whether a row titled so is one of a year sheet's total rows."""
    return bool(_TOTAL_TITLE.match(title)) or title == PLAN_TOTAL_LABEL


class RowReader:
    """Reads the rows of one sheet whose headings are known: {heading: column index}."""

    def __init__(
        self,
        *,
        file: str,
        sheet: str,
        columns: dict[str, int],
        context: ImportContext,
        result: ReadResult,
        department: str | None,
    ):
        self.file, self.sheet, self.columns = file, sheet, columns
        self.context, self.result, self.department = context, result, department

    def problem(self, message: str, *, row: int, heading: str) -> None:
        self.result.problem(self.file, message, sheet=self.sheet, row=row, heading=heading)

    def read(self, number: int, row: Sequence) -> None:
        """Row ``number``, its cells as openpyxl yields them."""
        by_heading = {h: (row[i] if i < len(row) else None) for h, i in self.columns.items()}
        values = {h: (c.value if c is not None else None) for h, c in by_heading.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            return  # an empty row
        self.result.rows_read += 1
        for heading, cell in by_heading.items():
            if cell is not None and is_formula(cell):
                self.problem(
                    f"数式({cells.plain(cell.value)[:40]})は取り込めません。計算した値を入力してください。",
                    row=number,
                    heading=heading,
                )
                return
        measure_id = values[x.MEASURE_ID]
        inputs_empty = all(cells.text(values[h]) == "" for h in x.INPUT_HEADINGS)
        if measure_id is None or cells.plain(measure_id) == "":
            title = cells.plain(values.get(x.TITLE))
            if inputs_empty or is_total_row(title):
                return  # a total row of the workbook, or a note
            self.problem(
                f"{x.MEASURE_ID}が空欄です。行を追加せず、テンプレートにある施策の行に記入してください。",
                row=number,
                heading=x.MEASURE_ID,
            )
            return
        pk = cells.whole_number(measure_id)
        progress = self.context.rows.get(pk) if pk is not None else None
        if progress is None:
            self.problem(
                f"{x.MEASURE_ID}「{cells.plain(measure_id)}」の施策はこの計画にありません。"
                f"{x.MEASURE_ID}の列は変更しないでください。",
                row=number,
                heading=x.MEASURE_ID,
            )
            return
        if self.department is not None and self.department not in progress.departments:
            owners = "、".join(progress.departments) or "所管課なし"
            self.problem(
                f"施策「{progress.number} {progress.title}」は{self.department}の所管ではありません(所管: {owners})。"
                "この行を削除してください。",
                row=number,
                heading=x.MEASURE_ID,
            )
            return
        # A row with a locked column changed still has its input columns checked: every problem
        # of a file is named in one go.
        intact = self._fixed_columns_match(number, values, progress)
        if inputs_empty:
            self.result.blank += intact
            return
        self._read_inputs(number, by_heading, values, progress, intact=intact)

    def _fixed_columns_match(self, number: int, values: dict, progress: MeasureProgress) -> bool:
        year = progress.years[0]
        target = year.target
        expected = {
            x.NUMBER: progress.number,
            x.PURPOSE: progress.purpose.code,
            x.TITLE: progress.title,
            x.DEPARTMENTS: "、".join(progress.departments),
            x.TARGET_TEXT: target.target_text if target else "",
            x.INDICATOR: target.indicator if target else "",
            x.TARGET_VALUE: target.target_value if target else None,
        }
        ok = True
        for heading, want in expected.items():
            if not cells.same(values.get(heading), want):
                self.problem(
                    f"入力欄でない「{heading}」が変わっています(ファイル: 「{cells.plain(values.get(heading))}」、"
                    f"登録内容: 「{cells.plain(want)}」)。黄色の列だけを記入し、ほかの列は元に戻してください。"
                    "登録内容が変わったときは、テンプレートをダウンロードし直してください。",
                    row=number,
                    heading=heading,
                )
                ok = False
        return ok

    def _read_inputs(self, number, by_heading, values, progress: MeasureProgress, *, intact: bool) -> None:
        parsed: dict = {}
        failed = False
        readers = {
            x.ACTUAL_VALUE: lambda v, c: cells.number(v, x.ACTUAL_VALUE),
            x.STATUS: lambda v, c: cells.status(v, self.context),
            x.PROGRESS: lambda v, c: cells.percent(v, getattr(c, "number_format", "")),
            x.NARRATIVE: lambda v, c: cells.text(v),
            x.ISSUES: lambda v, c: cells.text(v),
            x.NEXT_STEPS: lambda v, c: cells.text(v),
            x.AS_OF: lambda v, c: cells.report_date(v),
        }
        for heading, reader in readers.items():
            try:
                parsed[heading] = reader(values.get(heading), by_heading.get(heading))
            except ValueError as error:
                self.problem(str(error), row=number, heading=heading)
                failed = True
        if failed:
            return
        for heading, label in (
            (x.STATUS, "選んでください"),
            (x.PROGRESS, "入力してください"),
            (x.AS_OF, "入力してください"),
        ):
            if parsed[heading] is None:
                self.problem(f"{heading}を{label}。", row=number, heading=heading)
                failed = True
        if failed or not intact:
            return
        current = progress.years[0].report
        if current is not None and report_unchanged(current, parsed):
            self.result.unchanged += 1
            return
        for heading in (x.NARRATIVE, x.ISSUES, x.NEXT_STEPS):
            if parsed[heading].startswith("="):
                self.problem(
                    "「=」で始まる文は取り込めません(数式と区別できないため)。先頭に文字を加えてください。",
                    row=number,
                    heading=heading,
                )
                failed = True
        if failed:
            return
        status: ProgressStatus = parsed[x.STATUS]
        new = NewReport(
            file=self.file,
            sheet=self.sheet,
            row=number,
            measure_id=progress.pk,
            measure_label=f"{progress.number} {progress.title}",
            as_of=parsed[x.AS_OF].isoformat(),
            status_id=status.pk,
            actual_value=None if parsed[x.ACTUAL_VALUE] is None else str(parsed[x.ACTUAL_VALUE]),
            progress_percent=parsed[x.PROGRESS],
            narrative=parsed[x.NARRATIVE],
            issues=parsed[x.ISSUES],
            next_steps=parsed[x.NEXT_STEPS],
            previous_id=current.pk if current else None,
            changes=_changes(current, parsed),
            note=_back_dated_note(current, parsed[x.AS_OF]),
        )
        self.result.reports.append(new)


def report_unchanged(current, parsed: dict) -> bool:
    """Whether a row says what the measure's latest report says already."""
    actual = parsed[x.ACTUAL_VALUE]
    return (
        current.as_of == parsed[x.AS_OF]
        and current.status.pk == parsed[x.STATUS].pk
        and current.progress_percent == parsed[x.PROGRESS]
        and (current.actual_value is None) == (actual is None)
        and (actual is None or Decimal(current.actual_value) == actual)
        and current.narrative.strip() == parsed[x.NARRATIVE]
        and current.issues.strip() == parsed[x.ISSUES]
        and current.next_steps.strip() == parsed[x.NEXT_STEPS]
    )


def _back_dated_note(current, as_of: date) -> str:
    if current is None or as_of >= current.as_of:
        return ""
    return (
        f"報告基準日が最新の報告({fiscal.wareki_date_with_western(current.as_of)})より前のため、"
        "登録しても最新の進捗状況は変わりません。最新にするときは、報告基準日を新しい日付にしてください。"
    )


def _short(text: str) -> str:
    return text if len(text) <= PREVIEW_TEXT_MAX else text[: PREVIEW_TEXT_MAX - 1] + "…"


def _shown(heading: str, value) -> str:
    if value is None or value == "":
        return "(空欄)"
    if heading == x.AS_OF:
        return fiscal.wareki_date_with_western(value)
    if heading == x.PROGRESS:
        return f"{value}%"
    if heading == x.ACTUAL_VALUE:
        return plain_number(value)
    return _short(str(value))


def _changes(current, parsed: dict) -> list[tuple[str, str, str]]:
    """Each input column as it stands now and as it will: the preview's 現在 → 取込後."""
    before = {
        x.AS_OF: current.as_of if current else None,
        x.STATUS: str(current.status) if current else None,
        x.PROGRESS: current.progress_percent if current else None,
        x.ACTUAL_VALUE: current.actual_value if current else None,
        x.NARRATIVE: current.narrative if current else None,
        x.ISSUES: current.issues if current else None,
        x.NEXT_STEPS: current.next_steps if current else None,
    }
    after = {**parsed, x.STATUS: str(parsed[x.STATUS])}
    return [(h, _shown(h, before[h]), _shown(h, after[h])) for h in before]
