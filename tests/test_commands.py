"""make run's steps: loading the plan twice duplicates nothing; demo accounts are printed and sign in."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from measures.models import AnnualTarget, Measure, Plan, ProgressReport
from schedule.models import ScheduledItem


def _counts():
    return (
        Plan.objects.count(),
        Measure.objects.count(),
        ScheduledItem.objects.count(),
        AnnualTarget.objects.count(),
        ProgressReport.objects.count(),
    )


@pytest.mark.django_db
def test_loading_the_plan_twice_duplicates_nothing_and_keeps_the_secretariats_edits():
    call_command("load_plan", demo=True, stdout=StringIO())
    first = _counts()
    assert first == (1, 5, 14, 15, 30)
    Measure.objects.filter(number=1).update(title="事務局が直したタイトル")
    out = StringIO()
    call_command("load_plan", demo=True, stdout=out)
    assert _counts() == first
    assert Measure.objects.get(number=1).title == "事務局が直したタイトル"
    assert "計画はすでに登録されています。" in out.getvalue()


@pytest.mark.django_db
def test_demo_accounts_are_created_once_per_role_and_sign_in(settings, rf):
    settings.DEBUG = True
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    call_command("create_demo_users", stdout=StringIO())
    text = out.getvalue()
    for username, password, role in (
        ("jimukyoku", "demo-jimukyoku", "事務局"),
        ("kanrishoku", "demo-kanrishoku", "管理職"),
        ("gikai", "demo-gikai", "議会"),
    ):
        assert username in text and password in text
        user = authenticate(rf.post("/accounts/login/"), username=username, password=password)
        assert user is not None
        assert [g.name for g in user.groups.all()] == [role]
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.count() == 3
    assert get_user_model().objects.get(username="jimukyoku").is_staff
    from core.users import display_name_with_affiliation

    secretariat = get_user_model().objects.get(username="jimukyoku")
    assert display_name_with_affiliation(secretariat) == "情報政策課 文京 花子"


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true の開発環境でのみ"):
        call_command("create_demo_users", stdout=StringIO())
