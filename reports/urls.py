"""/reports/: the manager's Excel report and the council's printable pages, one namespace."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="index"),
    path("progress.xlsx", views.progress_xlsx, name="progress_xlsx"),
    path("print/", views.council_report, name="print"),
    path("print/measures/<int:pk>/", views.measure_report, name="print_measure"),
]
