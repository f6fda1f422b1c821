"""Reading filled-in templates back: each row becomes a new progress report, an unchanged row, or a problem.

Nothing here writes. The upload (reports.services.progress_import_preview) keeps what this reads
for the secretariat to check; the confirmation saves it through measures.services, the service
the admin uses, so every rule of a report holds for an imported one too.

A file is read by the headings of exchange.YEAR_COLUMNS, so either the department's template
or a year's sheet of the manager's workbook can come back. Which plan, year and department it
is for comes from its document properties. A row says nothing new when its input columns hold
what the measure's latest report already says: uploading a file twice adds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from openpyxl.utils import get_column_letter, range_boundaries

from core import fiscal
from core.fields import date_in_range_error
from core.templatetags.ja_format import plain_number
from measures.models import Department, Measure, Plan, ProgressReport, ProgressStatus
from measures.selectors import PLAN_TOTAL_LABEL, UNREPORTED_LABEL, MeasureProgress, measure_progress_rows
from measures.services import UNIQUE_CODE, progress_reports_validate

from .sheets import exchange as x
from .sheets.history import HISTORY_TITLE
from .sheets.overview import OVERVIEW_TITLE
from .sheets.progress import PROGRESS_TITLE
from .sheets.schedule import SCHEDULE_TITLE
from .sheets.template import NO_MEASURES_NOTE as NO_TEMPLATE_MEASURES
from .sheets.years import NO_MEASURES_NOTE as NO_YEAR_MEASURES
from .sheets.years import year_sheet_title
from .xlsx_upload import (
    DEFAULT_LIMITS,
    UnreadableWorkbook,
    UploadedWorkbook,
    UploadLimits,
    is_formula,
    open_uploaded_workbook,
)

# The latest report, whatever its date: what a template shows and a row is compared with.
LATEST = date(9999, 12, 31)
# The header row is looked for in this many rows from the top (the template's instructions come first).
HEADER_SEARCH_ROWS = 30
WORKBOOK_SHEETS = (OVERVIEW_TITLE, PROGRESS_TITLE, SCHEDULE_TITLE, HISTORY_TITLE)
REQUIRED_HEADINGS = tuple(c.heading for c in x.YEAR_COLUMNS if c.kind is not x.Kind.DERIVED)
_WHOLE_NUMBER = re.compile(r"([0-9]{1,18})(?:\.0*)?")
# A year sheet's total rows (「ア 計」, 計画全体) carry no 施策ID.
_TOTAL_TITLE = re.compile(r"^\S+ 計$")
# What the application itself writes below an empty table: no note of a person's.
_OWN_NOTES = {NO_TEMPLATE_MEASURES, NO_YEAR_MEASURES}
NOTE_QUOTE_MAX = 30  # characters of a note below the table quoted in its warning
# How an input heading maps to the report's field, for the model's messages.
FIELD_HEADINGS = {
    "actual_value": x.ACTUAL_VALUE,
    "status": x.STATUS,
    "progress_percent": x.PROGRESS,
    "narrative": x.NARRATIVE,
    "issues": x.ISSUES,
    "next_steps": x.NEXT_STEPS,
    "as_of": x.AS_OF,
    "fiscal_year": "年度",
    "measure": x.MEASURE_ID,
}
PREVIEW_TEXT_MAX = 200  # characters of a narrative shown in the preview's table


@dataclass(frozen=True)
class Problem:
    """Something that stops the upload, where it is and what to do: 「記入例.xlsx」 令和3年度 12行目 I列(実績値)."""

    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""


@dataclass
class NewReport:
    """A row that becomes a report: its values as stored, and what it changes for the preview."""

    file: str
    sheet: str
    row: int
    measure_id: int
    measure_label: str
    as_of: str  # ISO date
    status_id: int
    actual_value: str | None  # a Decimal as text; None is "no value yet", never 0
    progress_percent: int
    narrative: str
    issues: str
    next_steps: str
    previous_id: int | None  # the latest report when the file was read: checked again on confirmation
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (heading, now, after)
    note: str = ""  # what the preview says beside the change (a report dated before the latest)


@dataclass
class ReadResult:
    """What the upload found in all its files."""

    reports: list[NewReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # what was left unread, without stopping the upload
    sheets: list[dict] = field(
        default_factory=list
    )  # each sheet of each file: file, sheet, year, read, reason
    unchanged: int = 0
    blank: int = 0
    files: list[dict] = field(default_factory=list)  # name, sha256
    rows_read: int = 0
    columns: dict[str, dict[str, int]] = field(default_factory=dict)  # each file's heading → column index


@dataclass(frozen=True)
class ImportScope:
    """What the secretariat is collecting: a plan's fiscal year."""

    plan: Plan
    fiscal_year: int

    @property
    def sheet_title(self) -> str:
        return year_sheet_title(self.fiscal_year)


