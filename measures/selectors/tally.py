"""Counting the progress rows: ProgressTally over the rows (the printed pages' summaries) and
progress_year_count, the same counts made in the database (the home page)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Round
from django.db.models.lookups import GreaterThanOrEqual

from core import fiscal

from ..models import (
    EvaluationGrade,
    Measure,
    Plan,
    ProgressStatus,
    Purpose,
)
from . import lateral
from .plans import _latest_report_relation
from .rows import MeasureProgress


@dataclass
class ProgressSummary:
    """Counts by status and by evaluation, and the average progress, for one group of measure-years.

    ``key`` is what the group is: a purpose's id or a fiscal year.
    """

    key: int
    label: str
    by_status: dict[str, int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)
    # The sum and count of the reported progress %, not the values: a summary of 50,000
    # measures stays as small as one of five.
    progress_total: int = 0
    reported: int = 0
    unreported: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values()) + self.unreported

    @property
    def average_progress(self) -> Decimal | None:
        """Mean progress % of the reported measure-years, to one decimal; None when nothing is reported."""
        if not self.reported:
            return None
        return (Decimal(self.progress_total) / self.reported).quantize(Decimal("0.1"))


UNREPORTED_LABEL = "報告なし"
PLAN_TOTAL_LABEL = "計画全体"


class ProgressTally:
    """Counts measure-years into ProgressSummary groups by purpose and by fiscal year, one row at a time.

    Nothing is kept per measure, so the Excel export can count rows as they stream past.
    Every status and grade of the scale is listed, with zero where none applies, in their
    configured order; a measure-year with no report yet counts as 報告なし. Two queries
    (statuses, grades).
    """

    def __init__(
        self,
        *,
        plan: Plan,
        statuses: Iterable[ProgressStatus] | None = None,
        grades: Iterable[EvaluationGrade] | None = None,
    ):
        """``statuses`` and ``grades``, in their configured order, when the caller has read them already."""
        if statuses is None:
            statuses = ProgressStatus.objects.order_by("order", "name")
        if grades is None:
            grades = EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by(
                "order", "code"
            )
        self._statuses = [status.name for status in statuses]
        self._grades = [grade.code for grade in grades]
        self._purposes: dict[int, ProgressSummary] = {}
        self._years: dict[int, ProgressSummary] = {}
        self._year_purposes: dict[tuple[int, int], ProgressSummary] = {}
        self._purpose_objects: dict[int, Purpose] = {}
        self._plan = self._summary(plan.pk, PLAN_TOTAL_LABEL)

    def _summary(self, key: int, label: str) -> ProgressSummary:
        return ProgressSummary(key, label, dict.fromkeys(self._statuses, 0), dict.fromkeys(self._grades, 0))

    def add_row(self, row: MeasureProgress) -> None:
        """Count every fiscal year of one measure."""
        purpose = row.purpose
        if purpose.pk not in self._purposes:
            self._purposes[purpose.pk] = self._summary(purpose.pk, f"{purpose.code} {purpose.short_text}")
            self._purpose_objects[purpose.pk] = purpose
        for year in row.years:
            if year.fiscal_year not in self._years:
                self._years[year.fiscal_year] = self._summary(year.fiscal_year, year.label)
            year_purpose = self._year_purposes.get((year.fiscal_year, purpose.pk))
            if year_purpose is None:
                year_purpose = self._year_purposes[(year.fiscal_year, purpose.pk)] = self._summary(
                    purpose.pk, f"{year.label} {purpose.code}"
                )
            groups = (self._purposes[purpose.pk], self._years[year.fiscal_year], year_purpose, self._plan)
            for summary in groups:
                report = year.report
                if report is None:
                    summary.unreported += 1
                    continue
                name = report.status.name
                summary.by_status[name] = summary.by_status.get(name, 0) + 1
                if year.grade is not None:
                    summary.by_grade[year.grade.code] = summary.by_grade.get(year.grade.code, 0) + 1
                summary.progress_total += report.progress_percent
                summary.reported += 1

    def counting(self, rows: Iterable[MeasureProgress]) -> Iterator[MeasureProgress]:
        """Pass the rows through unchanged, counting each on the way."""
        for row in rows:
            self.add_row(row)
            yield row

    def purpose_summaries(self) -> dict[int, ProgressSummary]:
        """By purpose id, in the order the purposes were first counted."""
        return dict(self._purposes)

    def purposes(self) -> dict[int, Purpose]:
        """The purposes counted, by id, in the order they were first counted."""
        return dict(self._purpose_objects)

    def year_purpose_summaries(self) -> list[tuple[int, ProgressSummary]]:
        """(fiscal year, summary) for each purpose in each year: years in order, purposes as first counted."""
        order = {pk: index for index, pk in enumerate(self._purposes)}
        keys = sorted(self._year_purposes, key=lambda key: (key[0], order[key[1]]))
        return [(year, self._year_purposes[(year, pk)]) for year, pk in keys]

    def year_purpose_summary(self, fiscal_year: int, purpose_pk: int) -> ProgressSummary:
        """One purpose in one year, so far (empty when nothing of it has been counted)."""
        return self._year_purposes.get((fiscal_year, purpose_pk)) or self._summary(purpose_pk, "")

    def year_summary(self, fiscal_year: int) -> ProgressSummary:
        """Every measure counted so far, in one year: the plan's total for that year."""
        return self._years.get(fiscal_year) or self._summary(fiscal_year, "")

    def plan_summary(self) -> ProgressSummary:
        """Every measure-year counted: the whole plan."""
        return self._plan

    def summaries(self) -> dict[str, list[ProgressSummary]]:
        return {
            "purposes": list(self._purposes.values()),
            "years": [summary for _, summary in sorted(self._years.items())],
        }


