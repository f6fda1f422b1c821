"""The home page's two counts on PostgreSQL: each measure's latest standing report by a date read
by a LATERAL join, one index probe per measure.

The rule, "a measure's latest standing report for a fiscal year on or before a date", is defined
once, in the ORM: ``plans._latest_report`` (the subquery) and ``plans._latest_report_relation``
(the join both counts use), which ``reports_latest_as_of`` shares. On PostgreSQL that join hashes
the year's reports and probes each measure's latest twice; a ``LEFT JOIN LATERAL (… ORDER BY as_of
DESC LIMIT 1)`` probes it once and hashes nothing, which the ORM does not write (docs/PERFORMANCE.md,
"Issue 23, item 12: a LATERAL join on PostgreSQL"). So on PostgreSQL only, ``progress_year_count``
(tally.py) and ``progress_change_count`` (changes.py) send the queries below instead, the same rule
in SQL (``_LATEST_REPORT``); on SQLite, where a LATERAL join does not exist, the ORM form is the
one that runs. The grade in both is ``tally._grade_code``, compiled by the ORM, not rewritten.

Where they are proved equal: tests/test_progress_count_forms.py, on PostgreSQL, compares this form
with the ORM form on the same data (withdrawn and corrected reports, reports dated after the day,
other years, measures without a report or a target, several plans), and tests/test_progress_count.py
and tests/test_progress_changes.py compare whichever form runs with the progress rows read in
Python, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Expression, FilteredRelation

from ..models import EvaluationGrade, Measure, Plan, Purpose


def counted_by_lateral() -> bool:
    """Whether the counts read the latest reports by a LATERAL join (PostgreSQL): the one place
    the choice is made."""
    return connection.vendor == "postgresql"


# A measure's latest standing report for a fiscal year on or before a date: the rule of
# plans._latest_report, newest first, the first one, by the index report_standing_figures
# (measure, fiscal year, date, then every column read here; standing reports only), so that each
# probe is an index-only scan while autovacuum keeps the visibility map. Parameters: fiscal
# year, date.
_LATEST_REPORT = """
    LEFT JOIN LATERAL (
        SELECT report.id, report.status_id, report.progress_percent, report.actual_value, report.as_of
        FROM measures_progressreport AS report
        WHERE report.measure_id = measures_measure.id
            AND report.fiscal_year = %s
            AND report.withdrawn_on IS NULL
            AND report.as_of <= %s
        ORDER BY report.as_of DESC
        LIMIT 1
    ) AS {alias} ON TRUE"""

# A measure's target for a fiscal year. Parameter: fiscal year.
_TARGET = """
    LEFT JOIN measures_annualtarget AS {alias}
        ON {alias}.measure_id = measures_measure.id AND {alias}.fiscal_year = %s"""


def _grade_sql(grades: list[EvaluationGrade], *, report: str, target: str) -> tuple[str, list]:
    """tally._grade_code over the columns of the joins named ``report`` and ``target``, compiled by
    the ORM in a Measure query where those are its only joins (so that its aliases are their names)."""
    from .tally import _grade_code

    query = (
        Measure.objects.alias(
            **{report: FilteredRelation("progress_reports"), target: FilteredRelation("annual_targets")}
        )
    ).query
    expression: Expression = _grade_code(
        grades, actual=f"{report}__actual_value", target=f"{target}__target_value"
    ).resolve_expression(query)
    sql, params = query.get_compiler(connection=connection).compile(expression)
    assert set(query.alias_map) == {Measure._meta.db_table, report, target}, query.alias_map
    return sql, list(params)


def year_count_rows(
    *, plan: Plan, fiscal_year: int, as_of: date, grades: list[EvaluationGrade]
) -> list[tuple]:
    """progress_year_count's rows, as its ORM query gives them: (purpose id, code, text, status id,
    grade, measures, progress total, latest date) by purpose, status and grade, in the purposes'
    order."""
    grade, grade_params = _grade_sql(grades, report="latest_report", target="year_target")
    sql = f"""
        SELECT counted.purpose_id, measures_purpose.code, measures_purpose.text, counted.status_id,
            counted.grade, counted.measures, counted.progress, counted.latest
        FROM (
            SELECT measures_measure.purpose_id, latest_report.status_id, {grade} AS grade,
                COUNT(*) AS measures, SUM(latest_report.progress_percent) AS progress,
                MAX(latest_report.as_of) AS latest
            FROM measures_measure
            {_LATEST_REPORT.format(alias="latest_report")}
            {_TARGET.format(alias="year_target")}
            WHERE measures_measure.plan_id = %s
            GROUP BY 1, 2, 3
        ) AS counted
        JOIN measures_purpose ON measures_purpose.id = counted.purpose_id
        ORDER BY measures_purpose."order", counted.purpose_id"""
    params = [*grade_params, fiscal_year, as_of, fiscal_year, plan.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _year_changed_sql(
    index: int, fiscal_year: int, *, since: date, as_of: date, grades: list[EvaluationGrade]
) -> tuple[str, list, str, list]:
    """The joins of one year (its latest report on either date, its target) and whether it
    changed: changes._year_changed's condition, in SQL."""
    before, after, target = f"before_{index}", f"after_{index}", f"target_{index}"
    joins = (
        _LATEST_REPORT.format(alias=before)
        + _LATEST_REPORT.format(alias=after)
        + _TARGET.format(alias=target)
    )
    join_params = [fiscal_year, since, fiscal_year, as_of, fiscal_year]
    grade_before, before_params = _grade_sql(grades, report=before, target=target)
    grade_after, after_params = _grade_sql(grades, report=after, target=target)
    changed = f"""
        CASE WHEN ({before}.id IS NULL) <> ({after}.id IS NULL)
            OR ({before}.id <> {after}.id AND (
                {before}.status_id <> {after}.status_id
                OR {before}.progress_percent <> {after}.progress_percent
                OR COALESCE({grade_before}, '') <> COALESCE({grade_after}, '')))
            OR measures_measure.id IN (
                SELECT withdrawn.measure_id FROM measures_progressreport AS withdrawn
                WHERE withdrawn.fiscal_year = %s AND withdrawn.as_of <= %s
                    AND withdrawn.withdrawn_on > %s AND withdrawn.withdrawn_on <= %s)
        THEN 1 ELSE 0 END"""
    changed_params = [*before_params, *after_params, fiscal_year, as_of, since, as_of]
    return joins, join_params, changed, changed_params


