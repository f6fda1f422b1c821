"""The admin base for tracked models: the change history on each page, and no lost updates."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from . import fiscal
from .versioning import ConcurrentEditError, VersionedModelForm, concurrent_edit_message


class NotFoundAdminMixin:
    """An unknown id in an admin URL answers 404, like every other page, instead of a redirect."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"ID「{object_id}」の{opts.verbose_name}は見つかりません。削除された可能性があります。")


class BaseAdmin(NotFoundAdminMixin, admin.ModelAdmin):
    """The admin base for reference tables (所管課, キーワード, 進捗状況 …)."""


class TrackedAdmin(NotFoundAdminMixin, SimpleHistoryAdmin):
    """History (変更履歴) is a button on each object's page; stale saves are refused.

    The form carries the version the editor loaded; a second editor saving over a newer
    version gets the form back with a Japanese message naming who changed what. The rare
    save that passes the form check but loses the race in the database is caught here.
    """

    form = VersionedModelForm

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
        return super().history_form_view(request, object_id, version_id, extra_context)

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
