"""make run's steps: loading the plan twice duplicates nothing; demo accounts are printed and sign in."""

import json
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from bunkyo.management.commands.load_plan import SEED
from measures.models import AnnualTarget, Measure, Plan, ProgressReport
from measures.services import plan_adopt
from schedule.models import PublicCommentPeriod, ScheduledItem


def _counts():
    return (
        Plan.objects.count(),
        Measure.objects.count(),
        ScheduledItem.objects.count(),
        AnnualTarget.objects.count(),
        ProgressReport.objects.count(),
    )


@pytest.mark.django_db
def test_loading_the_plan_twice_duplicates_nothing_and_keeps_the_secretariats_edits(capsys):
    call_command("load_plan", demo=True, stdout=StringIO())
    assert capsys.readouterr().err == "", "make run prints nothing but its own Japanese lines"
    first = _counts()
    assert first == (1, 5, 14, 15, 30)
    Measure.objects.filter(number=1).update(title="事務局が直したタイトル")
    out, err = StringIO(), StringIO()
    call_command("load_plan", demo=True, stdout=out, stderr=err)
    assert _counts() == first
    assert Measure.objects.get(number=1).title == "事務局が直したタイトル"
    assert "計画はすでに登録されています。" in out.getvalue()


@pytest.mark.django_db
def test_demo_accounts_are_created_once_per_role_and_sign_in(settings, rf):
    settings.DEBUG = True
    out = StringIO()
    call_command("create_demo_users", url="http://192.0.2.10:8080/", stdout=out)
    call_command("create_demo_users", stdout=StringIO())
    text = out.getvalue()
    assert "デモアカウント (http://192.0.2.10:8080/ でログイン):" in text  # make run's HOST
    for username, password, role in (
        ("jimukyoku", "demo-jimukyoku", "事務局"),
        ("kanrishoku", "demo-kanrishoku", "管理職"),
        ("gikai", "demo-gikai", "議会"),
        ("koho", "demo-koho", "所管課担当"),
    ):
        assert username in text and password in text
        user = authenticate(rf.post("/accounts/login/"), username=username, password=password)
        assert user is not None
        assert [g.name for g in user.groups.all()] == [role]
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.count() == 8  # 3 roles and 5 department staff (collection rounds)
    koho = get_user_model().objects.get(username="koho")
    assert [m.department.name for m in koho.department_memberships.all()] == ["広報課"]
    assert get_user_model().objects.get(username="jimukyoku").is_staff
    from core.users import display_name_with_affiliation

    secretariat = get_user_model().objects.get(username="jimukyoku")
    assert display_name_with_affiliation(secretariat) == "情報政策課 文京 花子"


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true の開発環境でのみ"):
        call_command("create_demo_users", stdout=StringIO())


@pytest.mark.django_db
def test_the_seed_is_the_drafting_document_and_the_demo_adopts_the_plan_after_its_schedule():
    call_command("load_plan", stdout=StringIO())
    plan = Plan.objects.get()
    assert (plan.status, plan.adopted_on, plan.published) == (Plan.Status.DRAFTING, None, False)

    call_command("load_plan", demo=True, stdout=StringIO())
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ADOPTED
    # After the last step of the FY2018 drafting schedule (the reports of February 2019 to the
    # executive meeting and the council), before the plan's first year begins.
    drafting = ScheduledItem.objects.filter(fiscal_year=plan.drafting_fiscal_year)
    last_step = max(date(item.calendar_year, item.planned_month, 1) for item in drafting)
    assert last_step == date(2019, 2, 1)
    assert last_step < plan.adopted_on < date(2019, 4, 1)
    assert plan.adopted_on == date(2019, 3, 29)
    # Saved like a change in the admin: validated, and in the plan's 変更履歴.
    created, adopted = plan.history.order_by("history_date", "history_id")
    assert (created.history_type, created.status) == ("+", Plan.Status.DRAFTING)
    assert (adopted.history_type, adopted.status, adopted.adopted_on) == ("~", "adopted", date(2019, 3, 29))
    assert adopted.history_change_reason == (
        "デモデータ: 策定済にし、オープンデータとして公開しました(策定日 平成31年3月29日)。"
    )
    # Published, so that /opendata/ has something to serve after make run, to anyone.
    assert plan.published
    from django.test import Client

    assert Client().get("/opendata/measures.csv").status_code == 200


@pytest.mark.django_db
def test_the_demo_leaves_a_plan_the_secretariat_already_adopted_as_it_is():
    call_command("load_plan", stdout=StringIO())
    plan_adopt(plan=Plan.objects.get(), adopted_on=date(2019, 3, 20))
    call_command("load_plan", demo=True, stdout=StringIO())
    plan = Plan.objects.get()
    assert (plan.status, plan.adopted_on) == (Plan.Status.ADOPTED, date(2019, 3, 20))
    assert plan.history.count() == 2


@pytest.mark.django_db
def test_adopting_a_plan_is_validated_and_a_refused_date_saves_nothing():
    call_command("load_plan", stdout=StringIO())
    plan = Plan.objects.get()
    with pytest.raises(ValidationError) as refused:
        plan_adopt(plan=plan, adopted_on=date(2017, 3, 31))
    assert "策定日は計画期間の前年度の開始日(2018/04/01)から" in str(refused.value)
    plan = Plan.objects.get()
    assert (plan.status, plan.adopted_on, plan.history.count()) == (Plan.Status.DRAFTING, None, 1)


def _schedule_as_stored() -> dict[tuple[str, int], dict]:
    """The FY2018 schedule's rows in the fixture's own terms (serialized as loaddata reads them)."""
    from django.core import serializers

    rows = serializers.serialize("json", [*ScheduledItem.objects.all(), *PublicCommentPeriod.objects.all()])
    return {(row["model"], row["pk"]): row["fields"] for row in json.loads(rows)}


@pytest.mark.django_db
def test_load_plan_alone_loads_the_schedule_exactly_as_the_seed_and_the_demo_holds_it():
    call_command("load_plan", stdout=StringIO())
    seed = {
        (row["model"], row["pk"]): row["fields"]
        for row in json.loads(SEED.read_text(encoding="utf-8"))
        if row["model"] in ("schedule.scheduleditem", "schedule.publiccommentperiod")
    }
    stored = _schedule_as_stored()
    assert set(stored) == set(seed) and len(seed) == 15
    for key, fields in seed.items():
        assert {name: stored[key][name] for name in fields} == fields, key
        assert stored[key]["version"] == 1
    assert {
        fields["status"] for (model, _), fields in stored.items() if model == "schedule.scheduleditem"
    } == {"planned"}

    call_command("load_plan", demo=True, stdout=StringIO())
    held = _schedule_as_stored()
    for (model, pk), fields in held.items():
        if model == "schedule.scheduleditem":
            assert fields["status"] == "held" and fields["actual_date"], (model, pk)
            changed = {name for name in fields if fields[name] != stored[(model, pk)][name]}
            assert changed == {"status", "actual_date", "version"}, "only the 実施日 and 状況 are added"
        else:
            assert fields["start_date"] and fields["end_date"] and fields["answers_published_on"]
