from django.apps import AppConfig


class BunkyoConfig(AppConfig):
    name = "bunkyo"
    verbose_name = "文京区官民データ活用推進計画"
