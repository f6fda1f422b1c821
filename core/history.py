"""What a history record changed, as people read it: one rule for every object's 変更履歴 page in the
admin, for /timeline/ and for the conflict message (core.versioning).

- A value reads as on the object's own page: a choice by its label (予定 → 実施済), a related row by
  its name, a person by their display name, a date in 和暦, a fiscal year as 令和元年度(2019年度),
  and an empty value (None or "") as 「なし」.
- The version number (版) is bookkeeping for the no-lost-updates check; it is never shown.
- An entry that changed nothing shown is left out: a save that moved only the version, as a save of
  many-to-many links alone does (the history keeps no such links). Additions and deletions stay.

The queries are fixed whatever the number of records: ``shown_changes`` leaves the empty entries out
in the database, so that pages and counts are right; ``read_records`` then reads the records before
them in one query and the rows each foreign key names in one query per key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Lookup
from django.utils.text import capfirst

from . import fiscal
from .fields import FiscalYearField
from .users import display_name

EMPTY = "なし"
SYSTEM = "(システム)"  # a change made by a command (load_plan), not by a person signed in
HIDDEN_FIELDS = frozenset({"version"})
SHOWN_VALUE_MAX = 60  # characters of a value; the past version's own page has the whole text
ACTIONS = {"+": "追加", "~": "変更", "-": "削除"}
PREVIOUS = "previous_history_id"  # annotated by shown_changes, read by read_records


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class ReadRecord:
    """One history record as a person reads it."""

    record: models.Model  # the history record itself
    action: str  # 追加, 変更 or 削除
    target: str  # the object, named as it was then
    who: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def shown_fields(history_model) -> list[models.Field]:
    """The fields a person reads in a model's history: every tracked field but its id and version."""
    return [f for f in history_model.tracked_fields if not f.primary_key and f.name not in HIDDEN_FIELDS]


def shown_value(model_field, value, related: Mapping | None = None) -> str:
    """A stored value as a person reads it. A foreign key's id is named from ``related`` (its rows
    by id, from ``related_rows``); no query is made here."""
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation and not isinstance(value, models.Model):
        row = (related or {}).get(value)
        if row is None:
            return f"削除された{model_field.related_model._meta.verbose_name}(ID {value})"
        value = row
    elif model_field.choices:
        value = dict(model_field.flatchoices).get(value, value)
    if isinstance(value, get_user_model()):
        text = display_name(value)
    elif isinstance(value, bool):
        text = "はい" if value else "いいえ"
    elif isinstance(value, datetime):
        text = fiscal.wareki_datetime(value)
    elif isinstance(value, date):
        text = fiscal.wareki_date(value)
    elif isinstance(model_field, FiscalYearField) and isinstance(value, int):
        text = fiscal.fiscal_year_label(value)
    else:
        text = str(value)
    return text if len(text) <= SHOWN_VALUE_MAX else text[: SHOWN_VALUE_MAX - 1] + "…"


def related_rows(history_model, records: Iterable) -> dict[str, dict]:
    """The rows the records' foreign keys name, by field name and then id: one query per key in use."""
    records = list(records)
    rows = {}
    for model_field in shown_fields(history_model):
        if isinstance(model_field, models.ForeignKey):
            ids = {getattr(record, model_field.attname) for record in records} - {None}
            rows[model_field.name] = model_field.related_model._base_manager.in_bulk(ids) if ids else {}
    return rows


def field_changes(history_model, before, after, related: Mapping[str, Mapping]) -> list[FieldChange]:
    """What changed from one record of a row to a later one, field by field in the model's order."""
    changes = []
    for model_field in shown_fields(history_model):
        old, new = getattr(before, model_field.attname), getattr(after, model_field.attname)
        if old != new:
            rows = related.get(model_field.name)
            changes.append(
                FieldChange(
                    str(capfirst(model_field.verbose_name)),
                    shown_value(model_field, old, rows),
                    shown_value(model_field, new, rows),
                )
            )
    return changes


class _IsNotDistinctFrom(Lookup):
    """Equal, with two empty (NULL) values counting as equal: a change from NULL to NULL is none."""

    lookup_name = "is_not_distinct_from"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IS NOT DISTINCT FROM {rhs}", (*lhs_params, *rhs_params)

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IS {rhs}", (*lhs_params, *rhs_params)


def _previous_record(history_model) -> Subquery:
    """The history_id of the record just before each record of the same row (None for its first)."""
    pk = history_model.instance_type._meta.pk.attname
    earlier = history_model._default_manager.filter(**{pk: OuterRef(pk)}).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    return Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1])


def shown_changes(records: QuerySet) -> QuerySet:
    """The records that show something: every addition and deletion, and each change in which a
    shown field differs from the record before it (or that has no record before it).

    Each record is annotated with the history_id of the record before it (``PREVIOUS``).
    """
    history_model = records.model
    unchanged = history_model._default_manager.filter(
        *(_IsNotDistinctFrom(F(f.attname), OuterRef(f.attname)) for f in shown_fields(history_model)),
        history_id=OuterRef(PREVIOUS),
    )
    return records.annotate(**{PREVIOUS: _previous_record(history_model)}).filter(
        ~Q(history_type="~") | ~Exists(unchanged)
    )


def _who(record) -> str:
    """Who made the change a record keeps: their display name, or (システム) for a command."""
    return display_name(record.history_user) or SYSTEM


def read_records(records: Iterable) -> list[ReadRecord]:
    """Records of one history model (from ``shown_changes``, with history_user select_related), as
    people read them: one query for the records before them, one per foreign key in use, none per record."""
    records = list(records)
    if not records:
        return []
    history_model = type(records[0])
    previous_ids = {getattr(record, PREVIOUS) for record in records} - {None}
    earlier = history_model._default_manager.in_bulk(previous_ids) if previous_ids else {}
    related = related_rows(history_model, [*records, *earlier.values()])
    read = []
    for record in records:
        previous = earlier.get(getattr(record, PREVIOUS))
        changed = record.history_type == "~" and previous is not None
        read.append(
            ReadRecord(
                record=record,
                action=ACTIONS.get(record.history_type, record.history_type),
                target=_target(record, related),
                who=_who(record),
                reason=record.history_change_reason or EMPTY,
                changes=field_changes(history_model, previous, record, related) if changed else [],
            )
        )
    return read


def _target(record, related: Mapping[str, Mapping]) -> str:
    """The object as it was when recorded, named by its own __str__ with its foreign keys filled in."""
    instance = record.instance
    for name, rows in related.items():
        row = rows.get(getattr(instance, instance._meta.get_field(name).attname))
        if row is not None:
            setattr(instance, name, row)
    try:
        return str(instance)
    except Exception:  # a row whose related rows were deleted since
        return f"{instance._meta.verbose_name}(ID {instance.pk})"
