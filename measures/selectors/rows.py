"""The progress row, MeasureProgress with its YearProgress, and the one stream that reads it
(measure_progress_rows, a merge-join over chunked queries); the history stream of reports."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    OuterRef,
    QuerySet,
    Subquery,
)

from core import fiscal
from core.users import display_name_of

from ..models import (
    AnnualTarget,
    EvaluationGrade,
    Measure,
    Plan,
    ProgressStatus,
    Purpose,
    achievement_rate,
    grade_for_rate,
)
from .page import measure_page_figures
from .plans import reports_history, reports_latest_as_of

# The progress row. Plain values, so that a stream of 50,000 of them holds no model instances
# beyond the few shared ones (purposes, statuses, grades).


@dataclass(slots=True)
class TargetFigures:
    """A measure's target for one fiscal year."""

    target_text: str
    indicator_name: str
    indicator_unit: str
    target_value: Decimal | None

    @property
    def indicator(self) -> str:
        """指標名(単位), or the name alone, or "" when the target names no indicator."""
        if not self.indicator_name:
            return ""
        return f"{self.indicator_name}({self.indicator_unit})" if self.indicator_unit else self.indicator_name


@dataclass(slots=True)
class ReportFigures:
    """One standing progress report."""

    pk: int
    as_of: date
    status: ProgressStatus
    actual_value: Decimal | None
    progress_percent: int
    narrative: str
    issues: str
    next_steps: str
    author: str  # core.users.display_name_of; "" when nobody is recorded


@dataclass(slots=True)
class YearProgress:
    """A measure's standing in one fiscal year, as of a date: target, latest report, rate and grade."""

    fiscal_year: int
    target: TargetFigures | None
    report: ReportFigures | None
    rate: Decimal | None
    grade: EvaluationGrade | None

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_label(self.fiscal_year)


@dataclass(slots=True)
class MeasureProgress:
    """One measure's row of the progress report: what it is, and each fiscal year's standing."""

    pk: int
    number: int
    title: str
    purpose: Purpose
    departments: list[str]
    keywords: list[str]
    years: list[YearProgress]

    @property
    def latest_report(self) -> ReportFigures | None:
        reports = [y.report for y in self.years if y.report is not None]
        return max(reports, key=lambda r: (r.as_of, r.pk)) if reports else None

    @property
    def indicators(self) -> list[str]:
        """The distinct indicators (with units) of the measure's targets, in year order."""
        names: list[str] = []
        for year in self.years:
            if year.target is not None and year.target.indicator and year.target.indicator not in names:
                names.append(year.target.indicator)
        return names


# Columns read for each figure, by attribute name: records are built by name, never by position.
_TARGET_COLUMNS = {
    "target_text": "target_text",
    "indicator_name": "indicator_name",
    "indicator_unit": "indicator_unit",
    "target_value": "target_value",
}
_REPORT_COLUMNS = {
    "pk": "pk",
    "as_of": "as_of",
    "status_id": "status_id",
    "actual_value": "actual_value",
    "progress_percent": "progress_percent",
    "narrative": "narrative",
    "issues": "issues",
    "next_steps": "next_steps",
    "author_username": "author__username",
    "author_last_name": "author__last_name",
    "author_first_name": "author__first_name",
}


_WITHDRAWAL_COLUMNS = {
    "withdrawn_on": "withdrawn_on",
    "withdrawal_reason": "withdrawal_reason",
    "withdrawn_by_username": "withdrawn_by__username",
    "withdrawn_by_last_name": "withdrawn_by__last_name",
    "withdrawn_by_first_name": "withdrawn_by__first_name",
}


@dataclass(slots=True)
class Withdrawal:
    """How a report was withdrawn (取り下げ): the day, the reason and who withdrew it."""

    withdrawn_on: date
    reason: str
    withdrawn_by: str  # core.users.display_name_of; "" when nobody is recorded


