"""The open datasets: what each one holds, column by column, and its rows.

Each dataset is a table with one header row and one value per cell, as the 自治体標準オープンデータセット
rules ask: the first columns are 全国地方公共団体コード, ID and 地方公共団体名, every date is ISO
(YYYY-MM-DD) with the fiscal year and its label (年度, 年度表示) beside it. The column dictionary
below is the one source for the CSV header, the JSON keys and metadata, and the /opendata/ page.

Rows come from the same selectors as the workbook and the printable pages
(measures.selectors.measure_progress_rows, report_history_stream), so a rule such as "as of" or
"standing (not withdrawn)" is the same here. People's names are never read into a row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings

from core import fiscal
from measures.models import Measure, Plan
from measures.selectors import (
    MeasureProgress,
    YearProgress,
    measure_progress_rows,
    plan_default_as_of,
    report_history_stream,
)
from schedule.models import ScheduledItem

from . import selectors

# The collection of every dataset, as the catalogue and the data package title it.
COLLECTION_TITLE = "文京区官民データ活用推進計画 進捗状況 オープンデータ"
LICENSE_NAME = "公共データ利用規約(第1.0版)"
LICENSE_SHORT_NAME = "PDL1.0"
LICENSE_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
LICENSE_NOTE = "クリエイティブ・コモンズ 表示 4.0 国際(CC BY 4.0)と互換性があります。"

# A column's type is a Frictionless Table Schema type (datapackage.py publishes it); the page and
# the JSON metadata show its Japanese label. Dates are ISO (the Table Schema's default format).
STRING = "string"
INTEGER = "integer"
NUMBER = "number"
DATE = "date"
TYPE_LABELS = {STRING: "文字列", INTEGER: "整数", NUMBER: "数値", DATE: "日付(YYYY-MM-DD)"}

# A list in one cell (a measure with two departments) is joined with this.
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    """One column: its JSON key, its CSV header (the page's 項目名), its type, its meaning, and what
    every value it holds satisfies (the Table Schema's constraints: the data are checked against them)."""

    key: str  # the JSON key
    name: str  # the CSV header and the page's 項目名
    type: str  # a key of TYPE_LABELS
    description: str
    required: bool = False  # never empty
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] | None = None  # only for a fixed list of values (choices in the code, not data)

    def __post_init__(self):
        if self.type not in TYPE_LABELS:
            raise ValueError(f"{self.name}: {self.type!r} is not a Table Schema type this module knows")

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type]


def _labels(choices) -> tuple[str, ...]:
    """The labels of a fixed list of choices, as the files write them (get_FOO_display)."""
    return tuple(str(label) for label in choices.labels)


@dataclass(frozen=True)
class ForeignKey:
    """Each row's ``columns`` are the ``reference`` columns of a row of the dataset ``dataset``
    (where they are not empty). Columns are named by their keys."""

    columns: tuple[str, ...]
    dataset: str  # the referenced dataset's slug
    reference: tuple[str, ...]


@dataclass
class Published:
    """What is public now: the published plans and the schedule years they show."""

    plans: list[Plan]
    schedule_years: list[int] = field(default_factory=list)

    @classmethod
    def read(cls) -> Published:
        return cls(*selectors.plans_published())


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[Published], Iterator[dict]]
    modified: Callable[[Published], date | None]
    # The fiscal years the rows cover (the catalogue's dct:temporal).
    fiscal_years: Callable[[Published], list[int]]
    # Column keys: the ID is each file's key; foreign keys join the files.
    primary_key: tuple[str, ...] = ("id",)
    foreign_keys: tuple[ForeignKey, ...] = ()

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    @property
    def csv_filename(self) -> str:
        return f"{self.slug}.csv"

    @property
    def json_filename(self) -> str:
        return f"{self.slug}.json"


def _leading(row_id: str | int) -> dict:
    return {
        "local_government_code": settings.OPENDATA_LOCAL_GOVERNMENT_CODE,
        "id": str(row_id),
        "local_government_name": settings.OPENDATA_LOCAL_GOVERNMENT_NAME,
    }


def _plan_years(published: Published) -> list[int]:
    return sorted({year for plan in published.plans for year in plan.fiscal_years})


def _schedule_years(published: Published) -> list[int]:
    return published.schedule_years


def _year(fiscal_year: int) -> dict:
    return {"fiscal_year": fiscal_year, "fiscal_year_label": fiscal.fiscal_year_label(fiscal_year)}


