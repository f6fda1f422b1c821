from django.db import migrations

from bunkyo.roles import sync_groups_migration


class Migration(migrations.Migration):
    """Re-sync the roles for the history models (the secretariat reads the change history)."""

    dependencies = [
        ("bunkyo", "0001_roles"),
        ("measures", "0002_history_versions_withdrawal"),
        ("schedule", "0002_history_versions"),
    ]

    operations = [migrations.RunPython(sync_groups_migration, migrations.RunPython.noop)]
