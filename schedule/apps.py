from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "schedule"
    verbose_name = "策定スケジュール"

    def ready(self):
        # A plan may not shrink its period away from the drafting schedule it shows (Plan.clean);
        # measures cannot import schedule, so it asks through core.year_records.
        from core.references import record_cleared
        from core.year_records import register_year_counter

        from .models import ScheduledItem
        from .selectors import schedule_counts_by_year

        register_year_counter(schedule_counts_by_year)
        # Deleting a phase empties it on its items (SET_NULL); each item records that in its history.
        record_cleared(ScheduledItem.phase.field)
