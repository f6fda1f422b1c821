"""/reports/: the manager's Excel report and the council's printable pages, one namespace."""

from django.urls import path

from . import views_excel, views_print

app_name = "reports"

urlpatterns = [
    path("", views_excel.report_page, name="index"),
    path("progress.xlsx", views_excel.progress_xlsx, name="progress_xlsx"),
    path("print/", views_print.council_report, name="print"),
    path("print/measures/<int:pk>/", views_print.measure_report, name="print_measure"),
]