def _leading_columns(id_meaning: str) -> tuple[Column, ...]:
    return (
        Column(
            "local_government_code",
            "全国地方公共団体コード",
            STRING,
            "データを公開する自治体のコード(6桁)。",
            required=True,
            pattern=r"^\d{6}$",
        ),
        Column("id", "ID", STRING, id_meaning, required=True),
        Column(
            "local_government_name", "地方公共団体名", STRING, "データを公開する自治体の名称。", required=True
        ),
    )


YEAR_COLUMNS = (
    Column("fiscal_year", "年度", INTEGER, "西暦の年度(4月1日から翌年3月31日まで)。例: 2021", required=True),
    Column(
        "fiscal_year_label",
        "年度表示",
        STRING,
        "和暦と西暦の年度表示。例: 令和3年度(2021年度)",
        required=True,
    ),
)

PLAN_COLUMNS = (
    Column("plan_id", "計画ID", INTEGER, "計画の番号(変わりません)。", required=True),
    Column("plan_name", "計画名", STRING, "計画の名称。", required=True),
)

MEASURE_COLUMNS = (
    Column("measure_id", "施策ID", INTEGER, "施策の番号(変わりません)。", required=True),
    Column("measure_number", "施策番号", INTEGER, "計画の中での施策の番号。", required=True, minimum=1),
    Column("measure_title", "施策名", STRING, "施策の名称。", required=True),
)


# ---- 1. 施策別の年度ごとの進捗 ---------------------------------------------------------------

_MEASURE_YEARS_COLUMNS = (
    *_leading_columns("施策IDと年度をハイフンでつないだもの(例: 12-2021)。施策と年度の組ごとに1行。"),
    *PLAN_COLUMNS,
    *MEASURE_COLUMNS,
    Column("purpose_code", "計画の目的", STRING, "施策が属する計画の目的の記号(ア・イ・ウ)。", required=True),
    Column("departments", "所管課", STRING, f"所管課の名称。複数の場合は「{LIST_SEPARATOR}」区切り。"),
    *YEAR_COLUMNS,
    Column(
        "as_of",
        "集計基準日",
        DATE,
        "この行の状況を集計した基準日。この日までの進捗報告で集計しています。",
        required=True,
    ),
    Column("target_text", "年度目標", STRING, "その年度の目標。"),
    Column("indicator_name", "指標名", STRING, "目標を測る指標の名称。"),
    Column("indicator_unit", "単位", STRING, "指標の単位。"),
    Column("target_value", "目標値", NUMBER, "その年度の目標値。", minimum=0),
    Column("actual_value", "実績値", NUMBER, "基準日までの最新の進捗報告の実績値。", minimum=0),
    Column("achievement_rate", "達成率(%)", NUMBER, "実績値÷目標値×100(小数第1位まで)。", minimum=0),
    Column(
        "evaluation", "評価", STRING, "達成率による評価(例: A 100%以上、B 80%以上、C 50%以上、D 50%未満)。"
    ),
    Column("status", "進捗状況", STRING, "基準日までの最新の進捗報告の進捗状況。"),
    Column(
        "progress_percent",
        "進捗率(%)",
        INTEGER,
        "基準日までの最新の進捗報告の進捗率(0〜100)。",
        minimum=0,
        maximum=100,
    ),
    # The reports file's ID, so of its type: a reader joins the two files on it.
    Column("report_id", "進捗報告ID", STRING, "この行の数値をとった進捗報告のID(進捗報告データのID)。"),
    Column("report_as_of", "報告基準日", DATE, "その進捗報告の基準日。"),
)


def measure_year_row(plan: Plan, as_of: date, measure: MeasureProgress, year: YearProgress) -> dict:
    """One row of the measures dataset: a measure's standing in one fiscal year, as of a date. The
    public plan page's filtered list (opendata/pages.py) writes its CSV and JSON with it too."""
    target, report = year.target, year.report
    return {
        **_leading(f"{measure.pk}-{year.fiscal_year}"),
        "plan_id": plan.pk,
        "plan_name": plan.name,
        "measure_id": measure.pk,
        "measure_number": measure.number,
        "measure_title": measure.title,
        "purpose_code": measure.purpose.code,
        "departments": LIST_SEPARATOR.join(measure.departments),
        **_year(year.fiscal_year),
        "as_of": as_of,
        "target_text": target.target_text if target else None,
        "indicator_name": target.indicator_name if target else None,
        "indicator_unit": target.indicator_unit if target else None,
        "target_value": target.target_value if target else None,
        "actual_value": report.actual_value if report else None,
        "achievement_rate": year.rate,
        "evaluation": year.grade.code if year.grade else None,
        "status": report.status.name if report else None,
        "progress_percent": report.progress_percent if report else None,
        "report_id": str(report.pk) if report else None,
        "report_as_of": report.as_of if report else None,
    }


