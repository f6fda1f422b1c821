from django.db import migrations, models


class Migration(migrations.Migration):
    """Round.departments: the departments asked, through the answers that already exist. No column
    and no table: state only (SQLite would otherwise rebuild the rounds table for nothing)."""

    dependencies = [
        ("measures", "0011_report_accepted_by"),
        ("rounds", "0002_notification_claimed_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="round",
                    name="departments",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="rounds.Answer",
                        to="measures.department",
                        verbose_name="照会する所管課",
                    ),
                ),
            ]
        ),
    ]
