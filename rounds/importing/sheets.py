"""One sheet read into rows: its heading row found and its columns mapped by heading (so a column
may be moved), merged cells refused, each measure's row read (rows.RowReader), and the notes a
person wrote below the table left unread with a warning."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.utils import get_column_letter, range_boundaries

from measures.sheets import exchange as x
from measures.sheets.year_row import NO_MEASURES_NOTE as NO_YEAR_MEASURES

from ..template_sheet import NO_MEASURES_NOTE as NO_TEMPLATE_MEASURES
from ..xlsx_upload import UploadedWorkbook, UploadLimits
from . import cells
from .results import Problem, ReadResult
from .rows import RowReader, is_total_row
from .scope import ImportContext

# The header row is looked for in this many rows from the top (the template's instructions come first).
HEADER_SEARCH_ROWS = 30
REQUIRED_HEADINGS = tuple(c.heading for c in x.YEAR_COLUMNS if c.kind is not x.Kind.DERIVED)
# What the application itself writes below an empty table: no note of a person's.
_OWN_NOTES = {NO_TEMPLATE_MEASURES, NO_YEAR_MEASURES}
NOTE_QUOTE_MAX = 30  # characters of a note below the table quoted in its warning


class SheetReader:
    """Reads the sheet titled ``sheet`` of an uploaded file into ``result``."""

    def __init__(
        self,
        *,
        upload: UploadedWorkbook,
        sheet: str,
        context: ImportContext,
        result: ReadResult,
        limits: UploadLimits,
        department: str | None,
    ):
        self.upload, self.sheet, self.context, self.result, self.limits = (
            upload,
            sheet,
            context,
            result,
            limits,
        )
        self.name = upload.name
        self.department = department
        self.columns: dict[str, int] | None = None

    def problem(self, message: str, *, row: int | None = None) -> None:
        self.result.problem(self.name, message, sheet=self.sheet, row=row)

    def read(self) -> None:
        rows = self.upload.iter_rows(self.sheet)
        header_row = None
        for number, row in enumerate(rows, 1):
            if number > HEADER_SEARCH_ROWS:
                break
            texts = [cells.plain(cell.value) for cell in row]
            if x.MEASURE_ID in texts:
                header_row = number
                self._map_columns(texts, number)
                break
        if header_row is None:
            self.problem(
                "見出しの行(施策ID、施策名、実績値 …)が見つかりません。"
                "シートが空になっているか、見出しの行が消されています。テンプレートに記入し直してください。"
            )
            return
        if self.columns is None:
            return
        for cell_range in self.upload.merged_ranges.get(self.sheet, []):
            _, _, _, max_row = range_boundaries(cell_range)
            if max_row >= header_row:
                self.problem(
                    f"セル {cell_range} が結合されています。結合を解除し、1つのセルに1つの値を入力してください。"
                )
        reader = RowReader(
            file=self.name,
            sheet=self.sheet,
            columns=self.columns,
            context=self.context,
            result=self.result,
            department=self.department,
        )
        # Rows without a measure wait here until a measure's row follows them: inside the table
        # they are read as before (a row added is a problem); below it, a person's note, they are
        # left unread with a warning.
        pending: list[tuple[int, Sequence]] = []
        for number, row in enumerate(rows, header_row + 1):
            if self.result.rows_read + len(pending) >= self.limits.max_rows:
                self.problem(
                    f"行が多すぎます。1回のアップロードで読み込めるのは{self.limits.max_rows:,}行までです"
                    "(プレビューを一度に確かめられる量)。ファイルを分けてアップロードしてください。",
                    row=number,
                )
                return
            if self._without_measure(row):
                if any(cells.text(getattr(cell, "value", None)) for cell in row):
                    pending.append((number, row))
                continue
            for waiting in pending:
                reader.read(*waiting)
            pending.clear()
            reader.read(number, row)
        for number, row in pending:
            self._note_below_table(number, row)

    def _without_measure(self, row: Sequence) -> bool:
        """A row whose 施策ID holds no measure's number (empty, or words), other than a year sheet's total row."""
        values = self._values(row)
        if cells.whole_number(values[x.MEASURE_ID]) is not None:
            return False
        return not is_total_row(cells.plain(values.get(x.TITLE)))

    def _values(self, row: Sequence) -> dict:
        return {
            h: (row[i].value if i < len(row) and row[i] is not None else None)
            for h, i in self.columns.items()
        }

    def _note_below_table(self, number: int, row: Sequence) -> None:
        texts = [cells.text(getattr(cell, "value", None)) for cell in row]
        texts = [t for t in texts if t]
        if texts == [] or set(texts) <= _OWN_NOTES:
            return
        quoted = texts[0] if len(texts[0]) <= NOTE_QUOTE_MAX else texts[0][: NOTE_QUOTE_MAX - 1] + "…"
        self.result.warnings.append(
            Problem(
                self.name,
                f"表の下の行({number}行目)は読み込みませんでした(「{quoted}」)。"
                f"施策の行({x.MEASURE_ID}のある行)に記入した内容だけを取り込みます。",
                self.sheet,
                number,
            )
        )

    def _map_columns(self, texts: list[str], row: int) -> None:
        columns: dict[str, int] = {}
        problems = len(self.result.problems)
        for index, found in enumerate(texts):
            if not found:
                continue
            text = x.canonical_heading(found)
            if text not in x.HEADINGS:
                self.problem(
                    f"列「{found}」({get_column_letter(index + 1)}列)はテンプレートにない列です。列を削除してください。",
                    row=row,
                )
            elif text in columns:
                self.problem(f"列「{text}」が2つあります。片方を削除してください。", row=row)
            else:
                columns[text] = index
        missing = [h for h in REQUIRED_HEADINGS if h not in columns]
        if missing:
            self.problem(
                f"列「{'」「'.join(missing)}」がありません。列を消さずに、テンプレートのまま記入してください。",
                row=row,
            )
        self.columns = columns if len(self.result.problems) == problems else None
        if self.columns is not None:
            self.result.columns[self.name] = columns
