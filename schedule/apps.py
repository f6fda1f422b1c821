from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "schedule"
    verbose_name = "策定スケジュール"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, pre_delete, pre_save

        from core.references import record_cleared
        from core.year_records import register_year_counter

        from . import receivers
        from .models import ScheduledItem
        from .selectors import schedule_counts_by_year

        # A plan may not shrink its period away from the drafting schedule it shows (Plan.clean);
        # measures cannot import schedule, so it asks through core.year_records.
        register_year_counter(schedule_counts_by_year)
        # Deleting a phase empties it on its items (SET_NULL); each item records that in its history.
        record_cleared(ScheduledItem.phase.field)
        # A calendar subscription URL ends when its user's access changes (schedule/receivers.py).
        user = get_user_model()
        pre_save.connect(receivers.user_saving, sender=user)
        m2m_changed.connect(receivers.user_groups_changing, sender=user.groups.through)
        pre_delete.connect(receivers.group_deleting, sender=Group)