def _measure_year_rows(published: Published) -> Iterator[dict]:
    for plan in published.plans:
        as_of = plan_default_as_of(plan)
        measures = Measure.objects.filter(plan=plan)
        for measure in measure_progress_rows(plan=plan, as_of=as_of, measures=measures):
            for year in measure.years:
                yield measure_year_row(plan, as_of, measure, year)


MEASURE_YEARS = Dataset(
    slug="measures",
    title="施策別の年度ごとの進捗状況",
    description="公開している計画の施策ごとに、計画期間の各年度の目標・実績値・達成率・評価・進捗状況・進捗率を、"
    "集計基準日(計画期間中は今日、終了後は期間の末日または最後の進捗報告の日)の時点でまとめたもの。施策と年度の組ごとに1行。",
    columns=_MEASURE_YEARS_COLUMNS,
    rows=_measure_year_rows,
    modified=lambda published: selectors.modified_measures(published.plans),
    fiscal_years=_plan_years,
    # The figures of a row come from a standing report up to the same date: a row of the reports file.
    foreign_keys=(ForeignKey(("report_id",), "reports", ("id",)),),
)


# ---- 2. 進捗報告 ------------------------------------------------------------------------------

_REPORT_COLUMNS = (
    *_leading_columns("進捗報告の番号(変わりません)。"),
    *PLAN_COLUMNS,
    *MEASURE_COLUMNS,
    *YEAR_COLUMNS,
    Column("as_of", "報告基準日", DATE, "報告の基準日(この日時点の状況)。", required=True),
    Column("status", "進捗状況", STRING, "進捗状況(未着手・実施中など)。", required=True),
    Column(
        "progress_percent", "進捗率(%)", INTEGER, "進捗率(0〜100)。", required=True, minimum=0, maximum=100
    ),
    Column("actual_value", "実績値", NUMBER, "実績値。", minimum=0),
    Column("indicator_unit", "単位", STRING, "その年度の目標の指標の単位。"),
    Column(
        "achievement_rate",
        "達成率(%)",
        NUMBER,
        "この報告の実績値÷その年度の目標値×100(小数第1位まで)。",
        minimum=0,
    ),
    Column("evaluation", "評価", STRING, "この報告の達成率による評価。"),
    Column("narrative", "取組実績", STRING, "取組の実績。"),
    Column("issues", "課題", STRING, "課題。"),
    Column("next_steps", "今後の方向性", STRING, "今後の方向性。"),
)


def _report_rows(published: Published) -> Iterator[dict]:
    for plan in published.plans:
        as_of = plan_default_as_of(plan)
        measures = Measure.objects.filter(plan=plan)
        # Standing reports only: a withdrawn report counts nowhere, and is not published.
        for entry in report_history_stream(plan=plan, as_of=as_of, measures=measures):
            report = entry.report
            yield {
                **_leading(report.pk),
                "plan_id": plan.pk,
                "plan_name": plan.name,
                "measure_id": entry.measure_pk,
                "measure_number": entry.measure_number,
                "measure_title": entry.measure_title,
                **_year(entry.fiscal_year),
                "as_of": report.as_of,
                "status": report.status.name,
                "progress_percent": report.progress_percent,
                "actual_value": report.actual_value,
                "indicator_unit": entry.indicator_unit or None,
                "achievement_rate": entry.rate,
                "evaluation": entry.grade.code if entry.grade else None,
                "narrative": report.narrative,
                "issues": report.issues,
                "next_steps": report.next_steps,
            }


REPORTS = Dataset(
    slug="reports",
    title="進捗報告",
    description="公開している計画の施策ごとの進捗報告(取り下げたものを除く)。新しい報告基準日から順に1報告1行。報告者名は含みません。",
    columns=_REPORT_COLUMNS,
    rows=_report_rows,
    modified=lambda published: selectors.modified_reports(published.plans),
    fiscal_years=_plan_years,
    # A report is on a year of its plan: the measures file has a row for that measure and year.
    foreign_keys=(ForeignKey(("measure_id", "fiscal_year"), "measures", ("measure_id", "fiscal_year")),),
)


# ---- 3. 策定スケジュール: 会議・報告の予定 -----------------------------------------------------

