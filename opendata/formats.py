"""The files: CSV (UTF-8 with a BOM, CRLF, one header row of Japanese names) and JSON (a metadata
object with the licence, then the rows). Both are written row by row as they are sent."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.conf import settings

from core.xlsx import csv_text

from .datasets import (
    LICENSE_NAME,
    LICENSE_NOTE,
    LICENSE_SHORT_NAME,
    LICENSE_URL,
    Dataset,
    Published,
    number_text,
    number_value,
)

BOM = "\ufeff"
# What the CSV writer writes, which datapackage.py declares as the files' dialect: Python's "excel"
# dialect (comma, double quotes doubled, quoted only where needed) with CRLF line endings.
CSV_DIALECT = csv.excel
LINE_TERMINATOR = "\r\n"
# An empty value (None) is an empty cell.
EMPTY = ""
CSV_CONTENT_TYPE = "text/csv; charset=utf-8; header=present"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class _Line:
    """csv.writer's file: hands back each line it writes instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def csv_cell(value) -> str:
    """One CSV cell: text through the workbook's formula rule, figures plain, dates ISO."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        raise TypeError("no boolean columns")
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return csv_text(str(value))


def csv_lines(dataset: Dataset, published: Published) -> Iterator[str]:
    """The header row (after the BOM), then a line per row, each ending CRLF."""
    writer = csv.writer(_Line(), dialect=CSV_DIALECT, lineterminator=LINE_TERMINATOR)
    keys = [column.key for column in dataset.columns]
    yield BOM + writer.writerow([column.name for column in dataset.columns])
    for row in dataset.rows(published):
        yield writer.writerow([csv_cell(row[key]) for key in keys])


def _json_value(value):
    if isinstance(value, Decimal):
        return number_value(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def metadata(dataset: Dataset, published: Published, *, modified: date | None, urls: dict) -> dict:
    """The JSON file's metadata object: what the dataset is, who publishes it, under which licence."""
    return {
        "title": dataset.title,
        "description": dataset.description,
        "publisher": {
            "name": settings.OPENDATA_LOCAL_GOVERNMENT_NAME,
            "local_government_code": settings.OPENDATA_LOCAL_GOVERNMENT_CODE,
        },
        "license": {
            "name": LICENSE_NAME,
            "short_name": LICENSE_SHORT_NAME,
            "url": LICENSE_URL,
            "note": LICENSE_NOTE,
        },
        "modified": modified.isoformat() if modified else None,
        "plans": [
            {"id": plan.pk, "name": plan.name, "period": plan.period_label} for plan in published.plans
        ],
        "columns": [
            {
                "key": c.key,
                "name": c.name,
                "type": c.type_label,
                "table_schema_type": c.type,
                "description": c.description,
            }
            for c in dataset.columns
        ],
        **urls,
    }


def json_chunks(dataset: Dataset, published: Published, meta: dict) -> Iterator[str]:
    """{"metadata": {...}, "data": [row, ...]}, one row per chunk."""
    yield '{"metadata": ' + json.dumps(meta, ensure_ascii=False) + ', "data": ['
    keys = [column.key for column in dataset.columns]
    for index, row in enumerate(dataset.rows(published)):
        record = {key: _json_value(row[key]) for key in keys}
        yield ("\n" if index == 0 else ",\n") + json.dumps(record, ensure_ascii=False)
    yield "\n]}\n"
