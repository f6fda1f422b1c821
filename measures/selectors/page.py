"""A page of measures' figures and links in plain SQL: the API's list (at most core.api.MAX_PAGE_SIZE
measures, already read with their purposes).

Why plain SQL: on a page of five measures, the ORM spent more CPU building and compiling each query
(0.3–0.5 ms) than the database spent reading its few rows, and the list's queries were most of its
cost (docs/PERFORMANCE.md, issue 23, item 13, the fourth attempt). The statements here are fixed
text; each value comes back converted as the ORM converts its field's (dates and decimals on
SQLite), by the fields' own converters.

The rules stay the ORM's: "standing" is ProgressReportQuerySet.standing (``withdrawn_on IS NULL``),
and the latest standing report of a year is the first in LATEST_FIRST order (the latest date, then
the report entered last), which reports_latest_as_of's subquery picks for a whole plan.
tests/test_progress_stream.py checks that a page's rows are the whole plan's stream's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import connection

from ..models import AnnualTarget, EvaluationGrade, Measure, ProgressReport, ProgressStatus
from .plans import LATEST_FIRST
from .statements import columns, convert, placeholders, statement

_TARGET_FIELDS = ("measure", "fiscal_year", "target_text", "indicator_name", "indicator_unit", "target_value")
_REPORT_FIELDS = (
    "measure",
    "fiscal_year",
    "id",
    "as_of",
    "actual_value",
    "progress_percent",
    "narrative",
    "issues",
    "next_steps",
)
_STATUS_FIELDS = ("id", "version", "name", "symbol", "color", "order")
_AUTHOR_FIELDS = ("username", "last_name", "first_name")
_GRADE_FIELDS = ("id", "version", "scale", "code", "label", "min_rate", "color", "order")


@dataclass(slots=True)
class PageFigures:
    """A page's targets and latest standing reports, by measure id, each a record by attribute name
    (measures.selectors.rows' _TARGET_COLUMNS and _REPORT_COLUMNS, with ``fiscal_year``), the
    statuses those reports name, and the plan's grades."""

    targets: dict[int, list[dict]]
    reports: dict[int, list[dict]]
    statuses: dict[int, ProgressStatus]
    grades: list[EvaluationGrade]


def _figures_statement() -> tuple[str, list, list, int, int]:
    quote = connection.ops.quote_name
    user = get_user_model()
    report = ProgressReport._meta
    target_sql, target_converters = columns(AnnualTarget, _TARGET_FIELDS, "t")
    report_sql, report_converters = columns(ProgressReport, _REPORT_FIELDS, "r")
    status_sql, status_converters = columns(ProgressStatus, _STATUS_FIELDS, "s")
    author_sql, author_converters = columns(user, _AUTHOR_FIELDS, "u")
    # The targets' rows fill the reports' columns with NULL, and the other way round: one statement.
    width_targets = len(target_sql) - 2
    width_reports = len(report_sql) + len(status_sql) + len(author_sql) - 2
    # The reports' id and date columns, by position (1 is the kind, then the targets' columns).
    positions = {"id": 1 + len(target_sql) + 1, "as_of": 1 + len(target_sql) + 2}
    latest_first = ", ".join(
        f"{positions[name.lstrip('-')]} {'DESC' if name.startswith('-') else 'ASC'}" for name in LATEST_FIRST
    )
    sql = (
        f"SELECT 0, {', '.join(target_sql)}, {', '.join(['NULL'] * width_reports)}"
        f" FROM {quote(AnnualTarget._meta.db_table)} t"
        f" WHERE t.{quote('measure_id')} IN ({{measures}}) AND t.{quote('fiscal_year')} IN ({{years}})"
        " UNION ALL"
        f" SELECT 1, {', '.join(report_sql[:2])}, {', '.join(['NULL'] * width_targets)},"
        f" {', '.join([*report_sql[2:], *status_sql, *author_sql])}"
        f" FROM {quote(report.db_table)} r"
        f" INNER JOIN {quote(ProgressStatus._meta.db_table)} s"
        f" ON s.{quote('id')} = r.{quote(report.get_field('status').column)}"
        f" LEFT OUTER JOIN {quote(user._meta.db_table)} u"
        f" ON u.{quote(user._meta.pk.column)} = r.{quote(report.get_field('author').column)}"
        # Standing (ProgressReportQuerySet.standing), dated by the 基準日.
        f" WHERE r.{quote('withdrawn_on')} IS NULL AND r.{quote('as_of')} <= %s"
        f" AND r.{quote('fiscal_year')} IN ({{years}}) AND r.{quote('measure_id')} IN ({{measures}})"
        # Each measure's year, latest first (LATEST_FIRST: the date, then the report entered last).
        f" ORDER BY 1, 2, 3, {latest_first}"
    )
    target_row = target_converters + [([], None)] * width_reports
    report_row = (
        report_converters[:2]
        + [([], None)] * width_targets
        + report_converters[2:]
        + status_converters
        + author_converters
    )
    return sql, target_row, report_row, width_targets, len(status_sql)


def measure_page_figures(
    *, measure_ids: Sequence[int], fiscal_years: Sequence[int], as_of: date, scale_id: int
) -> PageFigures:
    """The page's targets for ``fiscal_years`` and, of each measure's year, the latest standing report
    dated on or before ``as_of`` (with its status and author), in one statement; the evaluation
    scale's grades in another."""
    if not measure_ids or not fiscal_years:
        return PageFigures({}, {}, {}, _grades(scale_id))
    sql, target_row, report_row, width_targets, width_status = statement("figures", _figures_statement)
    measures, years = placeholders(measure_ids), placeholders(fiscal_years)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(measures=measures, years=years),
            [*measure_ids, *fiscal_years, as_of, *fiscal_years, *measure_ids],
        )
        rows = cursor.fetchall()
    figures = PageFigures({}, {}, {}, _grades(scale_id))
    seen: set[tuple[int, int]] = set()
    for kind, *row in rows:
        if kind == 0:
            measure_id, fiscal_year, text, name, unit, value, *_ = convert(row, target_row)
            figures.targets.setdefault(measure_id, []).append(
                {
                    "fiscal_year": fiscal_year,
                    "target_text": text,
                    "indicator_name": name,
                    "indicator_unit": unit,
                    "target_value": value,
                }
            )
            continue
        values = convert(row, report_row)
        measure_id, fiscal_year = values[0], values[1]
        if (measure_id, fiscal_year) in seen:
            continue  # an earlier report of a year already read: the first is the latest
        seen.add((measure_id, fiscal_year))
        (pk, as_of_, actual, percent, narrative, issues, next_steps, *rest) = values[2 + width_targets :]
        status_values, author = rest[:width_status], rest[width_status:]
        status_id = status_values[0]
        if status_id not in figures.statuses:
            figures.statuses[status_id] = ProgressStatus(
                **dict(zip(_STATUS_FIELDS, status_values, strict=True))
            )
        figures.reports.setdefault(measure_id, []).append(
            {
                "fiscal_year": fiscal_year,
                "pk": pk,
                "as_of": as_of_,
                "status_id": status_id,
                "actual_value": actual,
                "progress_percent": percent,
                "narrative": narrative,
                "issues": issues,
                "next_steps": next_steps,
                "author_username": author[0],
                "author_last_name": author[1],
                "author_first_name": author[2],
            }
        )
    return figures


