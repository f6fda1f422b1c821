"""A department's own Excel for its answer: the template of its round (only its answer's measures,
prefilled with the draft), and the file filled in and uploaded back into the same draft.

The sheet is the secretariat's template (template_sheet, the year sheet's format in measures.sheets);
the file's document properties say which round, answer and department it is for, and when it was
made. Reading it back uses the upload's own opener (xlsx_upload: every limit before openpyxl parses
a byte) and cell readers (importing.cells). It is read in the request, not by the worker as the
secretariat's upload is: a department's file holds its answer's rows only (tens, not the
secretariat's thousands), so it is read in a fraction of a second (ANSWER_LIMITS caps the rows), and
nothing is kept: what it read is shown as the draft's page, bound to the file's values, and saved
only when the person saves it (answer_rows_save, with the web form's field-by-field merge).

The merge's base is the draft as it was when the file was made (PROPERTY_MADE_AT, read from the
rows' history): a field a colleague changed on the web since, which the file changed too, to
another value, is a conflict shown with both values; what only the colleague changed is kept.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from openpyxl import Workbook
from openpyxl.packaging.custom import IntProperty, StringProperty

from core import clock, fiscal
from core.xlsx import XLSX_CONTENT_TYPE, attachment
from measures.models import Measure, ProgressStatus
from measures.selectors import MeasureProgress, measure_progress_rows
from measures.sheets import exchange as x
from measures.sheets.layout import APPLICATION_NAME, PageInfo
from measures.sheets.year_row import year_sheet_title

from .forms import AnswerRowForm
from .importing import LATEST, cells
from .importing.scope import statuses_by_text
from .models import ROW_FIELDS, Answer, AnswerRow, Round
from .template_sheet import status_list_formula, write_template
from .xlsx_upload import DEFAULT_LIMITS, UnreadableWorkbook, open_uploaded_workbook

PROPERTY_ROUND = "bunkyo:round"
PROPERTY_ANSWER = "bunkyo:answer"
PROPERTY_MADE_AT = "bunkyo:made_at"  # when the file was made: the draft then is the merge's base

# A department answers for tens of measures; a file with more rows than this is not its answer's.
ANSWER_LIMITS = replace(DEFAULT_LIMITS, max_rows=2_000, max_cells=2_000 * 40)

NOT_ANSWER_FILE = (
    "このファイルは進捗照会の回答のテンプレートではありません。"
    "この画面の「Excelでダウンロード」で作ったファイルに記入してください。"
)
SECRETARIAT_FILE = (
    "このファイルは事務局が使う進捗報告のテンプレート(またはExcel帳票)です。"
    "この画面の「Excelでダウンロード」で作ったファイルに記入してください。"
)
OTHER_ROUND = "このファイルは別の照会({other})のテンプレートです。この照会({this})の画面からダウンロードし直してください。"
OTHER_DEPARTMENT = (
    "このファイルは{other}の回答のテンプレートです。{this}の回答の画面からダウンロードし直してください。"
)
MADE_AT_UNREADABLE = (
    "このファイルがいつ作られたかが読み取れません。この回答の画面の「Excelでダウンロード」で作ったファイルに"
    "記入してください(ファイルのプロパティは変えないでください)。"
)
NO_SHEET = "シート「{sheet}」がありません。ダウンロードしたファイルのシート名を変えずに記入してください。"
NO_HEADINGS = "シート「{sheet}」に見出しの行({heading}…)がありません。ダウンロードしたファイルの形のまま記入してください。"
FOREIGN_MEASURE = "{row}行目: 施策ID「{id}」の施策はこの回答にありません(他の所管課の施策か、ない施策です)。"
NO_MEASURE_ID = "{row}行目: 施策IDがありません。施策IDの列は変更しないでください。"
OTHER_AS_OF = "{row}行目: 報告基準日はこの照会の{as_of}です。変更しないでください(「{typed}」)。"
REPEATED_MEASURE = "{row}行目: 施策ID「{id}」の行が2つあります({first}行目にも)。1つにしてください。"
NOTHING_READ = "このファイルにはこの回答の施策の行がありません。"


@dataclass
class DraftFigures:
    """A row of the draft as year_cells reads a report: the template's input columns, prefilled."""

    as_of: object
    status: ProgressStatus | None
    actual_value: object
    progress_percent: int | None
    narrative: str
    issues: str
    next_steps: str


