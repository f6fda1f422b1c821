"""The schedule as the seed document's table: rows of bodies, columns of the fiscal year's months."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet

from core import clock, fiscal
from core.publication import public_fiscal_years
from core.year_records import YearCount

from .models import Body, Phase, PublicCommentPeriod, ScheduledItem, item_due_date, public_comment_start_month


def schedule_public_only(queryset: QuerySet) -> QuerySet:
    """``queryset`` (bodies, phases, items or public comments) narrowed to what a visitor who is not
    signed in may read: the years a published plan shows (core.publication); a body, when it has an
    item or a public comment in one of them. The one rule for the API's lists and filter choices."""
    years = sorted(public_fiscal_years())
    if queryset.model is Body:
        return queryset.filter(
            Q(pk__in=ScheduledItem.objects.filter(fiscal_year__in=years).values("body_id"))
            | Q(pk__in=PublicCommentPeriod.objects.filter(fiscal_year__in=years).values("body_id"))
        )
    return queryset.filter(fiscal_year__in=years)


@dataclass
class PhaseBand:
    phase: Phase
    start_index: int
    span: int


@dataclass
class ScheduleRow:
    body: Body
    # One list per month, April first: the items planned that month.
    cells: list[list[ScheduledItem]] = field(default_factory=lambda: [[] for _ in range(12)])
    # One entry per month: the public comment periods running in that month.
    comment_cells: list[list[PublicCommentPeriod]] = field(default_factory=lambda: [[] for _ in range(12)])


@dataclass
class ScheduleTable:
    fiscal_year: int
    months: list[int]
    phases: list[PhaseBand]
    rows: list[ScheduleRow]

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_label(self.fiscal_year)


def schedule_counts_by_year(years) -> list[YearCount]:
    """How many phases, items and public comment periods each of these fiscal years holds (3 queries).

    Registered with core.year_records, so that a plan's period cannot shrink away from them.
    """
    counts = []
    for model in (Phase, ScheduledItem, PublicCommentPeriod):
        rows = (
            model.objects.filter(fiscal_year__in=list(years))
            .order_by()
            .values("fiscal_year")
            .annotate(n=Count("pk"))
            .values_list("fiscal_year", "n")
        )
        counts.append(YearCount(str(model._meta.verbose_name), dict(rows)))
    return counts


def schedule_fiscal_years() -> list[int]:
    years = set(ScheduledItem.objects.values_list("fiscal_year", flat=True))
    years |= set(Phase.objects.values_list("fiscal_year", flat=True))
    return sorted(years)


def schedule_table(*, fiscal_year: int) -> ScheduleTable:
    """Four queries: bodies, phases, items (with their phase) and public comment periods."""
    bodies = list(Body.objects.order_by("order", "name"))
    rows = {body.pk: ScheduleRow(body) for body in bodies}
    for item in (
        ScheduledItem.objects.filter(fiscal_year=fiscal_year)
        .select_related("phase")
        .order_by(fiscal.fiscal_month_order("planned_month"), "planned_date", "pk")
    ):
        rows[item.body_id].cells[fiscal.fiscal_month_index(item.planned_month)].append(item)
    periods = PublicCommentPeriod.objects.filter(fiscal_year=fiscal_year).order_by(
        fiscal.fiscal_month_order(public_comment_start_month()), "start_date", "pk"
    )
    for period in periods:
        for month in period.months_covered():
            rows[period.body_id].comment_cells[fiscal.fiscal_month_index(month)].append(period)
    phases = [
        PhaseBand(
            phase,
            fiscal.fiscal_month_index(phase.first_month),
            fiscal.fiscal_month_index(phase.last_month) - fiscal.fiscal_month_index(phase.first_month) + 1,
        )
        for phase in Phase.objects.filter(fiscal_year=fiscal_year).order_by(
            "order", fiscal.fiscal_month_order("first_month")
        )
    ]
    return ScheduleTable(fiscal_year, list(fiscal.MONTHS_IN_FISCAL_ORDER), phases, list(rows.values()))


