"""Optimistic locking: no lost updates when two members of staff edit the same row.

Each versioned row carries a ``version`` number. A save is an UPDATE … WHERE version = <the
version the editor loaded>; when someone else saved first, no row matches and the save is
refused with ConcurrentEditError. The admin form carries the loaded version in a hidden field
and tells the editor, in Japanese, who changed what in the meantime (from the history).
"""

from __future__ import annotations

from django import forms
from django.db import models, transaction

from .users import display_name


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


def changes_since(instance, loaded_version: int) -> tuple[list[str], str | None]:
    """What changed in a row since ``loaded_version``: the changed fields' labels, and who changed it last."""
    history = getattr(instance, "history", None)
    if history is None:
        return [], None
    then = history.filter(version=loaded_version).order_by("-history_date").first()
    now = history.order_by("-history_date").first()
    if then is None or now is None:
        return [], None
    delta = now.diff_against(then)
    labels = [
        str(type(instance)._meta.get_field(change.field).verbose_name)
        for change in delta.changes
        if change.field != "version"
    ]
    user = now.history_user
    who = display_name(user) or None
    return labels, who


class VersionedModelForm(forms.ModelForm):
    """A form that refuses to overwrite a row someone else saved since it was loaded."""

    class Meta:
        widgets = {"version": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields and self.instance._state.adding:
            # A new row has no version to compare; it starts at 1.
            self.fields["version"].required = False

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
        current = (
            type(instance)._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        )
        if current is not None and current != loaded:
            raise forms.ValidationError(concurrent_edit_message(instance, loaded), code="concurrent_edit")
        return cleaned


def concurrent_edit_message(instance, loaded_version: int) -> str:
    fields, who = changes_since(instance, loaded_version)
    by = f"{who}さん" if who else "他の職員"
    what = f"変更された項目: {'、'.join(fields)}。" if fields else ""
    return (
        f"この{type(instance)._meta.verbose_name}は、開いた後に{by}が先に変更したため保存できませんでした。{what}"
        "入力内容を控えてから、ページを開き直して最新の内容を確認し、もう一度入力してください。"
    )