def measures_with_plans(ids: Iterable[int]) -> dict[int, Measure]:
    """{id: measure, with its plan} for the rows' measures, in one query.

    Not in_bulk(): on SQLite it splits the ids into queries of 999 (the variable limit of old
    SQLite versions), so 5,000 rows took six queries. One IN of up to MAX_ROWS (10,000) ids is
    within SQLite's 32,766 variables (3.32 and later) and PostgreSQL's 65,535 parameters.
    """
    return {measure.pk: measure for measure in Measure.objects.select_related("plan").filter(pk__in=set(ids))}


class _Context:
    """What every file is checked against, read once per upload in a fixed number of queries."""

    def __init__(self, scope: ImportScope):
        self.scope = scope
        rows = measure_progress_rows(
            plan=scope.plan,
            as_of=LATEST,
            measures=Measure.objects.filter(plan=scope.plan),
            fiscal_years=[scope.fiscal_year],
        )
        self.rows: dict[int, MeasureProgress] = {row.pk: row for row in rows}
        self.statuses = list(ProgressStatus.objects.order_by("order", "name"))
        self.status_by_text: dict[str, ProgressStatus] = {}
        for status in self.statuses:
            for text in (str(status), status.name, f"{status.symbol}{status.name}"):
                self.status_by_text.setdefault(_squeeze(text), status)
        self.departments = {d.pk: d.name for d in Department.objects.all()}


def _squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


# ---- one cell's value -----------------------------------------------------------------------------


def _plain(value) -> str:
    """A cell as text for a message or a comparison."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%Y/%m/%d}"
    return str(value).strip()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _plain(value)


def _number(value, heading: str) -> Decimal | None:
    """A number, also one stored as text (「1,234」「１２」); empty is None, never 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{heading}は数で入力してください(「{value}」)。")
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
    raise ValueError(f"{heading}は数で入力してください(「{_plain(value)}」は数として読めません)。")


def _percent(value, number_format: str) -> int | None:
    """進捗率, a whole number of percent from 0 to 100, however the file holds it.

    - A plain cell (the template's 進捗率(%)): the number itself, 50.
    - A percent cell (a year sheet of the manager's workbook, or a template made before the
      column became 進捗率(%)): Excel stores 50% as 0.5, so a number up to 1 is a fraction (0.5 is
      50, 1 is 100); LibreOffice stores the 50 typed there as 50 (shown 5000%), so a number above
      1 is the percent itself. 1 is read as Excel shows it, 100%.
    - Text: 「50」 or 「50%」.
    """
    message = f"{x.PROGRESS}は0から100までの整数で入力してください(50%なら50。「{_plain(value)}」)。"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text.endswith("%"):
            text = text[:-1].strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(message) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or "") and number.is_finite() and number <= 1:
            number *= 100
    else:
        raise ValueError(message)
    if not number.is_finite() or not 0 <= number <= 100:  # before quantize(), which 1E+30 overflows
        raise ValueError(message)
    rounded = number.quantize(Decimal("1e-6"))  # a percent cell's 0.35 is 35.000000000000004
    if rounded != rounded.to_integral_value() or not 0 <= rounded <= 100:
        raise ValueError(message)
    return int(rounded)


def _date(value) -> date | None:
    """A date cell, or a date typed as text in any form the application prints: 2021/9/30,
    令和3年9月30日, R3.9.30 as the template's own column shows it (core.fiscal.parse_date), within
    the years the application handles (1021/9/30 is a typo, and has no era to show)."""
    day = _any_date(value)
    if error := date_in_range_error(day, x.AS_OF):
        raise ValueError(error)
    return day