# The columns progress_change_count's ORM query reads of a changed measure and of its purpose.
_MEASURE_COLUMNS = ("id", "purpose_id", "number", "title", "order")
_PURPOSE_COLUMNS = ("id", "code", "text", "order")


def _in_field_order(model, names: tuple[str, ...]) -> list[str]:
    """``names`` in the order of ``model``'s fields, as Model.from_db takes a row of some of them."""
    return [field.attname for field in model._meta.concrete_fields if field.attname in names]


def changed_measures(
    *,
    plan: Plan,
    since: date,
    as_of: date,
    fiscal_years: list[int],
    grades: list[EvaluationGrade],
    limit: int,
) -> list[Measure]:
    """progress_change_count's first ``limit`` changed measures, as its ORM query reads them: in the
    plan's order (MEASURE_ORDER), each with its purpose and ``total``, the number of changed
    measure-years of the plan."""
    joins, changes, params, change_params = [], [], [], []
    for index, year in enumerate(fiscal_years):
        year_joins, join_params, changed, changed_params = _year_changed_sql(
            index, year, since=since, as_of=as_of, grades=grades
        )
        joins.append(year_joins)
        params += join_params
        changes.append(changed)
        change_params += changed_params
    measure_fields = _in_field_order(Measure, _MEASURE_COLUMNS)
    purpose_fields = _in_field_order(Purpose, _PURPOSE_COLUMNS)
    columns = [(f'measures_measure."{name}"', f"measure_{name}") for name in measure_fields] + [
        (f'measures_purpose."{name}"', f"purpose_{name}") for name in purpose_fields
    ]
    sql = f"""
        SELECT {", ".join(f'counted."{alias}"' for _, alias in columns)}, SUM(counted.changes) OVER () AS total
        FROM (
            SELECT {", ".join(f'{column} AS "{alias}"' for column, alias in columns)},
                {" + ".join(changes)} AS changes
            FROM measures_measure
            JOIN measures_purpose ON measures_purpose.id = measures_measure.purpose_id
            {"".join(joins)}
            WHERE measures_measure.plan_id = %s
            OFFSET 0
        ) AS counted
        WHERE counted.changes > 0
        ORDER BY counted.purpose_order, counted.measure_order, counted.measure_number, counted.measure_id
        LIMIT %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*change_params, *params, plan.pk, limit])
        rows = cursor.fetchall()
    measures = []
    split = len(measure_fields)
    for row in rows:
        measure = Measure.from_db(connection.alias, measure_fields, row[:split])
        measure.purpose = Purpose.from_db(connection.alias, purpose_fields, row[split:-1])
        measure.total = row[-1]
        measures.append(measure)
    return measures
