"""The Excel export as an action on the measure list, added to measures' own admin (core.admin_base).
The Excel upload of progress (進捗のExcel取込) is rounds.admin."""

from django.contrib import messages

from core.admin_base import add_model_action
from measures.models import Measure
from measures.permissions import EXPORT_PROGRESS

from .workbook import export_of_selection, progress_workbook_response


def export_progress(model_admin, request, queryset):
    try:
        export = export_of_selection(queryset)
    except ValueError as error:
        model_admin.message_user(request, str(error), messages.ERROR)
        return None
    return progress_workbook_response(export)


add_model_action(
    Measure,
    function=export_progress,
    description="選択した施策の進捗をExcelで出力",
    permission=EXPORT_PROGRESS,
)
