"""What an upload found: the new reports, the problems that stop it, the warnings that do not, and
what the preview keeps of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter


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

    def problem(
        self, file: str, message: str, *, sheet: str = "", row: int | None = None, heading: str = ""
    ) -> None:
        """Add a problem, its column named as the file has it once its headings are read (「I列(実績値)」)."""
        column = column_label(heading, self.columns.get(file, {}))
        self.problems.append(Problem(file, message, sheet, row, column))


def column_label(heading: str, columns: dict[str, int]) -> str:
    """「I列(実績値)」: where a heading is in the file as uploaded."""
    if heading not in columns:
        return heading
    return f"{get_column_letter(columns[heading] + 1)}列({heading})"


def as_json(result: ReadResult) -> dict:
    """What the preview keeps (rounds.models.ProgressImport). Shallow copies: dataclasses.asdict
    copies every value deeply, 12 % of a 5,000-row preview's time (benchmarks/import_progress.py)."""
    return {
        "reports": [dict(vars(r)) for r in result.reports],
        "problems": [dict(vars(p)) for p in result.problems],
        "warnings": [dict(vars(w)) for w in result.warnings],
        "sheets": result.sheets,
    }