# How each item shows in a cell. Planned is the document's ●; the others echo the progress
# statuses' symbols (◎ done, △ late, × stopped) so black-and-white print needs no colour.
ITEM_MARKS = {
    ScheduledItem.Status.PLANNED: "●",
    ScheduledItem.Status.HELD: "◎",
    ScheduledItem.Status.POSTPONED: "△",
    ScheduledItem.Status.CANCELLED: "×",
}
PUBLIC_COMMENT_START_MARK = "➡"
PUBLIC_COMMENT_CONTINUES_MARK = "━"


@dataclass(frozen=True)
class LegendEntry:
    mark: str
    meaning: str


# What each mark means, in the order every output lists them: the schedule's page and the
# workbook's 策定スケジュール sheet (tests/test_one_home.py reads both).
SCHEDULE_LEGEND = (
    *(LegendEntry(mark, status.label) for status, mark in ITEM_MARKS.items()),
    LegendEntry(PUBLIC_COMMENT_START_MARK, "パブリック・コメント開始"),
    LegendEntry(PUBLIC_COMMENT_CONTINUES_MARK, "パブリック・コメント期間"),
)


@dataclass
class MarkedItem:
    item: ScheduledItem
    mark: str
    # "error" or "warning" when schedule/checks.py found something about the item (for the secretariat).
    check_level: str | None = None


@dataclass
class MarkedComment:
    period: PublicCommentPeriod
    mark: str
    starts_here: bool


@dataclass
class GridCell:
    month: int
    items: list[MarkedItem]
    comments: list[MarkedComment]


@dataclass
class GridRow:
    body: Body
    cells: list[GridCell]


@dataclass
class PhaseCell:
    """One cell of the 全体スケジュール row: a phase's band over ``span`` months, or an empty month."""

    span: int
    phase: Phase | None = None


@dataclass
class ScheduleGrid:
    """The table ready to draw: phase lanes (more than one only if phases overlap) and body rows."""

    table: ScheduleTable
    phase_lanes: list[list[PhaseCell]]
    rows: list[GridRow]

    @property
    def public_comments(self) -> list[PublicCommentPeriod]:
        seen: dict[int, PublicCommentPeriod] = {}
        for row in self.rows:
            for cell in row.cells:
                for comment in cell.comments:
                    seen.setdefault(comment.period.pk, comment.period)
        return list(seen.values())

    @property
    def is_empty(self) -> bool:
        return not self.phase_lanes and not any(c.items or c.comments for r in self.rows for c in r.cells)


def _phase_lanes(bands: list[PhaseBand]) -> list[list[PhaseCell]]:
    """Lay the bands out left to right, opening a new lane only where a band would overlap another."""
    lanes: list[list[PhaseBand]] = []
    for band in sorted(bands, key=lambda b: b.start_index):
        for lane in lanes:
            last = lane[-1]
            if last.start_index + last.span <= band.start_index:
                lane.append(band)
                break
        else:
            lanes.append([band])
    result = []
    for lane in lanes:
        cells, position = [], 0
        for band in lane:
            cells.extend(PhaseCell(1) for _ in range(band.start_index - position))
            cells.append(PhaseCell(band.span, band.phase))
            position = band.start_index + band.span
        cells.extend(PhaseCell(1) for _ in range(12 - position))
        result.append(cells)
    return result


def _marked_comment(period: PublicCommentPeriod, month: int) -> MarkedComment:
    starts = period.start_month == month
    return MarkedComment(
        period, PUBLIC_COMMENT_START_MARK if starts else PUBLIC_COMMENT_CONTINUES_MARK, starts
    )