@dataclass(frozen=True)
class AnswerTemplate:
    answer: Answer

    @property
    def title(self) -> str:
        round_ = self.answer.round
        return f"{fiscal.fiscal_year_label(round_.fiscal_year)} 進捗照会の回答 {self.answer.department.name}"

    @property
    def filename(self) -> str:
        round_ = self.answer.round
        return f"進捗照会_{fiscal.fiscal_year_wareki(round_.fiscal_year)}_{round_.as_of:%Y%m%d}_{self.answer.department.name}.xlsx"

    @property
    def ascii_filename(self) -> str:
        return f"round_{self.answer.round_id}_answer_{self.answer.pk}.xlsx"


def answer_instructions(answer: Answer, *, with_list: bool) -> list[str]:
    as_of = fiscal.wareki_date(answer.round.as_of)
    return [
        "記入のしかた",
        f"・この照会({answer.round})への{answer.department.name}の回答です。記入した値は、回答の下書きに入ります。",
        "・黄色の列(実績値、進捗状況、進捗率(%)、取組実績、課題、今後の方向性)だけを記入します。ほかの列やシートは変更できません。",
        "・進捗状況はセルの▼から選びます。" if with_list else "・進捗状況は選択肢の名前を入力します。",
        "・進捗率(%)は0から100までの整数で入力します。50%なら 50 と入力します(「%」は付けません)。",
        f"・報告基準日はこの照会の{as_of}です。変更しないでください。",
        "・記入したら、回答の画面の「Excelで取り込む」でアップロードし、変更を確かめてから「下書きを保存」を押します。",
        "・行・列・シートを追加したり、セルを結合したりしないでください。数式ではなく値を入力してください。",
    ]


def _draft_rows(answer: Answer, rows: list[AnswerRow]) -> list[MeasureProgress]:
    """Each measure's year sheet row, with the draft's values where the report's would be."""
    round_ = answer.round
    by_measure = {row.measure_id: row for row in rows}
    read = measure_progress_rows(
        plan=round_.plan,
        as_of=LATEST,
        measures=Measure.objects.filter(pk__in=list(by_measure)),
        fiscal_years=[round_.fiscal_year],
    )
    shown = []
    for measure in read:
        row = by_measure[measure.pk]
        figures = DraftFigures(as_of=round_.as_of, **row.figures())
        # 達成率 and 評価 are the report's, worked out once it is accepted: left empty here.
        year = replace(measure.years[0], report=figures, rate=None, grade=None)
        shown.append(replace(measure, years=[year]))
    return shown


def answer_template_write(answer: Answer, output) -> int:
    """Write the answer's template to ``output``. Returns the number of measures in it."""
    template = AnswerTemplate(answer)
    round_ = answer.round
    made_at = clock.now()
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{round_.plan.name} {template.title}"
    workbook.properties.creator = APPLICATION_NAME
    props = workbook.custom_doc_props
    props.append(StringProperty(name=x.PROPERTY_KIND, value=x.KIND_ANSWER))
    props.append(IntProperty(name=x.PROPERTY_PLAN, value=round_.plan_id))
    props.append(IntProperty(name=x.PROPERTY_FISCAL_YEAR, value=round_.fiscal_year))
    props.append(IntProperty(name=x.PROPERTY_DEPARTMENT, value=answer.department_id))
    props.append(IntProperty(name=PROPERTY_ROUND, value=round_.pk))
    props.append(IntProperty(name=PROPERTY_ANSWER, value=answer.pk))
    props.append(StringProperty(name=PROPERTY_MADE_AT, value=made_at.isoformat()))
    ws = workbook.create_sheet(year_sheet_title(round_.fiscal_year))
    rows = list(answer.rows.select_related("status").order_by("measure__order", "measure__number"))
    statuses = list(ProgressStatus.objects.order_by("order", "name"))
    count = write_template(
        ws,
        page=PageInfo(round_.plan.name, clock.today(), date_label="作成日"),
        title=template.title,
        fiscal_year=round_.fiscal_year,
        statuses=statuses,
        rows=_draft_rows(answer, rows),
        created_on=clock.today(),
        issuer=settings.REPORT_ISSUER,
        lines=answer_instructions(answer, with_list=status_list_formula(statuses) is not None),
    )
    workbook.save(output)
    return count