def _withdrawal(record: Mapping) -> Withdrawal | None:
    if record["withdrawn_on"] is None:
        return None
    return Withdrawal(
        withdrawn_on=record["withdrawn_on"],
        reason=record["withdrawal_reason"],
        withdrawn_by=display_name_of(
            username=record["withdrawn_by_username"],
            last_name=record["withdrawn_by_last_name"],
            first_name=record["withdrawn_by_first_name"],
        ),
    )


def _target_figures(record: Mapping) -> TargetFigures:
    return TargetFigures(
        target_text=record["target_text"],
        indicator_name=record["indicator_name"],
        indicator_unit=record["indicator_unit"],
        target_value=record["target_value"],
    )


def _report_figures(record: Mapping, statuses: Mapping[int, ProgressStatus]) -> ReportFigures:
    return ReportFigures(
        pk=record["pk"],
        as_of=record["as_of"],
        status=statuses[record["status_id"]],
        actual_value=record["actual_value"],
        progress_percent=record["progress_percent"],
        narrative=record["narrative"],
        issues=record["issues"],
        next_steps=record["next_steps"],
        author=display_name_of(
            username=record["author_username"],
            last_name=record["author_last_name"],
            first_name=record["author_first_name"],
        ),
    )


def _records(queryset: QuerySet, key: tuple[str, ...], columns: Mapping[str, str], chunk_size: int | None):
    """(key values, {attribute: value}) for each row, read with .iterator() so none is held for long;
    all at once when ``chunk_size`` is None (a page's few rows: on PostgreSQL .iterator() declares
    a server-side cursor, three statements more for a handful of rows)."""
    names, width = tuple(columns), len(key)
    rows = queryset.values_list(*key, *columns.values())
    for values in rows if chunk_size is None else rows.iterator(chunk_size=chunk_size):
        yield values[:width], dict(zip(names, values[width:], strict=True))


# Every stream below is sorted by the same measure key, which lets them be merged in step like
# sorted files: each runs one query, whatever the number of measures.
MEASURE_ORDER = ("purpose__order", "order", "number", "pk")


def _measure_key(prefix: str) -> tuple[str, ...]:
    """MEASURE_ORDER as seen from a model that points at the measure through ``prefix``."""
    return (f"{prefix}__purpose__order", f"{prefix}__order", f"{prefix}__number", f"{prefix}_id")


class _GroupCursor:
    """Walks a stream of (key, record) sorted by measure key in step with the measures.

    A group for a key the measures have already passed (a row added between two queries)
    is skipped rather than allowed to stall the stream.
    """

    def __init__(self, records: Iterable[tuple[tuple, dict]]):
        self._groups = itertools.groupby(records, key=lambda pair: pair[0])
        self._next = next(self._groups, None)

    def take(self, key: tuple) -> list[dict]:
        while self._next is not None and self._next[0] < key:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != key:
            return []
        records = [record for _, record in self._next[1]]
        self._next = next(self._groups, None)
        return records


class _GroupById:
    """_GroupCursor's ``take`` for a page of measures read by their ids: the few rows grouped in
    memory by the measure's id, the key's last value."""

    def __init__(
        self, records: Iterable[tuple[tuple, dict]] = (), groups: dict[int, list[dict]] | None = None
    ):
        self._groups: dict[int, list[dict]] = {} if groups is None else groups
        for key, record in records:
            self._groups.setdefault(key[-1], []).append(record)

    def take(self, key: tuple) -> list[dict]:
        return self._groups.get(key[-1], [])


def _names(through, target: str, ids, key: tuple[str, ...], group, chunk_size: int):
    """A measure's many-to-many names (departments, keywords) in their configured order."""
    queryset = through.objects.filter(measure_id__in=ids).order_by(
        *key, f"{target}__order", f"{target}__name"
    )
    return group(_records(queryset, key, {"name": f"{target}__name"}, chunk_size))


