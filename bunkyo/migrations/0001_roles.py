from django.db import migrations

from bunkyo.roles import sync_groups_migration


class Migration(migrations.Migration):
    """The three roles: 事務局 edits everything, 管理職 and 議会 read (plus their reports)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("measures", "0001_initial"),
        ("schedule", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_groups_migration, migrations.RunPython.noop)]
