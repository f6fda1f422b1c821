from django.db import migrations

from bunkyo.roles import sync_groups_migration


class Migration(migrations.Migration):
    """The fourth role, 所管課担当, and the secretariat's permissions on collection rounds."""

    dependencies = [
        ("bunkyo", "0004_throttle_cache"),
        ("rounds", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_groups_migration, migrations.RunPython.noop)]