_SCHEDULED_ITEM_COLUMNS = (
    *_leading_columns("会議・報告の予定の番号(変わりません)。"),
    *YEAR_COLUMNS,
    Column(
        "body",
        "会議体",
        STRING,
        "会議体または報告先(IT・情報セキュリティ委員会、議会報告など)。",
        required=True,
    ),
    Column("kind", "種別", STRING, "会議または報告。", required=True, enum=_labels(ScheduledItem.Kind)),
    Column("planned_month", "予定月", INTEGER, "予定の月(1〜12)。", required=True, minimum=1, maximum=12),
    Column("planned_date", "予定日", DATE, "予定日(決まっている場合)。"),
    Column("actual_date", "実施日", DATE, "実施した日。"),
    Column(
        "status",
        "状況",
        STRING,
        "予定・実施済・延期・中止。",
        required=True,
        enum=_labels(ScheduledItem.Status),
    ),
    Column("subject", "議題・報告事項", STRING, "議題または報告事項。"),
    Column("phase", "検討段階", STRING, "骨子検討・素案検討などの検討段階。"),
)


def _scheduled_item_rows(published: Published) -> Iterator[dict]:
    for item in selectors.scheduled_items_published(published.schedule_years).iterator(chunk_size=2000):
        yield {
            **_leading(item.pk),
            **_year(item.fiscal_year),
            "body": item.body.name,
            "kind": item.get_kind_display(),
            "planned_month": item.planned_month,
            "planned_date": item.planned_date,
            "actual_date": item.actual_date,
            "status": item.get_status_display(),
            "subject": item.subject,
            "phase": item.phase.name if item.phase else None,
        }


SCHEDULED_ITEMS = Dataset(
    slug="schedule",
    title="策定スケジュール(会議・報告の予定)",
    description="公開している計画の策定スケジュール(計画の前年度から最終年度まで)の会議・報告の予定と実施状況。1予定1行。",
    columns=_SCHEDULED_ITEM_COLUMNS,
    rows=_scheduled_item_rows,
    modified=lambda published: selectors.modified_scheduled_items(published.schedule_years),
    fiscal_years=_schedule_years,
)


# ---- 4. 策定スケジュール: パブリック・コメント -------------------------------------------------

_PUBLIC_COMMENT_COLUMNS = (
    *_leading_columns("パブリック・コメントの番号(変わりません)。"),
    *YEAR_COLUMNS,
    Column("body", "会議体", STRING, "実施する会議体。", required=True),
    Column("subject", "案件名", STRING, "意見を募集する案件。", required=True),
    Column(
        "planned_start_month",
        "開始予定月",
        INTEGER,
        "募集を始める予定の月(1〜12)。",
        required=True,
        minimum=1,
        maximum=12,
    ),
    Column("start_date", "募集開始日", DATE, "募集開始日(公表日)。"),
    Column("end_date", "募集終了日", DATE, "募集終了日。"),
    Column("comments_received", "意見の件数", INTEGER, "寄せられた意見の件数。", minimum=0),
    Column("answers_published_on", "区の考え方の公表日", DATE, "意見に対する区の考え方を公表した日。"),
)


def _public_comment_rows(published: Published) -> Iterator[dict]:
    for period in selectors.public_comments_published(published.schedule_years).iterator(chunk_size=2000):
        yield {
            **_leading(period.pk),
            **_year(period.fiscal_year),
            "body": period.body.name,
            "subject": period.subject,
            "planned_start_month": period.planned_start_month,
            "start_date": period.start_date,
            "end_date": period.end_date,
            "comments_received": period.comments_received,
            "answers_published_on": period.answers_published_on,
        }


PUBLIC_COMMENTS = Dataset(
    slug="public-comments",
    title="策定スケジュール(パブリック・コメント)",
    description="公開している計画の策定スケジュールのパブリック・コメントの募集期間・意見の件数・区の考え方の公表日。1件1行。",
    columns=_PUBLIC_COMMENT_COLUMNS,
    rows=_public_comment_rows,
    modified=lambda published: selectors.modified_public_comments(published.schedule_years),
    fiscal_years=_schedule_years,
)


DATASETS = (MEASURE_YEARS, REPORTS, SCHEDULED_ITEMS, PUBLIC_COMMENTS)
DATASETS_BY_SLUG = {dataset.slug: dataset for dataset in DATASETS}


def number_value(value: Decimal) -> int | float:
    """A figure as JSON writes it: 10 for 10.00, 12.5 for 12.50."""
    return int(value) if value == value.to_integral_value() else float(value)


def number_text(value: Decimal) -> str:
    """A figure as CSV writes it: 10 for 10.00, 12.5 for 12.50 (never an exponent)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def modified_on(dataset: Dataset, published: Published) -> date | None:
    """The dataset's last-updated date: the latest change history record of the rows it holds,
    else the newest 策定日 of the published plans (rows loaded without history)."""
    modified = dataset.modified(published)
    if modified is None:
        adopted = [plan.adopted_on for plan in published.plans if plan.adopted_on]
        modified = max(adopted) if adopted else None
    return modified
