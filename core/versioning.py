"""Optimistic locking: no lost updates when two members of staff edit the same row.

Each versioned row carries a ``version`` number. A save is an UPDATE … WHERE version = <the
version the editor loaded>; when someone else saved first, no row matches and the save is
refused with ConcurrentEditError. The admin form carries the loaded version in a hidden field;
a stale form comes back with the editor's input kept and, beside it, who changed what and when
in the meantime (from the history). Saving that form again is then a deliberate overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from . import fiscal
from .history import FieldChange, field_changes, related_rows
from .users import display_name_with_affiliation


class ConcurrentEditError(Exception):
    """Someone else saved this row after it was loaded."""

    def __init__(self, instance):
        self.instance = instance
        super().__init__(f"{type(instance).__name__} {instance.pk} was changed by someone else")


class VersionedModel(models.Model):
    version = models.PositiveIntegerField("版", default=1)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        loaded = self.version
        with transaction.atomic():
            # The conditional UPDATE locks the row; a concurrent editor's UPDATE waits, then
            # finds the version moved on and matches nothing.
            claimed = type(self)._base_manager.filter(pk=self.pk, version=loaded).update(version=loaded + 1)
            if not claimed:
                raise ConcurrentEditError(self)
            self.version = loaded + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
            super().save(*args, **kwargs)


@dataclass
class ChangeSince:
    """What someone else changed in a row after it was loaded: who, when, and each field's values."""

    who: str | None = None
    when: datetime | None = None
    fields: list[FieldChange] = field(default_factory=list)


def changes_since(instance, loaded_version: int) -> ChangeSince:
    """What changed in a row since ``loaded_version``, from its history (empty when it has none)."""
    history = getattr(instance, "history", None)
    if history is None:
        return ChangeSince()
    then = history.filter(version=loaded_version).order_by("-history_date").first()
    now = history.order_by("-history_date").first()
    if now is None:
        return ChangeSince()
    change = ChangeSince(who=display_name_with_affiliation(now.history_user) or None, when=now.history_date)
    if then is None:
        return change
    history_model = type(now)
    change.fields = field_changes(history_model, then, now, related_rows(history_model, (then, now)))
    return change


def concurrent_edit_messages(instance, loaded_version: int) -> list[str]:
    """The refusal, line by line: what happened, when, each change, and what the editor can do now."""
    change = changes_since(instance, loaded_version)
    by = change.who or "他の職員"  # business Japanese: no さん for a colleague in a system message
    labels = "、".join(f.label for f in change.fields)
    lines = [
        f"この{_verbose_name(instance)}は、開いた後に{by}が先に変更したため保存できませんでした。"
        + (f"変更された項目: {labels}。" if labels else "")
    ]
    if change.when is not None:
        lines.append(f"変更日時: {fiscal.wareki_datetime(change.when)}")
    lines.extend(f"{f.label}: 「{f.before}」→「{f.after}」" for f in change.fields)
    lines.append(
        "あなたの入力はこの画面に残っています。上の変更を確かめ、必要なら入力を直してから、もう一度保存してください"
        "(もう一度保存すると、この画面の内容で保存されます)。"
    )
    return lines


def _verbose_name(instance) -> str:
    return str(type(instance)._meta.verbose_name)


def concurrent_edit_message(instance, loaded_version: int) -> str:
    """The refusal as one paragraph, for a message on a page that has no form to show."""
    return "".join(concurrent_edit_messages(instance, loaded_version)[:1]) + (
        "最新の内容を確かめてから、もう一度入力してください。"
    )


class VersionedModelForm(forms.ModelForm):
    """A form that refuses to overwrite a row someone else saved since it was loaded.

    The refused form keeps the editor's input and now carries the current version, so that
    saving it again, after reading what changed, is a deliberate choice.
    """

    class Meta:
        widgets = {"version": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields and self.instance._state.adding:
            # A new row has no version to compare; it starts at 1.
            self.fields["version"].required = False

    def _current_version(self) -> int | None:
        rows = type(self.instance)._base_manager.filter(pk=self.instance.pk)
        if transaction.get_connection(rows.db).in_atomic_block:
            # Hold the row until this save ends, so no other save slips in between (PostgreSQL).
            rows = rows.select_for_update()
        return rows.values_list("version", flat=True).first()

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if "version" not in self.fields:
            return cleaned
        if instance._state.adding:
            cleaned["version"] = instance.version
            return cleaned
        loaded = cleaned.get("version")
        if loaded is None:
            return cleaned
        current = self._current_version()
        if current is not None and current != loaded:
            data = self.data.copy()
            data[self.add_prefix("version")] = str(current)
            self.data = data
            raise forms.ValidationError(
                [
                    forms.ValidationError(line, code="concurrent_edit")
                    for line in concurrent_edit_messages(instance, loaded)
                ]
            )
        return cleaned


class LoadedStateForm(forms.ModelForm):
    """No lost updates for a model without a version column (Django's own users and groups).

    The form carries the values it was loaded with, signed so they cannot be forged; a save is
    refused when the row in the database no longer has them, naming each field that changed.
    """

    STATE_FIELD = "loaded_state"
    IGNORED = ("password", "last_login")  # never shown back; last_login changes on every sign-in

    loaded_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields[self.STATE_FIELD].initial = signing.dumps(self._state_of(self.instance))

    def _watched(self):
        opts = self._meta.model._meta
        names = [name for name in self.fields if name != self.STATE_FIELD and name not in self.IGNORED]
        return [opts.get_field(name) for name in names if _is_model_field(opts, name)]

    def _state_of(self, instance) -> dict[str, str]:
        state = {}
        for model_field in self._watched():
            if model_field.many_to_many:
                pks = sorted(
                    str(pk) for pk in getattr(instance, model_field.name).values_list("pk", flat=True)
                )
                state[model_field.name] = ",".join(pks)
            else:
                state[model_field.name] = model_field.value_to_string(instance)
        return state

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding:
            return cleaned
        try:
            loaded = signing.loads(cleaned.get(self.STATE_FIELD) or "")
        except signing.BadSignature:
            loaded = None
        fresh = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
        if fresh is None:
            return cleaned
        current = self._state_of(fresh)
        if loaded == current:
            return cleaned
        opts = self._meta.model._meta
        changed = [
            str(opts.get_field(name).verbose_name)
            for name in current
            if loaded is not None and loaded.get(name) != current[name]
        ]
        data = self.data.copy()
        data[self.add_prefix(self.STATE_FIELD)] = signing.dumps(current)
        self.data = data
        what = f"変更された項目: {'、'.join(changed)}。" if changed else ""
        raise forms.ValidationError(
            [
                forms.ValidationError(
                    f"この{_verbose_name(self.instance)}は、開いた後に他の職員が先に変更したため保存できませんでした。{what}",
                    code="concurrent_edit",
                ),
                forms.ValidationError(
                    "あなたの入力はこの画面に残っています。最新の内容を確かめ、必要なら入力を直してから、"
                    "もう一度保存してください(もう一度保存すると、この画面の内容で保存されます)。",
                    code="concurrent_edit",
                ),
            ]
        )


def _is_model_field(opts, name: str) -> bool:
    try:
        opts.get_field(name)
    except FieldDoesNotExist:  # a form-only field (e.g. a password confirmation)
        return False
    return True
