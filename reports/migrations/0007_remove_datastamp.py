"""Drops the data's token (reports.DataStamp) and the triggers that replaced it on every write.

/reports/print/ no longer keeps its rendered report, so nothing reads the token, and every write
to the plan's 21 tables stops waiting on its one row. Backwards, 0002's own functions put the
table, its row, the PostgreSQL function and every trigger back as they were.
"""

from importlib import import_module

from django.db import migrations

datastamp = import_module("reports.migrations.0002_datastamp")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_progressimport_nothing_to_register"),
        # The tables the triggers are on, as they stand now: dropped before any later change to them.
        ("measures", "0010_filter_indexes"),
        ("schedule", "0008_flow_position_and_calendar_feed_key"),
    ]

    operations = [
        migrations.RunPython(datastamp.drop, datastamp.create),
        # The model is unmanaged: this only forgets it, the table went with the triggers above.
        migrations.DeleteModel(name="DataStamp"),
    ]
