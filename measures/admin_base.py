"""The admin base for tracked models: the change history on each page, and no lost updates."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from .versioning import ConcurrentEditError, VersionedModelForm, concurrent_edit_message


class TrackedAdmin(SimpleHistoryAdmin):
    """History (変更履歴) is a button on each object's page; stale saves are refused.

    The form carries the version the editor loaded; a second editor saving over a newer
    version gets the form back with a Japanese message naming who changed what. The rare
    save that passes the form check but loses the race in the database is caught here.
    """

    form = VersionedModelForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentEditError as exc:
            self.message_user(
                request, concurrent_edit_message(exc.instance, exc.instance.version), messages.ERROR
            )
            return HttpResponseRedirect(request.path)
