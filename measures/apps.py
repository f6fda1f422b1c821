from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "計画・施策・進捗"

    def ready(self):
        from core.publication import register_public_years
        from core.references import protect_links

        from .models import Measure, Purpose
        from .selectors import published_schedule_years

        # Anyone may read the drafting schedule that a published plan shows (schedule/api.py).
        register_public_years(published_schedule_years)

        # Each link carries meaning — who is responsible (所管課), the plan's own イメージ図
        # (キーワード, テクノロジー) — and the history records no many-to-many change: deleting a
        # department, keyword or technology in use is refused, saying what uses it.
        protect_links(
            Measure.departments.field,
            Measure.keywords.field,
            Measure.technologies.field,
            Purpose.keywords.field,
            Purpose.technologies.field,
        )
