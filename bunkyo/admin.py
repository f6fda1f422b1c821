"""Admin pieces that combine both apps: the Excel export on the measure list.

The workbook includes the schedule sheet, so it lives in bunkyo/; the action is added to
measures' own MeasureAdmin here, and measures imports nothing from bunkyo.
"""

from django.contrib import admin, messages

from measures.admin import MeasureAdmin
from measures.models import Measure

from . import roles, workbook


class MeasureExportAdmin(MeasureAdmin):
    actions = (*(MeasureAdmin.actions or ()), "export_progress")

    @admin.action(description="選択した施策の進捗をExcelで出力", permissions=("export",))
    def export_progress(self, request, queryset):
        try:
            export = workbook.export_of_selection(queryset)
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        return workbook.progress_workbook_response(export)

    def has_export_permission(self, request):
        return request.user.has_perm(roles.EXPORT_PERMISSION)


admin.site.unregister(Measure)
admin.site.register(Measure, MeasureExportAdmin)