def _any_date(value) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return fiscal.parse_date(value)
        except ValueError as error:
            # The parser's reason, quoting the cell: 報告基準日「R3.2.30」という日付はありません。
            raise ValueError(f"{x.AS_OF}{error}") from None
    raise ValueError(
        f"{x.AS_OF}は日付で入力してください(「{_plain(value)}」は日付として読めません)。"
        "2021/9/30 や 令和3年9月30日 のように入力します。"
    )


def _status(value, context: _Context) -> ProgressStatus | None:
    text = _squeeze(_plain(value))
    if not text or text == _squeeze(UNREPORTED_LABEL):
        return None
    status = context.status_by_text.get(text)
    if status is None:
        names = "、".join(s.name for s in context.statuses)
        raise ValueError(f"{x.STATUS}「{_plain(value)}」は選択肢にありません。{names} から選んでください。")
    return status


# ---- one file -------------------------------------------------------------------------------------


class _FileReader:
    def __init__(self, upload: UploadedWorkbook, context: _Context, result: ReadResult, limits: UploadLimits):
        self.upload, self.context, self.result, self.limits = upload, context, result, limits
        self.name = upload.name
        self.department: str | None = None
        self.columns: dict[str, int] | None = None

    def problem(self, message: str, *, sheet: str = "", row: int | None = None, heading: str = "") -> None:
        column = _column_label(heading, self.columns or {})
        self.result.problems.append(Problem(self.name, message, sheet, row, column))

    def read(self) -> None:
        sheet = self._check_identity()
        if sheet is None:
            return
        self._read_sheet(sheet)

    def sheet_seen(self, title: str, year: int | None, *, reason: str = "") -> None:
        """What the preview says of a sheet: its fiscal year, and why it was not read (read when no reason)."""
        self.result.sheets.append(
            {
                "file": self.name,
                "sheet": title,
                "year": fiscal.fiscal_year_label(year) if year else "",
                "read": not reason,
                "reason": reason,
            }
        )

    def _other_year(self, year: int) -> str:
        """Why a sheet of another fiscal year than the one chosen is not read."""
        chosen = fiscal.fiscal_year_label(self.context.scope.fiscal_year)
        label = fiscal.fiscal_year_label(year)
        return (
            f"{label}のシートです。取り込む年度は{chosen}のため読み込みませんでした。"
            f"このシートの報告は、年度に{label}を選んでアップロードしてください。"
        )

    def _check_identity(self) -> str | None:
        """The file's kind, plan, year and department, and its sheets. Returns the sheet to read."""
        scope, props = self.context.scope, self.upload.custom_properties
        kind = props.get(x.PROPERTY_KIND)
        if kind not in (x.KIND_TEMPLATE, x.KIND_WORKBOOK):
            self.problem(
                "このファイルは進捗報告のテンプレートではありません(ファイルの情報に計画と年度がありません)。"
                "管理画面の「テンプレートをダウンロード」で作ったファイルか、進捗状況のExcel(/reports/)に記入してください。"
            )
            return None
        if _int_or_none(props.get(x.PROPERTY_PLAN)) != scope.plan.pk:
            other = Plan.objects.filter(pk=_int_or_none(props.get(x.PROPERTY_PLAN))).first()
            named = f"「{other.name}」" if other else "別の計画"
            self.problem(
                f"このファイルは{named}のものです。取り込む計画「{scope.plan.name}」のテンプレートに記入してください。"
            )
            return None
        titles = list(self.upload.workbook.sheetnames)
        if kind == x.KIND_TEMPLATE:
            year = _int_or_none(props.get(x.PROPERTY_FISCAL_YEAR))
            if year is None or not scope.plan.covers(year):
                label = fiscal.fiscal_year_label(year) if year else "不明な年度"
                self.problem(
                    f"このファイルの年度({label})は計画の期間({scope.plan.period_label})の外です。"
                    "計画の年度のテンプレートをダウンロードし直してください。"
                )
                return None
            if year != scope.fiscal_year:
                for title in titles:
                    self.sheet_seen(title, year, reason=self._other_year(year))
                self.problem(
                    f"このファイルは{fiscal.fiscal_year_label(year)}のテンプレートです。"
                    f"取り込む年度は{fiscal.fiscal_year_label(scope.fiscal_year)}です。"
                    "年度を選び直すか、その年度のテンプレートに記入してください。"
                )
                return None
            department_id = _int_or_none(props.get(x.PROPERTY_DEPARTMENT))
            if department_id:
                self.department = self.context.departments.get(department_id)
                if self.department is None:
                    self.problem(
                        "このテンプレートの所管課は削除されています。テンプレートをダウンロードし直してください。"
                    )
                    return None
            allowed = {scope.sheet_title}
            years = {scope.sheet_title: year}
        else:
            # A year sheet of the manager's workbook carries its year in its title (years.year_sheet_title).
            years = {year_sheet_title(y): y for y in scope.plan.fiscal_years}
            allowed = {*WORKBOOK_SHEETS, *years}
        for title in titles:
            if title not in allowed:
                self.sheet_seen(title, None, reason="テンプレートにないシートです。")
                self.problem(
                    f"シート「{title}」はテンプレートにないシートです。シートを削除し、"
                    f"記入はシート「{scope.sheet_title}」にしてください。",
                    sheet=title,
                )
            elif title == scope.sheet_title:
                self.sheet_seen(title, scope.fiscal_year)
            elif title in years:
                self.sheet_seen(title, years[title], reason=self._other_year(years[title]))
            else:
                self.sheet_seen(title, None, reason="集計のシートです(進捗は年度のシートから読み込みます)。")
        if scope.sheet_title not in titles:
            others = [t for t in titles if t in years]
            found = f"このファイルにあるのは{'、'.join(others)}のシートです。" if others else ""
            self.problem(
                f"シート「{scope.sheet_title}」がありません。{found}{fiscal.fiscal_year_label(scope.fiscal_year)}の"
                "シートに記入するか、シートの年度を選んでアップロードしてください(シート名は変えないでください)。"
            )
            return None
        return scope.sheet_title

    def _read_sheet(self, sheet: str) -> None:
        rows = self.upload.iter_rows(sheet)
        header_row = None
        for number, cells in enumerate(rows, 1):
            if number > HEADER_SEARCH_ROWS:
                break
            texts = [_plain(cell.value) for cell in cells]
            if x.MEASURE_ID in texts:
                header_row = number
                self._map_columns(texts, sheet, number)
                break
        if header_row is None:
            self.problem(
                "見出しの行(施策ID、施策名、実績値 …)が見つかりません。"
                "シートが空になっているか、見出しの行が消されています。テンプレートに記入し直してください。",
                sheet=sheet,
            )
            return
        if self.columns is None:
            return
        for cell_range in self.upload.merged_ranges.get(sheet, []):
            _, _, _, max_row = range_boundaries(cell_range)
            if max_row >= header_row:
                self.problem(
                    f"セル {cell_range} が結合されています。結合を解除し、1つのセルに1つの値を入力してください。",
                    sheet=sheet,
                )
        # Rows without a measure wait here until a measure's row follows them: inside the table
        # they are read as before (a row added is a problem); below it, a person's note, they are
        # left unread with a warning.
        pending: list[tuple[int, Sequence]] = []
        for number, cells in enumerate(rows, header_row + 1):
            if self.result.rows_read + len(pending) >= self.limits.max_rows:
                self.problem(
                    f"行が多すぎます。1回のアップロードで読み込めるのは{self.limits.max_rows:,}行までです"
                    "(プレビューを一度に確かめられる量)。ファイルを分けてアップロードしてください。",
                    sheet=sheet,
                    row=number,
                )
                return
            if self._without_measure(cells):
                if any(_text(getattr(cell, "value", None)) for cell in cells):
                    pending.append((number, cells))
                continue
            for waiting in pending:
                self._read_row(sheet, *waiting)
            pending.clear()
            self._read_row(sheet, number, cells)
        for number, cells in pending:
            self._note_below_table(sheet, number, cells)

    def _without_measure(self, cells: Sequence) -> bool:
        """A row whose 施策ID holds no measure's number (empty, or words), other than a year sheet's total row."""
        values = self._values(cells)
        if _int_or_none(values[x.MEASURE_ID]) is not None:
            return False
        title = _plain(values.get(x.TITLE))
        return not (_TOTAL_TITLE.match(title) or title == PLAN_TOTAL_LABEL)

    def _values(self, cells: Sequence) -> dict:
        columns = self.columns
        return {
            h: (cells[i].value if i < len(cells) and cells[i] is not None else None)
            for h, i in columns.items()
        }

    def _note_below_table(self, sheet: str, number: int, cells: Sequence) -> None:
        texts = [_text(getattr(cell, "value", None)) for cell in cells]
        texts = [t for t in texts if t]
        if texts == [] or set(texts) <= _OWN_NOTES:
            return
        quoted = texts[0] if len(texts[0]) <= NOTE_QUOTE_MAX else texts[0][: NOTE_QUOTE_MAX - 1] + "…"
        self.result.warnings.append(
            Problem(
                self.name,
                f"表の下の行({number}行目)は読み込みませんでした(「{quoted}」)。"
                f"施策の行({x.MEASURE_ID}のある行)に記入した内容だけを取り込みます。",
                sheet,
                number,
            )
        )

    def _map_columns(self, texts: list[str], sheet: str, row: int) -> None:
        columns: dict[str, int] = {}
        problems = len(self.result.problems)
        for index, found in enumerate(texts):
            if not found:
                continue
            text = x.canonical_heading(found)
            if text not in x.HEADINGS:
                self.problem(
                    f"列「{found}」({get_column_letter(index + 1)}列)はテンプレートにない列です。列を削除してください。",
                    sheet=sheet,
                    row=row,
                )
            elif text in columns:
                self.problem(f"列「{text}」が2つあります。片方を削除してください。", sheet=sheet, row=row)
            else:
                columns[text] = index
        missing = [h for h in REQUIRED_HEADINGS if h not in columns]
        if missing:
            self.problem(
                f"列「{'」「'.join(missing)}」がありません。列を消さずに、テンプレートのまま記入してください。",
                sheet=sheet,
                row=row,
            )
        self.columns = columns if len(self.result.problems) == problems else None
        if self.columns is not None:
            self.result.columns[self.name] = columns

    def _read_row(self, sheet: str, number: int, cells: Sequence) -> None:
        columns = self.columns
        by_heading = {h: (cells[i] if i < len(cells) else None) for h, i in columns.items()}
        values = {h: (c.value if c is not None else None) for h, c in by_heading.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            return  # an empty row
        self.result.rows_read += 1
        for heading, cell in by_heading.items():
            if cell is not None and is_formula(cell):
                self.problem(
                    f"数式({_plain(cell.value)[:40]})は取り込めません。計算した値を入力してください。",
                    sheet=sheet,
                    row=number,
                    heading=heading,
                )
                return
        measure_id = values[x.MEASURE_ID]
        inputs_empty = all(_text(values[h]) == "" for h in x.INPUT_HEADINGS)
        if measure_id is None or _plain(measure_id) == "":
            title = _plain(values.get(x.TITLE))
            if inputs_empty or _TOTAL_TITLE.match(title) or title == PLAN_TOTAL_LABEL:
                return  # a total row of the workbook, or a note
            self.problem(
                f"{x.MEASURE_ID}が空欄です。行を追加せず、テンプレートにある施策の行に記入してください。",
                sheet=sheet,
                row=number,
                heading=x.MEASURE_ID,
            )
            return
        pk = _int_or_none(measure_id)
        progress = self.context.rows.get(pk) if pk is not None else None
        if progress is None:
            self.problem(
                f"{x.MEASURE_ID}「{_plain(measure_id)}」の施策はこの計画にありません。"
                f"{x.MEASURE_ID}の列は変更しないでください。",
                sheet=sheet,
                row=number,
                heading=x.MEASURE_ID,
            )
            return
        if self.department is not None and self.department not in progress.departments:
            owners = "、".join(progress.departments) or "所管課なし"
            self.problem(
                f"施策「{progress.number} {progress.title}」は{self.department}の所管ではありません(所管: {owners})。"
                "この行を削除してください。",
                sheet=sheet,
                row=number,
                heading=x.MEASURE_ID,
            )
            return
        # A row with a locked column changed still has its input columns checked: every problem
        # of a file is named in one go.
        intact = self._fixed_columns_match(sheet, number, values, progress)
        if inputs_empty:
            self.result.blank += intact
            return
        self._read_inputs(sheet, number, by_heading, values, progress, intact=intact)

    def _fixed_columns_match(self, sheet: str, number: int, values: dict, progress: MeasureProgress) -> bool:
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
            if not _same(values.get(heading), want):
                self.problem(
                    f"入力欄でない「{heading}」が変わっています(ファイル: 「{_plain(values.get(heading))}」、"
                    f"登録内容: 「{_plain(want)}」)。黄色の列だけを記入し、ほかの列は元に戻してください。"
                    "登録内容が変わったときは、テンプレートをダウンロードし直してください。",
                    sheet=sheet,
                    row=number,
                    heading=heading,
                )
                ok = False
        return ok

    def _read_inputs(
        self, sheet, number, by_heading, values, progress: MeasureProgress, *, intact: bool
    ) -> None:
        parsed: dict = {}
        failed = False
        readers = {
            x.ACTUAL_VALUE: lambda v, c: _number(v, x.ACTUAL_VALUE),
            x.STATUS: lambda v, c: _status(v, self.context),
            x.PROGRESS: lambda v, c: _percent(v, getattr(c, "number_format", "")),
            x.NARRATIVE: lambda v, c: _text(v),
            x.ISSUES: lambda v, c: _text(v),
            x.NEXT_STEPS: lambda v, c: _text(v),
            x.AS_OF: lambda v, c: _date(v),
        }
        for heading, reader in readers.items():
            try:
                parsed[heading] = reader(values.get(heading), by_heading.get(heading))
            except ValueError as error:
                self.problem(str(error), sheet=sheet, row=number, heading=heading)
                failed = True
        if failed:
            return
        for heading, label in (
            (x.STATUS, "選んでください"),
            (x.PROGRESS, "入力してください"),
            (x.AS_OF, "入力してください"),
        ):
            if parsed[heading] is None:
                self.problem(f"{heading}を{label}。", sheet=sheet, row=number, heading=heading)
                failed = True
        if failed or not intact:
            return
        current = progress.years[0].report
        if current is not None and _unchanged(current, parsed):
            self.result.unchanged += 1
            return
        for heading in (x.NARRATIVE, x.ISSUES, x.NEXT_STEPS):
            if parsed[heading].startswith("="):
                self.problem(
                    "「=」で始まる文は取り込めません(数式と区別できないため)。先頭に文字を加えてください。",
                    sheet=sheet,
                    row=number,
                    heading=heading,
                )
                failed = True
        if failed:
            return
        status: ProgressStatus = parsed[x.STATUS]
        new = NewReport(
            file=self.name,
            sheet=sheet,
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


def _int_or_none(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # Digits, and a document property saved again by LibreOffice comes back as a real number: "1.0".
    # Nothing else: int(Decimal("1e1000000")) would hold the worker for minutes.
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    match = _WHOLE_NUMBER.fullmatch(text)
    return int(match[1]) if match else None


def _same(found, want) -> bool:
    """A locked cell as it came back against what the template wrote there."""
    if want is None or want == "":
        return _plain(found) == ""
    if isinstance(want, int | Decimal):
        try:
            return _number(found, "") == Decimal(want)
        except ValueError:
            return False
    return _squeeze(_text(found)) == _squeeze(str(want))


def _unchanged(current, parsed: dict) -> bool:
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


# ---- the whole upload -----------------------------------------------------------------------------


def read_uploads(*, scope: ImportScope, files: Sequence, limits: UploadLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read every file; then check the new reports together against the rules of a report.

    ``files``: (name, binary file) pairs. A fixed number of queries, however many rows.
    """
    context = _Context(scope)
    result = ReadResult()
    digests: dict[str, str] = {}
    for name, file in files:
        try:
            upload = open_uploaded_workbook(file, name=name, limits=limits)
        except UnreadableWorkbook as error:
            result.problems.append(Problem(name, error.message))
            continue
        with upload:
            result.files.append({"name": name, "sha256": upload.sha256})
            if upload.sha256 in digests:
                result.problems.append(
                    Problem(
                        name,
                        f"「{name}」は「{digests[upload.sha256]}」と同じ内容のファイルです。片方だけを選んでください。",
                    )
                )
                continue
            digests[upload.sha256] = name
            try:
                _FileReader(upload, context, result, limits).read()
            except UnreadableWorkbook as error:
                result.problems.append(Problem(name, error.message))
    _check_reports(result, scope, context)
    return result


def build_reports(
    new: Sequence[NewReport],
    scope: ImportScope,
    measures: dict[int, Measure],
    statuses: dict[int, ProgressStatus],
) -> list[ProgressReport]:
    """The progress reports the rows stand for, unsaved."""
    return [
        ProgressReport(
            measure=measures.get(row.measure_id) or Measure(pk=row.measure_id),
            fiscal_year=scope.fiscal_year,
            as_of=date.fromisoformat(row.as_of),
            status=statuses.get(row.status_id),  # gone since the preview: the service says so
            actual_value=None if row.actual_value is None else Decimal(row.actual_value),
            progress_percent=row.progress_percent,
            narrative=row.narrative,
            issues=row.issues,
            next_steps=row.next_steps,
        )
        for row in new
    ]


def _drop_already_recorded(result: ReadResult, scope: ImportScope) -> None:
    """A row that repeats a standing report of the same date, word for word, is no new report:
    a file uploaded again adds nothing, even when a later report has been added since. One query."""
    if not result.reports:
        return
    recorded = {
        (report.measure_id, report.as_of): report
        for report in ProgressReport.objects.standing()
        .filter(
            measure__plan=scope.plan,
            fiscal_year=scope.fiscal_year,
            as_of__in={date.fromisoformat(r.as_of) for r in result.reports},
        )
        .select_related("status")
    }
    kept = []
    for row in result.reports:
        as_of = date.fromisoformat(row.as_of)
        same_day = recorded.get((row.measure_id, as_of))
        parsed = {
            x.AS_OF: as_of,
            x.STATUS: same_day.status if same_day else None,
            x.PROGRESS: row.progress_percent,
            x.ACTUAL_VALUE: None if row.actual_value is None else Decimal(row.actual_value),
            x.NARRATIVE: row.narrative,
            x.ISSUES: row.issues,
            x.NEXT_STEPS: row.next_steps,
        }
        if same_day is not None and same_day.status_id == row.status_id and _unchanged(same_day, parsed):
            result.unchanged += 1
        else:
            kept.append(row)
    result.reports = kept


def _check_reports(result: ReadResult, scope: ImportScope, context: _Context) -> None:
    """The rules of a report (measures.services), for every new report at once."""
    _drop_already_recorded(result, scope)
    if not result.reports:
        return
    measures = measures_with_plans(r.measure_id for r in result.reports)
    statuses = {s.pk: s for s in context.statuses}
    reports = build_reports(result.reports, scope, measures, statuses)
    errors = progress_reports_validate(reports)
    for index, error in sorted(errors.items()):
        row = result.reports[index]
        for field_name, field_errors in error.error_dict.items():
            heading = FIELD_HEADINGS.get(field_name, "") if field_name != NON_FIELD_ERRORS else ""
            for item in ValidationError(field_errors).error_list:
                text = item.messages[0]
                if item.code == UNIQUE_CODE:  # the admin's wording; in a file, the date is what to change
                    heading = x.AS_OF
                    text = (
                        f"この施策のこの報告基準日({fiscal.wareki_date_with_western(date.fromisoformat(row.as_of))})"
                        "の報告はすでにあります。内容を更新するときは、報告基準日を新しい日付にしてください。"
                    )
                column = _column_label(heading, result.columns.get(row.file, {}))
                result.problems.append(Problem(row.file, text, row.sheet, row.row, column))
    if errors:
        result.reports = [r for i, r in enumerate(result.reports) if i not in errors]


def _column_label(heading: str, columns: dict[str, int]) -> str:
    """「I列(実績値)」: where a heading is in the file as uploaded."""
    if heading not in columns:
        return heading
    return f"{get_column_letter(columns[heading] + 1)}列({heading})"


def as_json(result: ReadResult) -> dict:
    """What the preview keeps (reports.models.ProgressImport). Shallow copies: dataclasses.asdict
    copies every value deeply, 12 % of a 5,000-row preview's time (benchmarks/import_progress.py)."""
    return {
        "reports": [dict(vars(r)) for r in result.reports],
        "problems": [dict(vars(p)) for p in result.problems],
        "warnings": [dict(vars(w)) for w in result.warnings],
        "sheets": result.sheets,
    }