def _grades_statement() -> tuple[str, list]:
    sql, converters = columns(EvaluationGrade, _GRADE_FIELDS, "g")
    quote = connection.ops.quote_name
    return (
        f"SELECT {', '.join(sql)} FROM {quote(EvaluationGrade._meta.db_table)} g"
        f" WHERE g.{quote('scale_id')} = %s ORDER BY g.{quote('order')}, g.{quote('code')}",
        converters,
    )


def _grades(scale_id: int) -> list[EvaluationGrade]:
    """The scale's grades in their order (EvaluationGrade's ``order``, then ``code``)."""
    sql, converters = statement("grades", _grades_statement)
    with connection.cursor() as cursor:
        cursor.execute(sql, [scale_id])
        rows = cursor.fetchall()
    return [EvaluationGrade(**dict(zip(_GRADE_NAMES, convert(row, converters), strict=True))) for row in rows]


_GRADE_NAMES = tuple("scale_id" if name == "scale" else name for name in _GRADE_FIELDS)


# A measure's many-to-many relations to the plan's lists, and the field each link row names.
_LINKS = (("departments", "department"), ("keywords", "keyword"), ("technologies", "technology"))


def measure_link_ids(measure_ids: Sequence[int]) -> dict[str, dict[int, list[int]]]:
    """The ids of a page of measures' departments, keywords and technologies, by relation and then
    by measure, each list in its model's order (order, name) as ``measure.departments.all()`` gives
    it. One statement: the three link tables read side by side (UNION ALL), each row tagged with its
    relation's place in _LINKS."""
    links: dict[str, dict[int, list[int]]] = {relation: {} for relation, _ in _LINKS}
    if not measure_ids:
        return links
    quote = connection.ops.quote_name
    measures = placeholders(measure_ids)
    parts = []
    for index, (relation, target) in enumerate(_LINKS):
        through = getattr(Measure, relation).through
        linked = through._meta.get_field(target)
        table = quote(linked.related_model._meta.db_table)
        parts.append(
            f"SELECT {index}, l.{quote(through._meta.get_field('measure').column)}, l.{quote(linked.column)},"
            f" x.{quote('order')}, x.{quote('name')}"
            f" FROM {quote(through._meta.db_table)} l INNER JOIN {table} x ON x.{quote('id')} = l.{quote(linked.column)}"
            f" WHERE l.{quote(through._meta.get_field('measure').column)} IN ({measures})"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 4, 5", [*measure_ids] * len(_LINKS))
        rows = cursor.fetchall()
    for index, measure_id, target_id, _, _ in rows:
        links[_LINKS[index][0]].setdefault(measure_id, []).append(target_id)
    return links
