from django.apps import AppConfig


class OpendataConfig(AppConfig):
    """The published plans as open data: CSV and JSON downloads, the /opendata/ page, the DCAT catalogue."""

    name = "opendata"
    verbose_name = "オープンデータ"
