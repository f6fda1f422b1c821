"""/reports/: the manager's Excel report and the council's printable pages, one namespace."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="index"),
    path("progress.xlsx", views.progress_xlsx, name="progress_xlsx"),
    path("workbooks/", views.workbook_request, name="workbook_request"),
    path("workbooks/<uuid:job_id>/status.json", views.workbook_status, name="workbook_status"),
    path("workbooks/<uuid:job_id>/download", views.workbook_download, name="workbook_download"),
    path("print/", views.council_report, name="print"),
    path("print/measures/<int:pk>/", views.measure_report, name="print_measure"),
]
