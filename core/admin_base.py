"""The admin base classes: the change history on each page, no lost updates, 404 for unknown ids,
and actions that another app adds to a model's admin without replacing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, models
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from . import fiscal, history, references
from .database import SAVE_AGAIN_MESSAGE, database_busy, log_busy
from .fields import DateFormField, DecimalFormField, ModelMultipleIdChoiceField, apply_input_rules, key_holds
from .versioning import ConcurrentEditError, VersionedModelForm, concurrent_edit_message, merged_message


class NotFoundAdminMixin:
    """An unknown id in an admin URL answers 404, like every other page, instead of a redirect.

    Through ModelAdmin.get_object, the documented hook every object view (change, delete,
    history) reads its object through: where it would give None, it raises Http404.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(
                f"ID「{object_id}」の{self.opts.verbose_name}は見つかりません。削除された可能性があります。"
            )
        return obj


@dataclass(frozen=True)
class ModelAction:
    """An admin action contributed by another app, shown to users who hold ``permission``."""

    function: Callable  # (model_admin, request, queryset) -> HttpResponse | None
    name: str
    description: str
    permission: str


_MODEL_ACTIONS: dict[type, list[ModelAction]] = {}


def add_model_action(model, *, function: Callable, description: str, permission: str) -> None:
    """Offer ``function`` as an action on ``model``'s admin list, to users with ``permission``.

    The app that owns the model keeps its ModelAdmin; the contributing app (reports adds its
    Excel export to the measure list) registers here from its own admin module.
    """
    actions = _MODEL_ACTIONS.setdefault(model, [])
    if all(action.name != function.__name__ for action in actions):
        actions.append(ModelAction(function, function.__name__, description, permission))


class ContributedActionsMixin:
    """Adds the actions other apps registered with add_model_action to this admin's list."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for action in _MODEL_ACTIONS.get(self.model, ()):
            if request.user.has_perm(action.permission):
                actions[action.name] = (action.function, action.name, action.description)
        return actions


class SafeChangeList(ChangeList):
    """A list that answers an impossible date filter (?as_of__year=9999) as it answers any bad filter.

    Django turns ?as_of__year=abc into IncorrectLookupParameters (a redirect to the list with
    ?e=1), but a year whose next year does not exist escapes as ValueError: a 500.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class _TypedValueOptgroups:
    """The admin's autocomplete selects, shown again after a post whose value is no id at all.

    Django's widget looks the posted value up to label it, so a value such as NUL was a server
    error while rendering the form that says 「正しく選択してください」. Values the key field
    cannot hold are left out of that look-up (the field itself reports them; core.fields.key_holds).
    """

    def optgroups(self, name, value, attr=None):
        related = self.field.remote_field
        key = related.model._meta.get_field(
            getattr(related, "field_name", None) or related.model._meta.pk.name
        )
        readable = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            if key_holds(key, item):
                readable.append(item)
        return super().optgroups(name, readable, attr)


class TypedValueAutocompleteSelect(_TypedValueOptgroups, AutocompleteSelect):
    """One related row (a report's measure)."""


class TypedValueAutocompleteSelectMultiple(_TypedValueOptgroups, AutocompleteSelectMultiple):
    """Several related rows (a measure's departments, keywords and technologies)."""


