"""Personas and data shared by the tests.

The people: ``secretariat`` (事務局) keeps the data, ``manager`` (管理職) downloads reports,
``council`` (議会) reads and prints, ``superuser`` is the system administrator.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from bunkyo import roles

ROOT = Path(__file__).resolve().parent.parent
# The ward's document, kept in the repository so a clone is complete on its own.
SEED_DOCUMENT = ROOT / "fixtures" / "source" / "bunkyo_data_plan_drafting_2018.txt"
# The copy shared with the project team, beside the clone when there is one.
SHARED_SEED_DOCUMENT = ROOT.parent / "shared" / "seed" / "000_76c39d973e79e469.txt"


@pytest.fixture
def role_groups(db):
    """The three roles, as the data migration makes them.

    A transactional test (live server, backup round trip) ends with a flush that removes
    what migrations created, so the roles are put back here when they are missing.
    """
    from django.apps import apps

    if Group.objects.filter(name__in=roles.ALL_ROLES).count() < len(roles.ALL_ROLES):
        roles.sync_groups(apps)


def _user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def secretariat(role_groups, django_user_model):
    return _user(django_user_model, "jimu", roles.SECRETARIAT, is_staff=True, last_name="事務局 太郎")


@pytest.fixture
def manager(role_groups, django_user_model):
    return _user(django_user_model, "kacho", roles.MANAGERS, last_name="管理 花子")


@pytest.fixture
def council(role_groups, django_user_model):
    return _user(django_user_model, "giin", roles.COUNCIL, last_name="議会 次郎")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="pw-root")


@pytest.fixture
def seeded(db):
    """The ward's plan and FY2018 schedule, exactly as make run loads it."""
    call_command("load_plan", verbosity=0)


@pytest.fixture
def demo(seeded):
    """The seed plan plus the illustrative targets and progress reports."""
    call_command("load_plan", demo=True, verbosity=0)


@pytest.fixture
def seed_document() -> str:
    return SEED_DOCUMENT.read_text(encoding="utf-8")


def count_queries(client, url) -> int:
    """The number of queries a GET of ``url`` makes (it must answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)
