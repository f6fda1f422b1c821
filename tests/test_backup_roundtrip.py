"""docs/operations.md's backup, run as written: its commands back up a database with something in
every table, an emptied database is restored from the file, and every row of every table is back.

The commands are read from the document (the sh block of "## Backups" with `dumpdata`), so the
document cannot drift from what is tested. Every table of the database is compared, except the
ones listed in LEFT_OUT, each of which the document names and says why.
"""

from __future__ import annotations

import json
import re
import shlex
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bunkyo import roles

from .conftest import ROOT
from .factories import add_report, seed_plan

OPERATIONS = ROOT / "docs" / "operations.md"

# What the backup leaves out on purpose, and why; docs/operations.md says the same.
LEFT_OUT = {
    "contenttypes.ContentType": "migrate re-creates them; the backup names them by their natural keys",
    "auth.Permission": "migrate re-creates them; groups and users name them by app and codename",
    "sessions.Session": "sign-ins, not data: everyone signs in again after a restore",
    "axes.AccessAttempt": "the sign-in lock-outs, which last AXES_COOLOFF_MINUTES",
    "axes.AccessAttemptExpiration": "the sign-in lock-outs' expiry times",
    "reports.WorkbookJob": "a background workbook's request lives 24 hours, and its file is not in the backup",
    "django_tasks_database.DBTaskResult": "the worker's queue of those workbooks and of the uploads to read",
    "rounds.ProgressImportFile": "an upload's files live only until the worker has read them, seconds",
}


def _left_out_tables() -> set[str]:
    """Tables that belong to no model: migrate's own record, and Django's database caches (counts
    that expire within minutes; `createcachetable` makes their tables)."""
    from django.conf import settings
    from django.core.cache.backends.db import DatabaseCache
    from django.utils.module_loading import import_string

    caches = {
        cache["LOCATION"]
        for cache in settings.CACHES.values()
        if issubclass(import_string(cache["BACKEND"]), DatabaseCache)
    }
    return {"django_migrations", *caches}


def backup_commands() -> list[list[str]]:
    """The manage.py commands of the Backups section's sh block with dumpdata, each as its arguments."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = re.search(r"^## Backups\n(.*?)(?=^## )", text, re.M | re.S).group(1)
    (block,) = [b for b in re.findall(r"^```sh\n(.*?)^```", section, re.M | re.S) if "dumpdata" in b]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[:2] == [".venv/bin/python", "manage.py"], line
            commands.append(words[2:])
    return commands


def _compared_models() -> list:
    """Every model with a table of its own that the backup keeps (many-to-many tables included)."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label not in LEFT_OUT
    ]


