"""Plain-SQL statements' helpers, for the few reads whose ORM query cost more CPU to build and
compile than the database spent answering it (docs/PERFORMANCE.md, issue 23, item 13): the
API's page of figures (``page``) and the current plan with its default 基準日 (``plans``).

Each statement's text is built once per database backend from the models' definitions (code,
never data: nothing in it can go stale), and each value comes back converted as the ORM would
convert its field's (dates and decimals on SQLite), by the backend's and the field's converters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connection


def columns(model, names: Sequence[str], alias: str) -> tuple[list[str], list]:
    """``alias.column`` for each field of ``model``, and the converters that turn what the database
    gives into what the ORM would (the backend's and the field's, as SQLCompiler.get_converters)."""
    quote = connection.ops.quote_name
    sql, converters = [], []
    for name in names:
        field = model._meta.get_field(name)
        column = field.get_col(alias)
        sql.append(f"{alias}.{quote(field.column)}")
        converters.append(
            (
                connection.ops.get_db_converters(column) + column.get_db_converters(connection),
                column,
            )
        )
    return sql, converters


def convert(row: Sequence, converters: list) -> list:
    """A row's values, each through its column's converters (``columns``)."""
    values = list(row)
    for index, (functions, column) in enumerate(converters):
        value = values[index]
        for function in functions:
            value = function(value, column, connection)
        values[index] = value
    return values


def placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def statement(name: str, build: Callable):
    """What ``build()`` gives for the statement ``name`` and the database in use, built once per
    database backend (as core.api.FormClassOnce builds a form class once)."""
    key = (name, connection.vendor)
    built = _STATEMENTS.get(key)
    if built is None:
        built = _STATEMENTS[key] = build()
    return built


_STATEMENTS: dict = {}