def answer_template_response(answer: Answer) -> FileResponse:
    output = tempfile.TemporaryFile()
    answer_template_write(answer, output)
    output.seek(0)
    template = AnswerTemplate(answer)
    response = FileResponse(output, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(template.filename, template.ascii_filename)
    return response


# ---- the file back ----------------------------------------------------------------------------


class AnswerFileRefused(Exception):
    """The file as a whole is not this answer's, or cannot be read: ``messages`` say why, in Japanese."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class AnswerFile:
    """What a file holds for the draft: each row's figures by the row's id, and when it was made."""

    made_at: datetime
    figures: dict[int, dict[str, object]] = field(default_factory=dict)


@dataclass
class _Statuses:
    statuses: list[ProgressStatus]
    status_by_text: dict[str, ProgressStatus]


def _check_identity(answer: Answer, props: dict[str, str]) -> None:
    kind = props.get(x.PROPERTY_KIND)
    if kind in (x.KIND_TEMPLATE, x.KIND_WORKBOOK):
        raise AnswerFileRefused([SECRETARIAT_FILE])
    if kind != x.KIND_ANSWER:
        raise AnswerFileRefused([NOT_ANSWER_FILE])
    round_id = cells.whole_number(props.get(PROPERTY_ROUND))
    if round_id != answer.round_id:
        other = Answer.objects.filter(round_id=round_id).select_related("round").first() if round_id else None
        # A round still 準備中 is the secretariat's draft: the department is not told it exists.
        shown = other is not None and other.round.state != Round.State.PREPARING
        named = str(other.round) if shown else "不明な照会"
        raise AnswerFileRefused([OTHER_ROUND.format(other=named, this=answer.round)])
    answer_id = cells.whole_number(props.get(PROPERTY_ANSWER))
    department_id = cells.whole_number(props.get(x.PROPERTY_DEPARTMENT))
    if answer_id != answer.pk or department_id != answer.department_id:
        other = (
            Answer.objects.filter(pk=answer_id).select_related("department").first() if answer_id else None
        )
        named = other.department.name if other else "別の所管課"
        raise AnswerFileRefused([OTHER_DEPARTMENT.format(other=named, this=answer.department.name)])


def answer_file_read(*, answer: Answer, file, name: str) -> AnswerFile:
    """Read an uploaded file for ``answer``'s draft, or refuse it (AnswerFileRefused) with every
    problem found: not this answer's file, a row of another measure, a cell that is not a value."""
    try:
        upload = open_uploaded_workbook(file, name=name, limits=ANSWER_LIMITS)
    except UnreadableWorkbook as error:
        raise AnswerFileRefused([error.message]) from None
    with upload:
        _check_identity(answer, upload.custom_properties)
        sheet = year_sheet_title(answer.round.fiscal_year)
        if sheet not in upload.workbook.sheetnames:
            raise AnswerFileRefused([NO_SHEET.format(sheet=sheet)])
        rows = {row.measure_id: row.pk for row in answer.rows.all()}
        statuses = list(ProgressStatus.objects.order_by("order", "name"))
        return _read_sheet(answer, upload, sheet, rows, _Statuses(statuses, statuses_by_text(statuses)))


def _made_at(props: dict[str, str]) -> datetime:
    """When the file was made (the merge's base is each row as it was then): a time with its zone,
    not after now. Anything else (taken out, edited in the file's properties) is refused."""
    try:
        made_at = parse_datetime(str(props.get(PROPERTY_MADE_AT) or ""))
    except ValueError:  # the shape of a time, with a month, hour or offset out of range
        made_at = None
    if made_at is None or timezone.is_naive(made_at) or made_at > clock.now():
        raise AnswerFileRefused([MADE_AT_UNREADABLE])
    return made_at


def _read_sheet(answer: Answer, upload, sheet: str, rows: dict[int, int], statuses: _Statuses) -> AnswerFile:
    result = AnswerFile(made_at=_made_at(upload.custom_properties))
    problems: list[str] = []
    columns: dict[str, int] | None = None
    seen: dict[int, int] = {}  # each measure's row number
    for number, cells_ in enumerate(upload.iter_rows(sheet), start=1):
        values = [cell.value for cell in cells_]
        if columns is None:
            headings = {x.canonical_heading(cells.plain(v)): i for i, v in enumerate(values) if v is not None}
            if x.MEASURE_ID in headings and all(h in headings for h in x.INPUT_HEADINGS):
                columns = headings
            continue

        def cell(heading, values=values, cells_=cells_, columns=columns):
            i = columns[heading]
            return (values[i], getattr(cells_[i], "number_format", "")) if i < len(values) else (None, "")

        measure_value, _ = cell(x.MEASURE_ID)
        if all(v is None or cells.plain(v) == "" for v in values):
            continue
        measure_id = cells.whole_number(measure_value)
        if measure_id is None:
            if cells.plain(measure_value):
                problems.append(FOREIGN_MEASURE.format(row=number, id=cells.plain(measure_value)))
            else:
                problems.append(NO_MEASURE_ID.format(row=number))
            continue
        if measure_id not in rows:
            problems.append(FOREIGN_MEASURE.format(row=number, id=measure_id))
            continue
        if measure_id in seen:
            problems.append(REPEATED_MEASURE.format(row=number, id=measure_id, first=seen[measure_id]))
            continue
        seen[measure_id] = number
        figures: dict[str, object] = {}
        readers = (
            ("actual_value", x.ACTUAL_VALUE, lambda v, f: cells.number(v, x.ACTUAL_VALUE)),
            ("status", x.STATUS, lambda v, f: cells.status(v, statuses)),
            ("progress_percent", x.PROGRESS, cells.percent),
            ("narrative", x.NARRATIVE, lambda v, f: cells.text(v)),
            ("issues", x.ISSUES, lambda v, f: cells.text(v)),
            ("next_steps", x.NEXT_STEPS, lambda v, f: cells.text(v)),
        )
        for name, heading, read in readers:
            value, number_format = cell(heading)
            try:
                figures[name] = read(value, number_format)
            except ValueError as error:
                problems.append(f"{number}行目: {error}")
        typed, _ = cell(x.AS_OF)
        try:
            as_of = cells.report_date(typed)
        except ValueError:
            as_of = None
        if as_of is not None and as_of != answer.round.as_of:
            problems.append(
                OTHER_AS_OF.format(
                    row=number, as_of=fiscal.wareki_date(answer.round.as_of), typed=cells.plain(typed)
                )
            )
        result.figures[rows[measure_id]] = figures
    if columns is None:
        raise AnswerFileRefused([NO_HEADINGS.format(sheet=sheet, heading=x.MEASURE_ID)])
    if problems:
        raise AnswerFileRefused(problems)
    if not result.figures:
        raise AnswerFileRefused([NOTHING_READ])
    return result


def _rows_then(answer: Answer, made_at: datetime) -> dict[int, AnswerRow]:
    """Each row of the answer as it was at ``made_at``, from its change history. A row with no
    change recorded by then was as the round's opening made it: empty, at its first version."""
    then: dict[int, AnswerRow] = {}
    records = AnswerRow.history.filter(answer_id=answer.pk, history_date__lte=made_at).order_by(
        "history_date"
    )
    for record in records:
        then[record.id] = record.instance  # the last one by then wins
    for row in answer.rows.exclude(pk__in=list(then)).only("pk", "answer_id", "measure_id"):
        then[row.pk] = AnswerRow(pk=row.pk, answer_id=row.answer_id, measure_id=row.measure_id, version=1)
    for row in then.values():
        row._state.adding = False  # a saved row as it was, which the form reads as one
    return then


def answer_file_data(*, answer: Answer, rows: list[AnswerRow], read: AnswerFile, prefix: str) -> QueryDict:
    """The draft's form data as if the person had typed the file's values into the page they had
    when the file was made: each row's version and values then (its history) as the merge's base,
    the file's figures as typed. Rows the file does not hold are posted as they are now."""
    then = _rows_then(answer, read.made_at)
    data = QueryDict(mutable=True)
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
    for index, row in enumerate(rows):
        form_prefix = f"{prefix}-{index}"
        base = then.get(row.pk, row) if row.pk in read.figures else row
        if base is not row and row.version == base.version:
            base = row  # unchanged since: the row itself (its status read already)
        form = AnswerRowForm(instance=base, prefix=form_prefix)
        data[f"{form_prefix}-id"] = str(row.pk)
        data[f"{form_prefix}-version"] = str(base.version)
        data[f"{form_prefix}-loaded_state"] = form.fields["version"].widget.state
        figures = read.figures.get(row.pk)
        for name in ROW_FIELDS:
            value = figures[name] if figures is not None and name in figures else getattr(base, name)
            if isinstance(value, ProgressStatus):
                value = value.pk
            shown = form.fields[name].prepare_value(value)
            data[f"{form_prefix}-{name}"] = "" if shown is None else str(shown)
    return data
