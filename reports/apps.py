from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Everything managers and the council receive: the workbook, the printable pages, the export command."""

    name = "reports"
    verbose_name = "帳票"
