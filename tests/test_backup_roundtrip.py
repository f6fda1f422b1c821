"""docs/operations.md's backup: dumpdata, then loaddata into an empty database, and every object survives."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from .factories import add_report, seed_plan

# What docs/operations.md backs up: both apps and the accounts (permissions are re-created by migrate).
APPS = ("measures", "schedule", "auth")


def _value(value) -> str:
    # Django's JSON serializer keeps times to the millisecond (docs/operations.md says so).
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return str(value)


def _snapshot():
    """Every row of both apps (history included) by value, and the accounts by their natural keys."""
    snapshot = {}
    for app in ("measures", "schedule"):
        for model in apps.get_app_config(app).get_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            rows = model._base_manager.order_by("pk").values_list(*fields)
            snapshot[model._meta.label] = [tuple(_value(v) for v in row) for row in rows]
            for m2m in model._meta.many_to_many:
                through = m2m.remote_field.through
                snapshot[f"{model._meta.label}.{m2m.name}"] = sorted(
                    through.objects.values_list(m2m.m2m_column_name(), m2m.m2m_reverse_name())
                )
    # Permission ids are re-created by migrate, so accounts are compared by name and codename.
    snapshot["users"] = sorted(
        (u.username, u.password, u.is_staff, u.last_name, tuple(sorted(g.name for g in u.groups.all())))
        for u in get_user_model().objects.all()
    )
    snapshot["groups"] = sorted(
        (g.name, tuple(sorted(g.permissions.values_list("codename", flat=True)))) for g in Group.objects.all()
    )
    return snapshot


@pytest.mark.django_db(transaction=True)
def test_dump_and_load_keeps_every_object(tmp_path, secretariat):
    call_command("load_plan", demo=True, verbosity=0)
    measure = seed_plan().measures.get(number=1)

    add_report(
        measure, 2021, date(2021, 12, 1), narrative="改行を含む\n取組実績 & <記号>", author=secretariat
    )
    before = _snapshot()
    assert sum(len(rows) for rows in before.values()) > 200

    backup = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        *APPS,
        "--natural-foreign",
        "--exclude=auth.permission",
        "--indent=1",
        output=str(backup),
        verbosity=0,
    )
    call_command("flush", interactive=False, verbosity=0)
    assert _snapshot() != before
    call_command("loaddata", str(backup), verbosity=0, stdout=StringIO())
    assert _snapshot() == before
