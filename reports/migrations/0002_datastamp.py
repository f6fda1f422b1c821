"""The data's token (reports.models.DataStamp) and the triggers that replace it on every write.

The table is made here, not by Django (the model is unmanaged: a flush leaves its one row alone).
SQLite: one trigger per table and kind of write, run for each row. PostgreSQL: one trigger per
table for each statement, TRUNCATE included. Both in the writer's transaction, so a reader sees
the new token exactly when it sees the new data.

The list of tables is frozen here, as a migration must be. A later migration that adds a table to
measures or schedule, or that makes SQLite rebuild one (altering a column does: the triggers go
with the old table), must add the triggers again with ``install``/``uninstall`` below;
tests/test_print_cache.py fails until it does.
"""

from django.db import migrations, models

TABLES = (
    "measures_plan",
    "measures_department",
    "measures_keyword",
    "measures_technology",
    "measures_purpose_keywords",
    "measures_purpose_technologies",
    "measures_purpose",
    "measures_measure_departments",
    "measures_measure_keywords",
    "measures_measure_technologies",
    "measures_measure",
    "measures_annualtarget",
    "measures_progressstatus",
    "measures_evaluationscale",
    "measures_evaluationgrade",
    "measures_progressreport",
    "schedule_body",
    "schedule_phase",
    "schedule_scheduleditem",
    "schedule_publiccommentperiod",
    "schedule_calendarfeedkey",
)

SQLITE_NEW_TOKEN = "lower(hex(randomblob(16)))"
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION reports_datastamp_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reports_datastamp SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
    RETURN NULL;
END
$$
"""


def install(schema_editor, tables) -> None:
    """The triggers that replace the token on every write to ``tables``."""
    execute, quote = schema_editor.execute, schema_editor.quote_name
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            execute(
                f"CREATE TRIGGER {quote('datastamp_' + table)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION reports_datastamp_touch()"
            )
        else:
            for event in ("insert", "update", "delete"):
                execute(
                    f"CREATE TRIGGER {quote(f'datastamp_{table}_{event}')} AFTER {event.upper()} ON {quote(table)} "
                    f"BEGIN UPDATE reports_datastamp SET token = {SQLITE_NEW_TOKEN} WHERE id = 1; END"
                )


def uninstall(schema_editor, tables) -> None:
    execute, quote = schema_editor.execute, schema_editor.quote_name
    for table in tables:
        if schema_editor.connection.vendor == "postgresql":
            execute(f"DROP TRIGGER IF EXISTS {quote('datastamp_' + table)} ON {quote(table)}")
        else:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {quote(f'datastamp_{table}_{event}')}")


def create(apps, schema_editor):
    execute = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        execute("CREATE TABLE reports_datastamp (id smallint PRIMARY KEY, token varchar(64) NOT NULL)")
        execute("INSERT INTO reports_datastamp (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))")
        execute(POSTGRES_FUNCTION)
    else:
        execute("CREATE TABLE reports_datastamp (id integer NOT NULL PRIMARY KEY, token varchar(64) NOT NULL)")
        execute(f"INSERT INTO reports_datastamp (id, token) VALUES (1, {SQLITE_NEW_TOKEN})")
    install(schema_editor, TABLES)


def drop(apps, schema_editor):
    uninstall(schema_editor, TABLES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS reports_datastamp_touch()")
    schema_editor.execute("DROP TABLE IF EXISTS reports_datastamp")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("measures", "0010_filter_indexes"),
        ("schedule", "0008_flow_position_and_calendar_feed_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataStamp",
            fields=[
                ("id", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "データの版",
                "verbose_name_plural": "データの版",
                "db_table": "reports_datastamp",
                "managed": False,
            },
        ),
        migrations.RunPython(create, drop),
    ]
