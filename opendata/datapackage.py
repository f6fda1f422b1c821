"""/opendata/datapackage.json: a Frictionless Data Package (v1, profile tabular-data-package) that
tells a program how to read each CSV file: its dialect, and a Table Schema with every column's type,
constraints, the file's key and the keys that join the files. Without it a reader guesses, and
reads the 全国地方公共団体コード 131059 as a number.

Everything in it comes from the column dictionary (datasets.py) and from what the CSV writer
writes (formats.py), so the page, the files and the package cannot disagree.

Only the CSV files are resources: they are tables. A JSON file is one object, its metadata and then
its rows ({"metadata": …, "data": […]}), which a Tabular Data Resource cannot describe.

Data Package v1 rather than v2: every reader reads v1 (frictionless 4 and 5, CKAN, R's
frictionless), v2 readers included, and frictionless 5 checks its tabular profile.
"""

from __future__ import annotations

from django.conf import settings

from core.addresses import site_url

from .datasets import (
    COLLECTION_TITLE,
    DATASETS,
    DATASETS_BY_SLUG,
    DATE,
    LICENSE_NAME,
    LICENSE_NOTE,
    LICENSE_SHORT_NAME,
    LICENSE_URL,
    Column,
    Dataset,
    Published,
)
from .formats import CSV_DIALECT, EMPTY, LINE_TERMINATOR

PROFILE = "tabular-data-package"
RESOURCE_PROFILE = "tabular-data-resource"
# The package's name: lower-case ASCII, as Data Package v1 asks (a harvester keys on it).
NAME = "bunkyo-data-utilization-plan-progress"
KEYWORDS = ("官民データ活用推進計画", "進捗状況", "策定スケジュール", "オープンデータ")


def _licenses() -> list[dict]:
    # No "name": the spec wants an Open Definition licence id there, and PDL1.0 has none.
    return [{"path": LICENSE_URL, "title": f"{LICENSE_NAME}({LICENSE_SHORT_NAME})"}]


def _dialect() -> dict:
    return {
        "delimiter": CSV_DIALECT.delimiter,
        "lineTerminator": LINE_TERMINATOR,
        "quoteChar": CSV_DIALECT.quotechar,
        "doubleQuote": CSV_DIALECT.doublequote,
        "skipInitialSpace": CSV_DIALECT.skipinitialspace,
        "header": True,
    }


def _constraints(column: Column) -> dict:
    constraints = {
        "required": column.required or None,
        "minimum": column.minimum,
        "maximum": column.maximum,
        "pattern": column.pattern,
        "enum": list(column.enum) if column.enum else None,
    }
    return {key: value for key, value in constraints.items() if value is not None}


def field_descriptor(column: Column) -> dict:
    """A Table Schema field: the CSV header as its name, the dictionary's words, the type."""
    field = {
        "name": column.name,
        "title": column.name,
        "description": column.description,
        "type": column.type,
    }
    if column.type == DATE:
        field["format"] = "default"  # ISO 8601, YYYY-MM-DD
    constraints = _constraints(column)
    if constraints:
        field["constraints"] = constraints
    return field


def _names(dataset: Dataset, keys: tuple[str, ...]) -> list[str]:
    return [dataset.column(key).name for key in keys]


def table_schema(dataset: Dataset) -> dict:
    schema = {
        "fields": [field_descriptor(column) for column in dataset.columns],
        "missingValues": [EMPTY],
        "primaryKey": _names(dataset, dataset.primary_key),
    }
    if dataset.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": _names(dataset, key.columns),
                "reference": {
                    "resource": key.dataset,
                    "fields": _names(DATASETS_BY_SLUG[key.dataset], key.reference),
                },
            }
            for key in dataset.foreign_keys
        ]
    return schema


def _resource(dataset: Dataset) -> dict:
    return {
        "profile": RESOURCE_PROFILE,
        "name": dataset.slug,
        "path": site_url("opendata:dataset_csv", dataset.slug),
        "title": dataset.title,
        "description": dataset.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",  # with a BOM, which readers of UTF-8 skip
        "dialect": _dialect(),
        "schema": table_schema(dataset),
    }


def package_descriptor(published: Published) -> dict:
    """The datapackage.json of what is public now (at least one published plan)."""
    plans = "、".join(f"{plan.name}({plan.period_label})" for plan in published.plans)
    page = site_url("opendata:index")
    return {
        "profile": PROFILE,
        "id": site_url("opendata:datapackage"),
        "name": NAME,
        "title": COLLECTION_TITLE,
        "description": (
            f"{settings.OPENDATA_LOCAL_GOVERNMENT_NAME}が公開している{plans}の施策・年度目標・進捗報告と"
            "策定スケジュールのCSVファイルと、その項目ごとの型・値の条件・ファイルの間の関係。"
            f"利用規約は{LICENSE_NAME}です。{LICENSE_NOTE}項目の説明は {page} にもあります。"
        ),
        "homepage": page,
        "keywords": list(KEYWORDS),
        "licenses": _licenses(),
        "contributors": [{"title": settings.OPENDATA_LOCAL_GOVERNMENT_NAME, "role": "publisher"}],
        "resources": [_resource(dataset) for dataset in DATASETS],
    }