def _value(value) -> str:
    # Django's JSON serializer keeps times to the millisecond (docs/operations.md says so).
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every kept table, by value. Content types and permissions, which migrate numbers
    afresh, by their natural keys; a many-to-many row without its id, which the restore draws again."""
    renamed = {
        ContentType: {ct.pk: ct.natural_key() for ct in ContentType.objects.all()},
        Permission: {
            p.pk: (p.content_type.app_label, p.codename)
            for p in Permission.objects.select_related("content_type")
        },
    }
    snapshot = {}
    for model in _compared_models():
        fields = [f for f in model._meta.concrete_fields if not (model._meta.auto_created and f.primary_key)]
        names = {f.attname: renamed.get(f.related_model) for f in fields}
        rows = model._base_manager.values_list(*names)
        snapshot[model._meta.label] = sorted(
            tuple(_value(keys.get(v, v) if keys else v) for v, keys in zip(row, names.values(), strict=True))
            for row in rows
        )
    return snapshot


def _something_in_every_table(secretariat, council, client):
    """What the ward's people make, beyond the plan: every kept table gets a row."""
    from axes.models import AccessFailureLog, AccessLog
    from rest_framework.authtoken.models import Token

    from bunkyo.models import StaffProfile
    from rounds.models import ProgressImport, ProgressImportFile
    from schedule.services import calendar_feed_key_reset

    call_command("load_plan", demo=True, verbosity=0)
    plan = seed_plan()
    measure = plan.measures.get(number=1)
    add_report(
        measure, 2021, date(2021, 12, 1), narrative="改行を含む\n取組実績 & <記号>", author=secretariat
    )
    # A change of each kind of object, so that every history table has a row.
    for model in apps.get_models():
        if hasattr(model, "history") and (obj := model._base_manager.order_by("pk").first()):
            obj.save()
    StaffProfile.objects.create(user=secretariat, affiliation="情報政策課")
    council.user_permissions.add(Permission.objects.get(codename="view_measure"))
    calendar_feed_key_reset(user=council)
    Token.objects.create(user=secretariat)
    ProgressImport.objects.create(
        plan=plan,
        fiscal_year=2021,
        uploaded_by=secretariat,
        state=ProgressImport.State.IMPORTED,
        files=[{"name": "進捗_情報政策課.xlsx", "sha256": "0" * 64}],
        reports=[{"measure_id": measure.pk, "narrative": "取込んだ実績"}],
        problems=[{"row": 4, "message": "施策IDが見つかりません。"}],
        unchanged_count=3,
        imported_at=timezone.now(),
        report_count=1,
    )
    # An upload whose file the worker has not read yet: left out of the backup, so give it a row.
    waiting = ProgressImport.objects.create(
        plan=plan, fiscal_year=2021, uploaded_by=secretariat, files=[{"name": "読込待ち.xlsx"}]
    )
    ProgressImportFile.objects.create(
        upload=waiting, position=0, name="読込待ち.xlsx", size=4, content=b"PK\3\4"
    )
    LogEntry.objects.create(
        user=secretariat,
        content_type=ContentType.objects.get_for_model(measure),
        object_id=str(measure.pk),
        object_repr=str(measure),
        action_flag=CHANGE,
        change_message="施策名を変更しました。",
    )
    assert client.post("/accounts/login/", {"username": "jimu", "password": "pw-jimu"}).status_code == 302
    assert AccessLog.objects.exists()
    AccessFailureLog.objects.create(
        username="jimu", ip_address="192.0.2.1", user_agent="test", locked_out=False
    )
    # The collection rounds (rounds/): the demo's, made through the services by the demo accounts, so
    # that the department members, rounds, answers, rows, moves, notifications and their history
    # all have rows. Both commands are the demo's, refused unless DEBUG is on.
    with override_settings(DEBUG=True):
        call_command("create_demo_users", stdout=StringIO())
        call_command("load_demo_rounds", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_documented_backup_restores_every_table(tmp_path, monkeypatch, secretariat, council, client):
    _something_in_every_table(secretariat, council, client)
    # A role once deleted and made again (as `migrate` would make it): its id is no longer the one a
    # fresh migrate gives it, and the restore must bring it back with its own.
    council_role = council.groups.get()
    council_role.delete()
    roles.sync_groups(apps)
    council.groups.add(Group.objects.get(name=council_role.name))
    before = _snapshot()
    empty = sorted(label for label, rows in before.items() if not rows)
    assert not empty, f"give these tables a row, so that the test sees them restored: {empty}"

    # Every table is either compared or left out on purpose, and the document says why.
    tables = set(connection.introspection.table_names())
    left_out = {apps.get_model(label)._meta.db_table for label in LEFT_OUT} | _left_out_tables()
    assert tables == {m._meta.db_table for m in _compared_models()} | left_out
    section = OPERATIONS.read_text(encoding="utf-8").split("## Backups", 1)[1].split("\n## ", 1)[0]
    for label in LEFT_OUT:
        assert f"`{label.lower()}`" in section, f"docs/operations.md does not say why {label} is left out"

    monkeypatch.chdir(tmp_path)
    commands = backup_commands()
    dump, *restore = commands
    assert dump[0] == "dumpdata" and restore[0][0] == "migrate" and restore[-1][0] == "loaddata", commands
    call_command(*dump, verbosity=0)

    backed_up = {obj["model"] for obj in json.loads((tmp_path / "backup.json").read_text(encoding="utf-8"))}
    assert not backed_up & {label.lower() for label in LEFT_OUT}

    # An empty database, freshly migrated: the flush empties every table, and the roles (which the
    # migration makes) are put back as migrate makes them.
    call_command("flush", interactive=False, verbosity=0)
    roles.sync_groups(apps)
    assert _snapshot() != before
    for command in restore:
        call_command(*command, verbosity=0, stdout=StringIO())
    assert _snapshot() == before
