from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Building blocks that more than one app uses. No domain models; imports no other app."""

    name = "core"
    verbose_name = "共通部品"
