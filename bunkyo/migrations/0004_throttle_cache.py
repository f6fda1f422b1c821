"""The table of the API's and the open data's request counts (CACHES["throttle"], Django's
DatabaseCache), made by migrate: a deployment that forgot `createcachetable` answered every
/api/ and /opendata/ request with a 500."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def _table() -> str:
    return settings.CACHES["throttle"]["LOCATION"]


def create_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(_table())}")


class Migration(migrations.Migration):
    dependencies = [("bunkyo", "0003_staff_profile")]

    operations = [migrations.RunPython(create_table, drop_table)]