class InputRulesMixin:
    """Every form field follows core.fields.apply_input_rules: text without control characters,
    dates in 1989–2100, each refused with one Japanese message. In every admin base below, pages
    and inlines alike. Dates are also read in the era form (令和2年3月31日, core.fields.DateFormField);
    figures are shown and read as the pages show them (50, 12.5, 1,200: DecimalFormField)."""

    # Merged by Django into its own defaults, so date columns keep the admin's calendar widget.
    formfield_overrides = {
        models.DateField: {"form_class": DateFormField},
        models.DecimalField: {"form_class": DecimalFormField},
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        return apply_input_rules(formfield) if formfield is not None else None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TypedValueAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleIdChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TypedValueAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SaveRefusedMixin:
    """A save refused after the form was valid comes back as the form, with everything typed and
    the reason beside the field it concerns, never a 500:

    - a rule a service enforces (a ValidationError from ``save_model``/``save_related``: a report
      added meanwhile by someone else on the same date, a withdrawal's dates …), by field;
    - a database that a repeat would let through (a deadlock, a lock timeout: core.database),
      with a message to save again.

    Django's changeform_view saves in one atomic block, which the refusal has rolled back; the page
    is then drawn once more from the same POST, the form made invalid by those messages, so
    nothing is saved and nothing typed is lost.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            request.save_refusal = error
        except OperationalError as error:
            if not database_busy(error):
                raise
            log_busy(request, error)
            request.save_refusal = ValidationError(SAVE_AGAIN_MESSAGE)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, *args, **kwargs):
        # As the caller passes them: Django's ModelAdmin takes ``change``, its UserAdmin does not.
        form = super().get_form(request, *args, **kwargs)
        refusal = getattr(request, "save_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def _post_clean(self):
                # After the model's own checks, which would read a field emptied by an error.
                super()._post_clean()
                add_refusal(self, refusal)

        return RefusedForm


def add_refusal(form, error: ValidationError) -> None:
    """A service's ValidationError on ``form``: each message beside its field when the form shows
    that field, else above the form; a message the form already shows is not repeated."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
    for name, errors in by_field.items():
        target = name if name in form.fields else None
        shown = set(form.errors.get(target or "__all__", []))
        fresh = [message for message in ValidationError(errors).messages if message not in shown]
        if fresh:
            form.add_error(target, fresh)


class DeleteRulesMixin:
    """The delete pages follow core.references: an object kept by a protected link is refused like
    one kept by a PROTECT foreign key, the refusal says in Japanese what uses it, and the page
    says what a deletion will empty (each emptied object records it in its history)."""

    delete_confirmation_template = "core/admin/delete_confirmation.html"
    delete_selected_confirmation_template = "core/admin/delete_selected_confirmation.html"

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for use in references.uses_of(obj, links_only=True):
                protected.extend(_linked_object(self.admin_site, linked) for linked in use.objects)
        if protected:
            # Django also counts the protected objects' delete permission (none for 進捗報告) and
            # would say that instead; the object is in use, and nothing is deleted either way.
            perms_needed = set()
        return deleted, model_count, perms_needed, protected

    def delete_refusal(self, obj) -> str:
        """Why ``obj`` cannot be deleted, in Japanese; an admin may say it in its own words."""
        return references.refusal_message(obj)

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None:
            if context.get("protected"):
                context["delete_refusal"] = self.delete_refusal(obj)
            context["delete_note"] = references.cleared_note(obj)
        return super().render_delete_form(request, context)


def _linked_object(admin_site, obj):
    """As the admin lists a protected object: its kind, and its name linked to its page."""
    opts = obj._meta
    try:
        url = reverse(f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return f"{capfirst(opts.verbose_name)}: {obj}"
    return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)


class StackedInline(InputRulesMixin, admin.StackedInline):
    """The base for stacked inlines (a measure's targets and reports)."""


class TabularInline(InputRulesMixin, admin.TabularInline):
    """The base for tabular inlines (a scale's grades).

    Django shows a tabular inline's labels once, as its column headings, and gives the inputs in
    the rows none: a screen reader announced 21 unnamed fields on a measure's page. Each input is
    named by its column (aria-label), as a sighted person reads it, the delete box too."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and formfield.label:
            formfield.widget.attrs.setdefault("aria-label", capfirst(formfield.label))
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class NamedDeleteFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if DELETION_FIELD_NAME in form.fields:
                    # The column's heading, Django's own words (削除しますか?).
                    form.fields[DELETION_FIELD_NAME].widget.attrs["aria-label"] = gettext("Delete?")

        NamedDeleteFormSet.__name__ = formset.__name__
        return NamedDeleteFormSet


class TrackedAdmin(
    NotFoundAdminMixin,
    ContributedActionsMixin,
    SaveRefusedMixin,
    InputRulesMixin,
    DeleteRulesMixin,
    SimpleHistoryAdmin,
):
    """History (変更履歴) is a button on each object's page; stale saves are refused.

    The form carries the version the editor loaded; a second editor saving over a newer
    version gets the form back with a Japanese message naming who changed what. The rare
    save that passes the form check but loses the race in the database is caught here.
    """

    form = VersionedModelForm
    object_history_template = "core/admin/object_history.html"
    object_history_list_template = "core/admin/object_history_list.html"

    def history_view(self, request, object_id, extra_context=None):
        """The object's 変更履歴, as people read it (core.history); an id that is no id is not found."""
        if not str(object_id).isdigit():
            raise Http404("指定された変更履歴は見つかりません。")
        return super().history_view(request, object_id, extra_context)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        """Only the entries that show a change, so that the pages and the count hold just those."""
        return history.shown_changes(
            history_manager.filter(**{pk_name: object_id}).select_related("history_user")
        )

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Each entry of the page as people read it, its changes against the record before it even
        when that one is on the next page: the template shows ``record.read``."""
        for read in history.read_records(historical_records):
            read.record.read = read

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version is for reading only.

        django-simple-history would save a POST here after checking only the view permission,
        and its "revert" would write an old version over a newer one. To go back, the
        secretariat edits the object itself (SIMPLE_HISTORY_REVERT_DISABLED hides the button).
        """
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(
                "過去の版は閲覧のみです。内容を戻すときは、項目の変更画面で編集してください。"
            )
        if not (str(version_id).isdigit() and str(object_id).isdigit()):
            raise Http404("指定された変更履歴は見つかりません。")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        if getattr(form, "merged_fields", None):
            request.merged_note = merged_message(form)
        return obj

    def response_change(self, request, obj):
        # After the save went through: say whose changes the merge kept beside this editor's.
        if getattr(request, "merged_note", None):
            self.message_user(request, request.merged_note, messages.INFO)
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentEditError as exc:
            self.message_user(
                request, concurrent_edit_message(exc.instance, exc.instance.version), messages.ERROR
            )
            return HttpResponseRedirect(request.path)


@admin.display(description="年度", ordering="fiscal_year")
def fiscal_year_column(obj) -> str:
    """A list column for any model with a fiscal_year: 令和元年度(2019年度)."""
    return fiscal.fiscal_year_label(obj.fiscal_year)


class FiscalYearListFilter(admin.AllValuesFieldListFilter):
    """A list's 年度 filter naming each year as the column does, 令和元年度(2019年度), not 2019.

    In list_filter as ("fiscal_year", FiscalYearListFilter). The links and the years offered are
    Django's own (the years in the list, ?fiscal_year=2019); only what each link says changes.
    """

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        years = [year for year in self.lookup_choices if year is not None]
        # After "all" come the years in the order of lookup_choices (then "empty", when any is).
        for choice, year in zip(choices[1:], years, strict=False):
            # The display is the year, then the facet count when facets are shown: "2019 (3)".
            choice["display"] = fiscal.fiscal_year_label(year) + str(choice["display"])[len(str(year)) :]
        return choices