def measure_progress_rows(
    *,
    plan: Plan,
    as_of: date,
    measures: QuerySet[Measure] | Sequence[Measure],
    fiscal_years: list[int] | None = None,
    chunk_size: int = 2000,
    with_names: bool = True,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> Iterator[MeasureProgress]:
    """Each measure's target, latest standing report, achievement rate and grade for every year, as of a date.

    A stream in MEASURE_ORDER, for pages and exports of any size. Eight queries whatever the
    number of measures: purposes, statuses, grades, then the measures, departments, keywords,
    targets and latest reports, read side by side. ``with_names=False`` leaves each row's
    departments and keywords empty and skips their two queries, for a reader that only counts
    or compares (ProgressTally, progress_changes' earlier date): the status, rate and grade are
    the same either way. ``statuses`` and ``grades`` (the plan's scale's), when the caller has read
    them already (measures.legend.Legend), save their two queries.

    ``measures`` may also be a page of measures already read with their purposes (an API page,
    at most core.api.MAX_PAGE_SIZE): their figures are then read by their ids and grouped by
    measure rather than sorted in step, without the purposes' and the measures' own queries (two
    fewer, and no joins to sort by: the page of five measures spent most of this function's time
    building SQL). Their targets, latest reports (with the statuses they name) and the grades are
    then read in plain SQL (measures.selectors.page.measure_page_figures: two statements, where
    the ORM's four cost more to build and compile than a page's few rows cost to read). The rows
    are the same.
    """
    years = fiscal_years or plan.fiscal_years
    if isinstance(measures, QuerySet):
        # A subquery, not a list of ids: tens of thousands of ids overflow SQLite's parameter limit.
        ids = measures.order_by().values("pk")
        # The measures' own purposes, so a row never lacks one, whichever plan it came from.
        purposes = {
            p.pk: p
            for p in Purpose.objects.filter(pk__in=Measure.objects.filter(pk__in=ids).values("purpose_id"))
        }
        # Every stream sorted by the measure key and read side by side.
        key, group = _measure_key("measure"), _GroupCursor
    else:
        ids = [measure.pk for measure in measures]
        purposes = {measure.purpose_id: measure.purpose for measure in measures}
        # A page's few rows, grouped by the measure's id (the key's last value), read at once.
        key, group, chunk_size = ("measure_id",), _GroupById, None
    if isinstance(measures, QuerySet):
        statuses = {s.pk: s for s in (ProgressStatus.objects.all() if statuses is None else statuses)}
        grades = (
            list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id))
            if grades is None
            else list(grades)
        )
        targets = group(
            _records(
                AnnualTarget.objects.filter(measure_id__in=ids, fiscal_year__in=years).order_by(
                    *key, "fiscal_year"
                ),
                key,
                {"fiscal_year": "fiscal_year", **_TARGET_COLUMNS},
                chunk_size,
            )
        )
        reports = group(
            _records(
                reports_latest_as_of(as_of=as_of, fiscal_years=years)
                .filter(measure_id__in=ids)
                .order_by(*key, "fiscal_year"),
                key,
                {"fiscal_year": "fiscal_year", **_REPORT_COLUMNS},
                chunk_size,
            )
        )
    else:
        # A page's targets and latest reports in one statement, the grades in another (plain SQL:
        # measures.selectors.page), the statuses those reports name read with them.
        page = measure_page_figures(
            measure_ids=ids, fiscal_years=years, as_of=as_of, scale_id=plan.evaluation_scale_id
        )
        statuses = page.statuses
        grades = page.grades if grades is None else list(grades)
        targets, reports = _GroupById(groups=page.targets), _GroupById(groups=page.reports)
    departments = (
        _names(Measure.departments.through, "department", ids, key, group, chunk_size) if with_names else None
    )
    keywords = (
        _names(Measure.keywords.through, "keyword", ids, key, group, chunk_size) if with_names else None
    )
    if isinstance(measures, QuerySet):
        measure_rows = _records(
            Measure.objects.filter(pk__in=ids).order_by(*MEASURE_ORDER),
            MEASURE_ORDER,
            {"number": "number", "title": "title", "purpose_id": "purpose_id"},
            chunk_size,
        )
    else:
        measure_rows = sorted(
            (
                (m.purpose.order, m.order, m.number, m.pk),
                {"number": m.number, "title": m.title, "purpose_id": m.purpose_id},
            )
            for m in measures
        )
    for measure_key, measure in measure_rows:
        year_targets = {t["fiscal_year"]: _target_figures(t) for t in targets.take(measure_key)}
        year_reports = {r["fiscal_year"]: _report_figures(r, statuses) for r in reports.take(measure_key)}
        figures = []
        for year in years:
            target, report = year_targets.get(year), year_reports.get(year)
            rate = achievement_rate(target.target_value, report.actual_value) if target and report else None
            grade = grade_for_rate(grades, rate) if report else None
            figures.append(YearProgress(year, target, report, rate, grade))
        yield MeasureProgress(
            pk=measure_key[-1],
            number=measure["number"],
            title=measure["title"],
            purpose=purposes[measure["purpose_id"]],
            departments=[d["name"] for d in departments.take(measure_key)] if departments else [],
            keywords=[k["name"] for k in keywords.take(measure_key)] if keywords else [],
            years=figures,
        )


