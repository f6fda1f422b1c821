"""What changed between two dates: progress_changes and the rows it gives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    QuerySet,
)

from ..models import (
    EvaluationGrade,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
)
from .rows import (
    _REPORT_COLUMNS,
    _WITHDRAWAL_COLUMNS,
    MeasureProgress,
    ReportFigures,
    Withdrawal,
    YearProgress,
    _records,
    _report_figures,
    _withdrawal,
    measure_progress_rows,
)


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
    measures: QuerySet[Measure],
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
        measure_id__in=measures.order_by().values("pk"),
        fiscal_year__in=years,
        as_of__lte=as_of,
        withdrawn_on__gt=since,
        withdrawn_on__lte=as_of,
    ).order_by("as_of", "id")
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