def schedule_grid(*, fiscal_year: int, item_levels: dict[int, str] | None = None) -> ScheduleGrid:
    """schedule_table with a mark for every item and public comment month: the same four queries.

    ``item_levels`` ({item pk: "error" or "warning"}, from ScheduleCheck.item_levels) flags the marks."""
    table = schedule_table(fiscal_year=fiscal_year)
    rows = []
    for row in table.rows:
        cells = []
        for month, items, periods in zip(table.months, row.cells, row.comment_cells, strict=True):
            marked_items = [
                MarkedItem(item, ITEM_MARKS.get(item.status, "●"), (item_levels or {}).get(item.pk))
                for item in items
            ]
            comments = [_marked_comment(period, month) for period in periods]
            cells.append(GridCell(month, marked_items, comments))
        rows.append(GridRow(row.body, cells))
    return ScheduleGrid(table, _phase_lanes(table.phases), rows)


def schedule_default_fiscal_year(on=None) -> int:
    """The year the schedule page opens on: the current fiscal year if it has a schedule, else the latest that does."""
    current = fiscal.fiscal_year_of(on or clock.today())
    years = schedule_fiscal_years()
    if not years or current in years:
        return current
    return years[-1]


# ---- What is held and what is to come: the home page's view of the schedule -----------------------


def council_report_last_held(*, on: date) -> ScheduledItem | None:
    """The last report to the ward council (議会報告) recorded as 実施済 on or before ``on``: one query."""
    return (
        ScheduledItem.objects.filter(
            body__kind=Body.Kind.COUNCIL,
            kind=ScheduledItem.Kind.REPORT,
            status=ScheduledItem.Status.HELD,
            actual_date__lte=on,
        )
        .select_related("body")
        .order_by("-actual_date", "-pk")
        .first()
    )


_STILL_TO_HAPPEN = (ScheduledItem.Status.PLANNED, ScheduledItem.Status.POSTPONED)


def _open_items() -> QuerySet[ScheduledItem]:
    """Items planned or postponed, with ``due`` (item_due_date) and ``month_sequence`` annotated."""
    return ScheduledItem.objects.filter(status__in=_STILL_TO_HAPPEN).annotate(
        due=item_due_date(), month_sequence=fiscal.fiscal_month_sequence("fiscal_year", "planned_month")
    )


def _ahead(on: date) -> Q:
    """Due on or after ``on``; with no date yet, planned for ``on``'s month or later."""
    return Q(due__gte=on) | Q(due__isnull=True, month_sequence__gte=fiscal.month_sequence_of(on))


def scheduled_items_upcoming(*, on: date, limit: int) -> list[ScheduledItem]:
    """The next ``limit`` meetings and reports still to happen (予定 or 延期) from ``on``, soonest first.

    A dated item counts from its due date (ScheduledItem.due_date); one with only a month, from
    that month, after the dated ones of the month. One query.
    """
    items = list(_open_items().filter(_ahead(on)).select_related("body"))

    def soonest(item: ScheduledItem):
        due = item.due_date
        month = fiscal.month_sequence_of(due) if due else item.month_sequence  # annotated by _open_items
        return (month, due is None, due or date.min, item.body.order, item.pk)

    return sorted(items, key=soonest)[:limit]


def scheduled_items_overdue_count(*, on: date) -> int:
    """How many items are still 予定 or 延期 although their date (or month) has passed: one query."""
    passed = Q(due__lt=on) | Q(due__isnull=True, month_sequence__lt=fiscal.month_sequence_of(on))
    return _open_items().filter(passed).count()


# ---- The calendar feed ---------------------------------------------------------------------------


def calendar_feed_entries(
    *, body: Body | None = None
) -> tuple[list[ScheduledItem], list[PublicCommentPeriod]]:
    """Every item and public comment period of every year (of ``body`` alone if given), for the
    calendar feed: two queries, their bodies and phases joined."""
    items = ScheduledItem.objects.select_related("body", "phase").order_by(
        "fiscal_year", "planned_date", "pk"
    )
    periods = PublicCommentPeriod.objects.select_related("body").order_by("fiscal_year", "start_date", "pk")
    if body is not None:
        items, periods = items.filter(body=body), periods.filter(body=body)
    return list(items), list(periods)
