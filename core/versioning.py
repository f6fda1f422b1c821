"""Optimistic locking and a three-way merge: no lost updates when two members of staff edit the same row.

Each versioned row carries a ``version`` number. A save is an UPDATE … WHERE version = <the
version the editor loaded>; when someone else saved first, no row matches and the save is
refused with ConcurrentEditError. Before that, the form (the admin's) or the service (the API's
PATCH) merges the two saves field by field: a field only the other changed keeps their value, a
field only this editor changed takes theirs, and only a field both changed differently is a
conflict, shown with both values and an explicit choice (the admin) or answered 409 with both
(the API). Nothing is saved over a change the saver has not seen.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django import forms
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import fiscal
from .history import FieldChange, field_changes, related_rows, shown_value
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


def fields_changed_since(instance, loaded_version: int) -> set[str] | None:
    """The names of the fields someone changed in a row after ``loaded_version``, from its history;
    None when that version is not in the history (nothing to merge with)."""
    history = getattr(instance, "history", None)
    if history is None:
        return None
    then = history.filter(version=loaded_version).order_by("-history_date").first()
    now = history.order_by("-history_date").first()
    if then is None or now is None:
        return None
    return {
        f.name
        for f in type(now).tracked_fields
        if f.name != "version" and getattr(then, f.attname) != getattr(now, f.attname)
    }


class EditConflict(ValidationError):
    """A change refused because someone changed the same fields first: ``conflicts`` holds, for each
    field, (the value sent, the value saved meanwhile)."""

    def __init__(self, message: str, conflicts: dict[str, tuple]):
        super().__init__(message, code="concurrent_edit")
        self.conflicts = conflicts


def changes_merge(current, changes: dict, loaded_version: int) -> None:
    """A change of ``current`` by a client that read ``loaded_version`` (the API's PATCH), merged with
    what others saved since, field by field: a field only they changed keeps their value, a field
    only this client changes takes its value, a field both changed differently is an EditConflict.
    With nothing in the history to compare (no record of that version), the change is refused."""
    if current.version == loaded_version:
        return
    changed = fields_changed_since(current, loaded_version)
    if changed is None:
        raise ValidationError(concurrent_edit_message(current, loaded_version), code="concurrent_edit")
    conflicts = {
        name: (value, getattr(current, name))
        for name, value in changes.items()
        if name in changed and getattr(current, name) != value
    }
    if conflicts:
        who = changes_since(current, loaded_version).who or "他の職員"
        labels = "、".join(str(current._meta.get_field(name).verbose_name) for name in conflicts)
        raise EditConflict(
            f"この{_verbose_name(current)}は、読み込んだ後に{who}が先に変更しました。"
            f"両方が変更した項目: {labels}。conflicts の値を確かめ、残す値と最新の version({current.version})"
            "を付けて送り直してください。",
            conflicts,
        )


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


STATE_FIELD = "loaded_state"
KEEP_MINE, KEEP_THEIRS = "mine", "theirs"


class VersionInput(forms.HiddenInput):
    """The version the form was loaded with, and beside it the values it was loaded with (signed),
    which a three-way merge compares both saves against."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.state = ""

    def render(self, name, value, attrs=None, renderer=None):
        state_name = name[: -len("version")] + STATE_FIELD  # the same form prefix as the version's
        return super().render(name, value, attrs, renderer) + format_html(
            '<input type="hidden" name="{}" value="{}">', state_name, self.state
        )


class ConflictChoice(forms.Widget):
    """A field both editors changed: its own input (this editor's value, kept), and the choice of
    which value to save, with the other's value shown."""

    def __init__(self, widget, *, choice_name: str, who: str, theirs: str, mine: str, chosen: str | None):
        super().__init__()
        self.widget, self.choice_name = widget, choice_name
        self.who, self.theirs, self.mine, self.chosen = who, theirs, mine, chosen
        self.is_required = widget.is_required

    def __getattr__(self, name):
        # Everything else (attrs, input_type, needs_multipart_form …) is the field's own widget's.
        widget = self.__dict__.get("widget")
        if widget is None:
            raise AttributeError(name)
        return getattr(widget, name)

    def value_from_datadict(self, data, files, name):
        return self.widget.value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return self.widget.value_omitted_from_data(data, files, name)

    def format_value(self, value):
        return self.widget.format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        options = (
            (KEEP_MINE, f"あなたの入力(上の欄の内容)で保存する:「{self.mine}」"),
            (KEEP_THEIRS, f"{self.who}の変更を残す:「{self.theirs}」"),
        )
        radios = format_html_join(
            "",
            '<li><label><input type="radio" name="{}" value="{}" required{}> {}</label></li>',
            (
                (self.choice_name, key, mark_safe(" checked") if key == self.chosen else "", label)
                for key, label in options
            ),
        )
        # Below the field's own input, which keeps its size (the admin lays a row out as a flex row).
        return format_html(
            '<div class="conflict-field" style="display:flex;flex-direction:column;align-items:flex-start;gap:.5em">'
            '{}<fieldset class="conflict-choice" style="margin:0;padding:.3em .8em;border:1px solid #ba2121">'
            '<legend style="padding:0 .3em">どちらを保存しますか</legend>'
            '<ul style="list-style:none;margin:0;padding:0">{}</ul></fieldset></div>',
            self.widget.render(name, value, attrs, renderer),
            radios,
        )


CONFLICTS_KEY = "__conflicts__"
CHOICE_SUFFIX = "__keep"


class MergingModelForm(forms.ModelForm):
    """A three-way merge of two saves of one row: the values the form was loaded with (the base,
    signed in ``loaded_state``), the row as someone else saved it since, and what this editor typed.

    - changed by the other editor only: their value is kept (and put in the form);
    - changed by this editor only: this editor's value is saved;
    - changed by both, to different values: a conflict. The form comes back with both values beside
      the field and a choice of which to save, which is required; everything else typed is kept.

    With no conflict the merge is saved, and ``merged_fields`` names the other editor's changes it
    kept (core.admin_base says so after saving). How a form knows that someone saved meanwhile,
    and where it keeps ``loaded_state``, is its subclass's: VersionedModelForm, LoadedStateForm.
    """

    IGNORED: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.merged_fields: list[str] = []
        self.merged_by: str | None = None

    # ---- where the base is kept: the subclass's ------------------------------------------------

    def _posted_state(self) -> str | None:
        return self.data.get(self.add_prefix(STATE_FIELD)) if self.is_bound else None

    def _store_state(self, state: dict) -> None:
        self.data[self.add_prefix(STATE_FIELD)] = signing.dumps(state)

    def _loaded_state(self) -> dict | None:
        try:
            return signing.loads(self._posted_state() or "")
        except signing.BadSignature:
            return None

    # ---- the values compared ------------------------------------------------------------------

    def _merged_names(self) -> list[str]:
        opts = self._meta.model._meta
        return [
            name
            for name in self.fields
            if name not in ("version", STATE_FIELD, *self.IGNORED) and _is_model_field(opts, name)
        ]

    def _state_of(self, instance, initial: dict | None = None) -> dict[str, str]:
        """The row's values as text; a many-to-many field's from ``initial`` when given (the form's
        own initial values, read already: no query more)."""
        opts = self._meta.model._meta
        state = {}
        for name in self._merged_names():
            model_field = opts.get_field(name)
            if model_field.many_to_many:
                if initial is not None and name in initial:
                    pks = [getattr(obj, "pk", obj) for obj in initial[name] or ()]
                else:
                    pks = getattr(instance, name).values_list("pk", flat=True) if instance.pk else ()
                state[name] = ",".join(sorted(str(pk) for pk in pks))
            else:
                state[name] = _value_string(model_field, instance)
        return state

    def _typed_state(self, cleaned: dict, current) -> dict[str, str]:
        """This editor's values, as _state_of reads a row's: a copy of the current row with them set."""
        opts = self._meta.model._meta
        typed = copy.copy(current)
        state = {}
        for name in self._merged_names():
            if name not in cleaned:
                continue
            model_field = opts.get_field(name)
            if model_field.many_to_many:
                state[name] = ",".join(sorted(str(obj.pk) for obj in cleaned[name] or ()))
            else:
                model_field.save_form_data(typed, cleaned[name])
                state[name] = _value_string(model_field, typed)
        return state

    def _current_value(self, current, name):
        if self._meta.model._meta.get_field(name).many_to_many:
            return list(getattr(current, name).all())
        return getattr(current, name)

    def _shown(self, name, value) -> str:
        model_field = self._meta.model._meta.get_field(name)
        if model_field.many_to_many:
            return "、".join(str(obj) for obj in value) or "なし"
        return shown_value(model_field, value)

    def _set_data(self, name, value) -> None:
        """Put ``value`` in the form's data, so that the form shown again holds it."""
        key = self.add_prefix(name)
        if isinstance(value, list):
            self.data.setlist(key, [str(obj.pk) for obj in value])
        elif isinstance(value, models.Model):
            self.data[key] = str(value.pk)
        elif isinstance(value, bool):
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        else:
            shown = self.fields[name].prepare_value(value)
            self.data[key] = "" if shown is None else str(shown)

    # ---- the merge ----------------------------------------------------------------------------

    def merge(self, cleaned: dict, base: dict, current, *, who: str, header: list[str]) -> None:
        """Someone saved ``current`` since this form was loaded with ``base``: take their changes,
        keep this editor's, and stop at the fields both changed (``header``: the lines that say
        who changed what, above the form)."""
        theirs = self._state_of(current)
        mine = self._typed_state(cleaned, current)
        taken, conflicts = [], []
        for name in self._merged_names():
            if name not in mine or theirs.get(name) == base.get(name):
                continue  # only this editor may have changed it
            if mine[name] in (base.get(name), theirs[name]):
                taken.append(name)  # only the other editor changed it (or both alike): theirs
            else:
                conflicts.append(name)
        self.data = self.data.copy()
        for name in taken:
            cleaned[name] = self._current_value(current, name)
            self._set_data(name, cleaned[name])
        self.merged_fields = [str(self.fields[name].label) for name in taken if mine[name] != theirs[name]]
        self.merged_by = who
        if not conflicts:
            self._store_state(theirs)
            return
        self._store_state({**theirs, CONFLICTS_KEY: conflicts})
        labels = "、".join(str(self.fields[name].label) for name in conflicts)
        taken_note = (
            f"{who}だけが変更した項目({'、'.join(self.merged_fields)})は、その変更をこの画面に入れました。"
            if self.merged_fields
            else ""
        )
        lines = [
            *header,
            f"あなたの入力はこの画面に残っています。あなたも変更した項目({labels})は、"
            f"どちらを保存するか選んでから、もう一度保存してください。{taken_note}",
        ]
        self.add_error(
            None,
            forms.ValidationError([forms.ValidationError(line, code="concurrent_edit") for line in lines]),
        )
        for name in conflicts:
            self._offer_choice(name, who, self._current_value(current, name), cleaned.get(name))

    def resolve(self, cleaned: dict, pending: list[str], current, *, who: str) -> None:
        """The form shown with conflicts, saved again: each conflicting field as its editor chose."""
        unanswered = []
        for name in pending:
            if name not in self.fields:
                continue
            choice = self.data.get(self.add_prefix(name + CHOICE_SUFFIX))
            if choice == KEEP_THEIRS:
                cleaned[name] = self._current_value(current, name)
            elif choice != KEEP_MINE:
                unanswered.append(name)
        for name in unanswered:
            self._offer_choice(
                name, who, self._current_value(current, name), cleaned.get(name), message=CHOOSE_MESSAGE
            )

    def _offer_choice(self, name, who, theirs, mine, message=None):
        self.fields[name].widget = ConflictChoice(
            self.fields[name].widget,
            choice_name=self.add_prefix(name + CHOICE_SUFFIX),
            who=who,
            theirs=self._shown(name, theirs),
            mine=self._shown(name, mine),
            chosen=None,
        )
        self.add_error(
            name,
            forms.ValidationError(
                message
                or f"{who}がこの項目を「{self._shown(name, theirs)}」に変更しています。{CHOOSE_MESSAGE}",
                code="concurrent_edit",
            ),
        )


CHOOSE_MESSAGE = "どちらを保存するか選んでください。"


class VersionedModelForm(MergingModelForm):
    """A form of a versioned row (VersionedModel): a save over a newer version is merged with it,
    field by field (MergingModelForm). The version and the loaded values travel in the version's
    hidden input (VersionInput), so every admin page and inline that shows the version has both."""

    class Meta:
        widgets = {"version": VersionInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" not in self.fields:
            return
        if self.instance._state.adding:
            # A new row has no version to compare; it starts at 1.
            self.fields["version"].required = False
            return
        if not isinstance(self.fields["version"].widget, VersionInput):
            self.fields["version"].widget = VersionInput()
        self.fields["version"].widget.state = self._posted_state() or signing.dumps(
            self._state_of(self.instance, self.initial)
        )

    def _store_state(self, state: dict) -> None:
        super()._store_state(state)
        self.fields["version"].widget.state = self.data[self.add_prefix(STATE_FIELD)]

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
        loaded_version = cleaned.get("version")
        if loaded_version is None:
            return cleaned
        base = self._loaded_state()
        pending = base.pop(CONFLICTS_KEY, []) if base else []
        current_version = self._current_version()
        if current_version is not None and current_version != loaded_version:
            # self.instance is the row as it is now, read for this request.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = str(current_version)
            cleaned["version"] = current_version
            header = concurrent_edit_messages(instance, loaded_version)[:-1]
            who = changes_since(instance, loaded_version).who or "他の職員"
            if base is None:  # a form without its loaded values: nothing to merge with, refuse it
                self._store_state(self._state_of(instance))
                raise forms.ValidationError(
                    [forms.ValidationError(line, code="concurrent_edit") for line in header + [REFUSED_TAIL]]
                )
            self.merge(cleaned, base, instance, who=who, header=header)
        elif pending:
            who = changes_since(instance, instance.version).who or "他の職員"
            self.resolve(cleaned, pending, instance, who=who)
        return cleaned


REFUSED_TAIL = "最新の内容を確かめてから、もう一度入力してください。"


def merged_message(form: MergingModelForm) -> str:
    """What a save merged with another editor's tells the editor afterwards."""
    return (
        f"開いた後に{form.merged_by}が先に変更した項目({'、'.join(form.merged_fields)})は、"
        "その変更を残して、あなたの変更と合わせて保存しました。"
    )


class LoadedStateForm(MergingModelForm):
    """No lost updates for a model without a version column (Django's own users and groups).

    The form carries the values it was loaded with, signed so they cannot be forged; when the row
    in the database no longer has them, the save is merged with it field by field
    (MergingModelForm), naming each field the other changed.
    """

    STATE_FIELD = STATE_FIELD
    IGNORED = ("password", "last_login")  # never shown back; last_login changes on every sign-in

    loaded_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields[STATE_FIELD].initial = signing.dumps(self._state_of(self.instance, self.initial))

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding:
            return cleaned
        base = self._loaded_state()
        pending = base.pop(CONFLICTS_KEY, []) if base else []
        fresh = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
        if fresh is None:
            return cleaned
        current = self._state_of(fresh)
        who = "他の職員"  # users and groups keep no history of who changed them
        if base is not None and base == current:
            if pending:
                self.resolve(cleaned, pending, fresh, who=who)
            return cleaned
        opts = self._meta.model._meta
        changed = [
            str(opts.get_field(name).verbose_name)
            for name in current
            if base is not None and base.get(name) != current[name]
        ]
        what = f"変更された項目: {'、'.join(changed)}。" if changed else ""
        header = [
            f"この{_verbose_name(self.instance)}は、開いた後に{who}が先に変更したため保存できませんでした。{what}"
        ]
        if base is None:  # forged or missing: nothing to merge with, refuse it
            self.data = self.data.copy()
            self._store_state(current)
            raise forms.ValidationError(
                [forms.ValidationError(line, code="concurrent_edit") for line in header + [REFUSED_TAIL]]
            )
        self.merge(cleaned, base, fresh, who=who, header=header)
        return cleaned


def _value_string(model_field, instance) -> str:
    """A field's value as text to compare: a moment in UTC, whatever zone it was typed or read in."""
    value = model_field.value_from_object(instance)
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(UTC).isoformat()
    return model_field.value_to_string(instance)


def _is_model_field(opts, name: str) -> bool:
    try:
        opts.get_field(name)
    except FieldDoesNotExist:  # a form-only field (e.g. a password confirmation)
        return False
    return True