# The achievement rate's grade in the database: the grade achievement_rate and grade_for_rate
# (measures.models) give, so that a plan's grades are counted without reading its reports. In whole
# numbers: SQLite keeps decimals as floating point, in which 0.07 / 0.1 is 0.7000000000000001.


def _hundredths(figure: str) -> Cast:
    """A figure of two decimal places (目標値, 実績値) as a whole number of hundredths, exactly."""
    return Cast(Round(F(figure) * 100), BigIntegerField())


def _rate_reaches(minimum: Decimal, *, actual: str, target: str) -> GreaterThanOrEqual:
    """Whether achievement_rate(target, actual) >= minimum, for a target above zero and figures
    not below zero (the models' constraints), in integer arithmetic.

    The rate is 1000·A/T tenths (A, T: the figures in hundredths), rounded half to even as
    Decimal.quantize rounds; a whole number of tenths reaches the minimum when it reaches M, the
    minimum in tenths rounded up. Rounded, 1000·A/T reaches M when 2000·A/T > 2M − 1, or equals
    it and M is even; for whole numbers that is (2000·A − 1) // T >= 2M − 1 when M is odd and
    2000·A // T >= 2M − 1 when it is even. 2000 × 14 digits stays below 2⁶³.
    """
    tenths = int((minimum * 10).to_integral_value(ROUND_CEILING))
    numerator = _hundredths(actual) * 2000 - (tenths % 2)
    quotient = ExpressionWrapper(numerator / _hundredths(target), output_field=BigIntegerField())
    return GreaterThanOrEqual(quotient, Value(2 * tenths - 1))


def _grade_code(grades: list[EvaluationGrade], *, actual: str, target: str) -> Case:
    """grade_for_rate's code for the rate of ``actual`` to ``target``; None when no grade applies.

    No rate (no 実績値, no 目標値, or a 目標値 of 0): the grade without a minimum. Otherwise the
    grade with the highest minimum the rate reaches, the first in ``grades`` among equal minimums
    (as max() picks).
    """
    no_rate = Q(**{f"{actual}__isnull": True}) | Q(**{f"{target}__isnull": True}) | Q(**{target: 0})
    unjudgeable = next((grade.code for grade in grades if grade.min_rate is None), None)
    judged = sorted((g for g in grades if g.min_rate is not None), key=lambda g: g.min_rate, reverse=True)
    return Case(
        When(no_rate, then=Value(unjudgeable)),
        *(
            When(_rate_reaches(grade.min_rate, actual=actual, target=target), then=Value(grade.code))
            for grade in judged
        ),
        default=Value(None),
        output_field=CharField(),
    )