@dataclass(slots=True)
class HistoryEntry:
    """One progress report as the history lists it, with the rate and grade it had on its day.

    ``withdrawal`` is set for a withdrawn report, listed only when the history asks for them.
    """

    measure_pk: int
    measure_number: int
    measure_title: str
    fiscal_year: int
    report: ReportFigures
    indicator_unit: str
    rate: Decimal | None
    grade: EvaluationGrade | None
    withdrawal: Withdrawal | None = None


def report_history_stream(
    *,
    plan: Plan,
    as_of: date,
    measures: QuerySet[Measure],
    fiscal_years: list[int] | None = None,
    include_withdrawn: bool = False,
    chunk_size: int = 2000,
) -> Iterator[HistoryEntry]:
    """reports_history read as a stream of plain values, each report graded against its year's target.

    With ``include_withdrawn`` the withdrawn reports are listed too, each with its Withdrawal.
    Three queries: statuses, grades and the reports (their year's target read alongside).
    """
    years = fiscal_years or plan.fiscal_years
    statuses = {s.pk: s for s in ProgressStatus.objects.all()}
    grades = list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id))
    year_target = AnnualTarget.objects.filter(
        measure=OuterRef("measure"), fiscal_year=OuterRef("fiscal_year")
    )
    reports = (
        reports_history(
            measures=measures.order_by().values("pk"), as_of=as_of, include_withdrawn=include_withdrawn
        )
        .filter(fiscal_year__in=years)
        .annotate(
            year_target_value=Subquery(year_target.values("target_value")[:1]),
            year_indicator_unit=Subquery(year_target.values("indicator_unit")[:1]),
        )
        .order_by("-as_of", "-id")
    )
    columns = {
        "measure_pk": "measure_id",
        "measure_number": "measure__number",
        "measure_title": "measure__title",
        "fiscal_year": "fiscal_year",
        "target_value": "year_target_value",
        "indicator_unit": "year_indicator_unit",
        **_REPORT_COLUMNS,
        **_WITHDRAWAL_COLUMNS,
    }
    for _, record in _records(reports, (), columns, chunk_size):
        report = _report_figures(record, statuses)
        rate = achievement_rate(record["target_value"], report.actual_value)
        yield HistoryEntry(
            measure_pk=record["measure_pk"],
            measure_number=record["measure_number"],
            measure_title=record["measure_title"],
            fiscal_year=record["fiscal_year"],
            report=report,
            indicator_unit=record["indicator_unit"] or "",
            rate=rate,
            grade=grade_for_rate(grades, rate),
            withdrawal=_withdrawal(record),
        )
