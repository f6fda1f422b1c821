"""What changed between two dates: progress_changes and the rows it gives, and progress_change_count,
the same changes counted by the database (the home page)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from ..models import (
    EvaluationGrade,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
)
from . import lateral
from .plans import _latest_report_relation
from .rows import (
    _REPORT_COLUMNS,
    _WITHDRAWAL_COLUMNS,
    MEASURE_ORDER,
    MeasureProgress,
    ReportFigures,
    Withdrawal,
    YearProgress,
    _records,
    _report_figures,
    _withdrawal,
    measure_progress_rows,
)
from .tally import _grade_code


@dataclass(slots=True)
class WithdrawnReport:
    """A report withdrawn between two dates, as the list of changes shows it."""

    report: ReportFigures
    withdrawal: Withdrawal


@dataclass
class ProgressChange:
    """One measure-year whose status, evaluation or progress differs between two dates, or
    one of whose reports was withdrawn (取り下げ) between them."""

    measure: MeasureProgress
    before: YearProgress
    after: YearProgress
    withdrawn: list[WithdrawnReport] = field(default_factory=list)

    @property
    def fiscal_year(self) -> int:
        return self.after.fiscal_year

    @property
    def label(self) -> str:
        return self.after.label

    @staticmethod
    def _status(year: YearProgress) -> int | None:
        return year.report.status.pk if year.report else None

    @staticmethod
    def _grade(year: YearProgress) -> str | None:
        return year.grade.code if year.grade else None

    @staticmethod
    def _progress(year: YearProgress) -> int | None:
        return year.report.progress_percent if year.report else None

    @property
    def status_changed(self) -> bool:
        return self._status(self.before) != self._status(self.after)

    @property
    def grade_changed(self) -> bool:
        return self._grade(self.before) != self._grade(self.after)

    @property
    def progress_changed(self) -> bool:
        return self._progress(self.before) != self._progress(self.after)

    @property
    def changed(self) -> bool:
        return self.status_changed or self.grade_changed or self.progress_changed or bool(self.withdrawn)


def progress_changes(
    *,
    plan: Plan,
    measures: QuerySet[Measure] | Sequence[Measure],
    since: date,
    rows: Iterable[MeasureProgress],
    as_of: date,
    fiscal_years: list[int] | None = None,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> list[ProgressChange]:
    """Every measure-year of ``rows`` whose status, evaluation or progress differs from ``since``,
    or one of whose reports was withdrawn after ``since`` and on or before ``as_of``.

    ``rows`` are the measures' progress as of ``as_of``. A measure-year first reported after
    ``since`` counts as changed (from 報告なし). A withdrawn report counts nowhere, on either
    date, so its withdrawal is listed with the measure-year: it is why a figure printed last
    time is no longer there. Ten queries, whatever the number of measures:
    measure_progress_rows once more, as of ``since`` and without the names, then the statuses and the withdrawals.
    ``statuses`` and ``grades``, when the caller has read them already, save three of them.
    ``measures`` may also be a few measures already read with their purposes, as
    measure_progress_rows takes them (progress_change_count's first changes).
    """
    years = fiscal_years or plan.fiscal_years
    if statuses is not None:
        statuses = list(statuses)
    before = {
        row.pk: row
        for row in measure_progress_rows(
            plan=plan,
            as_of=since,
            measures=measures,
            fiscal_years=years,
            with_names=False,
            statuses=statuses,
            grades=grades,
        )
    }
    statuses = {s.pk: s for s in (ProgressStatus.objects.all() if statuses is None else statuses)}
    withdrawn: dict[tuple[int, int], list[WithdrawnReport]] = {}
    reports = ProgressReport.objects.filter(
        measure_id__in=(
            measures.order_by().values("pk")
            if isinstance(measures, QuerySet)
            else [measure.pk for measure in measures]
        ),
        fiscal_year__in=years,
        as_of__lte=as_of,
        withdrawn_on__gt=since,
        withdrawn_on__lte=as_of,
    ).order_by("measure_id", "fiscal_year", "as_of", "id")  # "as_of", "id" within each; indexed
    for key, record in _records(
        reports, ("measure_id", "fiscal_year"), {**_REPORT_COLUMNS, **_WITHDRAWAL_COLUMNS}, 2000
    ):
        entry = WithdrawnReport(_report_figures(record, statuses), _withdrawal(record))
        withdrawn.setdefault(key, []).append(entry)
    changes = []
    for row in rows:
        earlier = before.get(row.pk)
        if earlier is None:  # added between the two reads
            continue
        for old, new in zip(earlier.years, row.years, strict=True):
            change = ProgressChange(row, old, new, withdrawn.get((row.pk, new.fiscal_year), []))
            if change.changed:
                changes.append(change)
    return changes


# What changed, counted by the database: ProgressChange.changed in SQL, so that the home page
# counts the changes of 25,000 measures without reading their rows. tests/test_progress_changes.py
# checks that it finds the changes progress_changes finds, on every day a report is dated or withdrawn.


def _year_changed(index: int, fiscal_year: int, *, since: date, as_of: date, grades: list[EvaluationGrade]):
    """The joins that give a measure's latest standing report for ``fiscal_year`` on either date
    (``before_<index>``, ``after_<index>``) and its target, and the condition that the year changed.

    ProgressChange.changed: the status, the grade or the progress differs, or a report was
    withdrawn in between. No report on a date has no status, grade or progress, so a year
    reported on one date only has changed; the same report on both dates has not. Between two
    reports, a grade without a minimum to reach (no grade applies) is "" against a grade's code.
    """
    before, after, target = f"before_{index}", f"after_{index}", f"target_{index}"
    relations = {
        name: _latest_report_relation(as_of=day, fiscal_year=fiscal_year)
        for name, day in ((before, since), (after, as_of))
    }
    relations[target] = FilteredRelation(
        "annual_targets", condition=Q(annual_targets__fiscal_year=fiscal_year)
    )
    grade = {
        name: Coalesce(
            _grade_code(grades, actual=f"{name}__actual_value", target=f"{target}__target_value"), Value("")
        )
        for name in (before, after)
    }
    reported_once = Q(**{f"{before}__id__isnull": True}) ^ Q(**{f"{after}__id__isnull": True})
    figures_differ = (
        Q(**{f"{before}__id__isnull": False, f"{after}__id__isnull": False})
        & ~Q(**{f"{before}__id": F(f"{after}__id")})
        & (
            ~Q(**{f"{before}__status_id": F(f"{after}__status_id")})
            | ~Q(**{f"{before}__progress_percent": F(f"{after}__progress_percent")})
            | ~Q(Exact(grade[before], grade[after]))
        )
    )
    withdrawn = Exists(
        ProgressReport.objects.filter(
            measure=OuterRef("pk"),
            fiscal_year=fiscal_year,
            as_of__lte=as_of,
            withdrawn_on__gt=since,
            withdrawn_on__lte=as_of,
        )
    )
    changed = Case(
        When(reported_once | figures_differ | Q(withdrawn), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return relations, changed


# The columns a change shown reads of its measure (measure_progress_rows, given measures).
_SHOWN_COLUMNS = (
    "number",
    "title",
    "order",
    "purpose_id",
    "purpose__order",
    "purpose__code",
    "purpose__text",
)


@dataclass
class ChangeCount:
    """What changed between two dates, counted by the database: how many measure-years
    progress_changes would list (``total``) and the first of them (``first``), as it gives them."""

    total: int
    first: list[ProgressChange]


def _changed_measures(
    *,
    plan: Plan,
    since: date,
    as_of: date,
    fiscal_years: list[int],
    grades: list[EvaluationGrade],
    limit: int,
) -> list[Measure]:
    """The first ``limit`` measures with a changed year, by the ORM, in the plan's order, each with
    its purpose and ``total``, the number of changed measure-years of the plan."""
    measures = Measure.objects.filter(plan=plan)
    flags = []
    for index, year in enumerate(fiscal_years):
        relations, changed = _year_changed(index, year, since=since, as_of=as_of, grades=grades)
        measures = measures.alias(**relations)
        flags.append(changed)
    return list(
        measures.alias(changes=sum(flags[1:], flags[0]))
        .filter(changes__gt=0)
        .annotate(total=Window(Sum("changes")))
        .select_related("purpose")
        # What the rows need, no more: the window holds every changed measure until it has counted them.
        .only(*_SHOWN_COLUMNS)
        .order_by(*MEASURE_ORDER)[:limit]
    )


def progress_change_count(
    *,
    plan: Plan,
    since: date,
    as_of: date,
    fiscal_years: list[int] | None = None,
    limit: int,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> ChangeCount:
    """The plan's measure-years whose status, evaluation or progress differs between ``since`` and
    ``as_of``, or one of whose reports was withdrawn in between (the rule of progress_changes):
    how many, and the first ``limit`` of them in the plan's order, without a row per measure.

    One query counts them, each measure joined to its latest standing report on either date and
    its target for each year, and reads the first ``limit`` changed measures; progress_changes then
    reads those few measures' rows (five queries, with the statuses given), so the changes shown
    are those it would list. The grades are read first unless given.
    """
    years = fiscal_years or plan.fiscal_years
    if grades is None:
        grades = EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by("order", "code")
    grades = list(grades)
    statuses = None if statuses is None else list(statuses)
    if lateral.counted_by_lateral():  # PostgreSQL: the same measures, by LATERAL joins (lateral.py)
        first = lateral.changed_measures(
            plan=plan, since=since, as_of=as_of, fiscal_years=years, grades=grades, limit=limit
        )
    else:
        first = _changed_measures(
            plan=plan, since=since, as_of=as_of, fiscal_years=years, grades=grades, limit=limit
        )
    if not first:
        return ChangeCount(total=0, first=[])
    changes = progress_changes(
        plan=plan,
        measures=first,
        since=since,
        as_of=as_of,
        rows=measure_progress_rows(
            plan=plan,
            as_of=as_of,
            measures=first,
            fiscal_years=years,
            with_names=False,
            statuses=statuses,
            grades=grades,
        ),
        fiscal_years=years,
        statuses=statuses,
        grades=grades,
    )
    return ChangeCount(total=first[0].total, first=changes[:limit])
