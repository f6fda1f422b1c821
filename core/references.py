"""What happens to the objects that refer to a deleted one: refused while in use, or recorded.

Django's on_delete decides for foreign keys, but two cases leave no trace by themselves:
many-to-many links go with the deleted object (and django-simple-history records no
many-to-many change), and SET_NULL is one bulk UPDATE (no save, so no history row). Each app
declares, per relation, in its AppConfig.ready():

- protect_links(field, …): deleting the target of these many-to-many fields is refused while a
  link exists, as on_delete=PROTECT does for a foreign key;
- record_cleared(field, …): a SET_NULL foreign key of a tracked model; every object that loses
  its reference is saved first, so that its history shows the field emptied, with the reason.

uses_of() lists what keeps an object (PROTECT foreign keys and protected links) and
refusal_message() says so in Japanese; cleared_note() says what a deletion will empty. The
admin's delete pages show them (core.admin_base.DeleteRulesMixin).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models.signals import pre_delete

HOW_TO_DELETE = "削除するには、先にそれらで別のものを選ぶか、外してください。"

_protected_links: dict[type, list[models.ManyToManyField]] = {}
_recorded: dict[type, list[models.ForeignKey]] = {}


@dataclass(frozen=True)
class Use:
    """The objects of one model that refer to the object about to be deleted."""

    model: type
    objects: models.QuerySet
    count: int

    @property
    def label(self) -> str:
        return f"{self.model._meta.verbose_name}{self.count}件"


def protect_links(*fields: models.ManyToManyField) -> None:
    """Refuse to delete the target of these many-to-many fields while it is linked."""
    for field in fields:
        if not field.many_to_many:
            raise TypeError(f"{field} is not a many-to-many field")
        target = field.remote_field.model
        links = _protected_links.setdefault(target, [])
        if field not in links:
            links.append(field)
        pre_delete.connect(
            _refuse_while_linked, sender=target, dispatch_uid=f"protect_links:{target._meta.label}"
        )


def record_cleared(*fields: models.ForeignKey) -> None:
    """Save, with the reason, every tracked object whose SET_NULL reference a deletion empties."""
    for field in fields:
        if field.remote_field.on_delete is not models.SET_NULL or not hasattr(field.model, "history"):
            raise TypeError(f"{field} is not a SET_NULL foreign key of a model with a history")
        target = field.remote_field.model
        recorded = _recorded.setdefault(target, [])
        if field not in recorded:
            recorded.append(field)
        pre_delete.connect(
            _clear_and_record, sender=target, dispatch_uid=f"record_cleared:{target._meta.label}"
        )


def protected_links_of(model) -> list[models.ManyToManyField]:
    return list(_protected_links.get(model._meta.concrete_model, ()))


def recorded_fields_of(model) -> list[models.ForeignKey]:
    return list(_recorded.get(model._meta.concrete_model, ()))


def uses_of(obj, *, links_only: bool = False) -> list[Use]:
    """What keeps ``obj`` from being deleted: PROTECT foreign keys and protected links, in model order."""
    links = protected_links_of(type(obj))
    uses = []
    for rel in obj._meta.related_objects:
        if rel.many_to_many:
            if rel.field not in links:
                continue
        elif links_only or rel.on_delete is not models.PROTECT:
            continue
        objects = rel.related_model._default_manager.filter(**{rel.field.name: obj})
        count = objects.count()
        if count:
            uses.append(Use(rel.related_model, objects, count))
    return uses


def refusal_message(obj, uses: list[Use] | None = None) -> str:
    """所管課「情報政策課」は施策4件で使われているため削除できません。削除するには、…"""
    uses = uses_of(obj) if uses is None else uses
    if not uses:
        # Kept not by a reference to it but by one to something deleted with it (a plan's
        # purposes, each still used by measures): the page lists those below the message.
        return (
            f"{obj._meta.verbose_name}「{obj}」は、一緒に削除される項目がほかのデータで使われているため"
            "削除できません。下の一覧の項目を先に別のものに付け替えるか、削除してください。"
        )
    return (
        f"{obj._meta.verbose_name}「{obj}」は{'・'.join(use.label for use in uses)}で使われているため"
        f"削除できません。{HOW_TO_DELETE}"
    )


def cleared_note(obj) -> str:
    """What deleting ``obj`` empties, recorded in each object's history; "" when nothing."""
    notes = []
    for field in recorded_fields_of(type(obj)):
        count = field.model._default_manager.filter(**{field.name: obj}).count()
        if count:
            notes.append(
                f"この{obj._meta.verbose_name}を削除すると、{field.model._meta.verbose_name}{count}件の"
                f"{field.verbose_name}が空欄になります。それぞれの変更履歴に記録されます。"
            )
    return "".join(notes)


def _refuse_while_linked(sender, instance, **kwargs):
    uses = uses_of(instance, links_only=True)
    if uses:
        raise models.ProtectedError(
            refusal_message(instance, uses), [obj for use in uses for obj in use.objects[:100]]
        )


def _clear_and_record(sender, instance, **kwargs):
    for field in recorded_fields_of(sender):
        reason = (
            f"{sender._meta.verbose_name}「{instance}」を削除したため、{field.verbose_name}を空欄にしました。"
        )
        for obj in field.model._default_manager.filter(**{field.name: instance}):
            setattr(obj, field.name, None)
            obj._change_reason = reason  # django-simple-history's 変更理由
            obj.save()