@dataclass
class YearCount:
    """One fiscal year's counts as of a date, as ProgressTally makes them from the progress rows:
    the plan's (None when it has no measures), each purpose's that has measures (by purpose id, in
    the purposes' order), and the date of the latest report counted."""

    year: ProgressSummary | None
    purposes: dict[int, ProgressSummary]
    latest_report_on: date | None


def _year_count_rows(*, plan: Plan, fiscal_year: int, as_of: date, grades: list[EvaluationGrade]):
    """progress_year_count's rows, by the ORM: each measure joined to its latest standing report
    (plans._latest_report_relation) and its target, grouped by purpose, status and grade."""
    return (
        Measure.objects.filter(plan=plan)
        .annotate(
            latest_report=_latest_report_relation(as_of=as_of, fiscal_year=fiscal_year),
            year_target=FilteredRelation(
                "annual_targets", condition=Q(annual_targets__fiscal_year=fiscal_year)
            ),
        )
        .annotate(
            grade=_grade_code(
                grades, actual="latest_report__actual_value", target="year_target__target_value"
            )
        )
        .values_list("purpose_id", "purpose__code", "purpose__text", "latest_report__status_id", "grade")
        .annotate(
            count=Count("pk"),
            progress=Sum("latest_report__progress_percent"),
            latest=Max("latest_report__as_of"),
        )
        .order_by("purpose__order", "purpose_id")
    )


def progress_year_count(
    *,
    plan: Plan,
    fiscal_year: int,
    as_of: date,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> YearCount:
    """The plan's measures counted by the status and grade of their latest standing report for
    ``fiscal_year`` as of ``as_of`` (the rule of reports_latest_as_of), by the database.

    The counts of ProgressTally over measure_progress_rows for that year, without a row per
    measure: one aggregate query, each measure joined to its latest report and its target and
    grouped by purpose, status and grade, whatever the number of measures; and two more for the
    statuses and grades unless given, in their configured order (measures.legend.Legend has them).
    """
    if statuses is None:
        statuses = ProgressStatus.objects.order_by("order", "name")
    if grades is None:
        grades = EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by("order", "code")
    statuses, grades = list(statuses), list(grades)
    status_names = {status.pk: status.name for status in statuses}
    if lateral.counted_by_lateral():  # PostgreSQL: the same rows, by a LATERAL join (lateral.py)
        groups = lateral.year_count_rows(plan=plan, fiscal_year=fiscal_year, as_of=as_of, grades=grades)
    else:
        groups = _year_count_rows(plan=plan, fiscal_year=fiscal_year, as_of=as_of, grades=grades)

    def summary(key: int, label: str) -> ProgressSummary:
        return ProgressSummary(
            key, label, {status.name: 0 for status in statuses}, {grade.code: 0 for grade in grades}
        )

    year, purposes, latest_report_on = None, {}, None
    for purpose_id, code, text, status_id, grade, count, progress, latest in groups:
        if purpose_id not in purposes:
            purpose = Purpose(pk=purpose_id, code=code, text=text)
            purposes[purpose_id] = summary(purpose_id, f"{purpose.code} {purpose.short_text}")
        year = year or summary(fiscal_year, fiscal.fiscal_year_label(fiscal_year))
        for group in (purposes[purpose_id], year):
            if status_id is None:
                group.unreported += count
                continue
            name = status_names[status_id]
            group.by_status[name] = group.by_status.get(name, 0) + count
            if grade is not None:
                group.by_grade[grade] = group.by_grade.get(grade, 0) + count
            group.progress_total += progress
            group.reported += count
        if latest is not None:
            latest_report_on = max(latest_report_on or latest, latest)
    return YearCount(year=year, purposes=purposes, latest_report_on=latest_report_on)
