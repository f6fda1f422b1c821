"""Deleting something others refer to: refused while it is in use, saying what uses it, or, where
the reference may go, recorded in the history of every object it touches. Never a silent change.

Per relation (docs/data-model.md, "Deleting"):
- 検討段階 → 会議・報告の予定: the items' phase is emptied, each item's history records it;
- 所管課, 施策のキーワード, 使用するテクノロジー等 ↔ 施策, 計画の目的: refused while linked;
- 進捗状況 → 進捗報告, 評価基準 → 計画, 会議体 → 予定・パブリック・コメント・会議体: refused while used.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from measures.models import Department, EvaluationScale, Keyword, Measure, ProgressStatus, Purpose, Technology
from schedule.models import Body, Phase, ScheduledItem

pytestmark = pytest.mark.usefixtures("seeded")

HOW = "削除するには、先にそれらで別のものを選ぶか、外してください。"


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _delete_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def _refused(admin_client, obj, message: str) -> str:
    """The delete page says why not, and posting it deletes nothing."""
    page = admin_client.get(_delete_url(obj))
    assert page.status_code == 200
    assert message in page.content.decode()
    assert 'name="post"' not in page.content.decode()  # no button to confirm
    response = admin_client.post(_delete_url(obj), {"post": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert type(obj)._default_manager.filter(pk=obj.pk).exists()
    return body


# ---- 検討段階: the items lose their phase, and each item's history says so -----------------------


def test_deleting_a_phase_records_the_change_in_each_items_history(admin_client, secretariat):
    phase = Phase.objects.get(name="骨子検討")
    items = list(phase.items.order_by("pk"))
    assert len(items) == 4
    page = admin_client.get(_delete_url(phase)).content.decode()
    assert (
        "この検討段階を削除すると、会議・報告の予定4件の検討段階が空欄になります。それぞれの変更履歴に記録されます。"
        in page
    )

    response = admin_client.post(_delete_url(phase), {"post": "yes"})
    assert response.status_code == 302
    assert not Phase.objects.filter(pk=phase.pk).exists()
    for item in items:
        item.refresh_from_db()
        assert item.phase is None and item.version == 2
        latest = item.history.order_by("-history_date", "-history_id").first()
        assert latest.history_type == "~" and latest.history_user == secretariat
        assert latest.phase_id is None and latest.prev_record.phase_id == phase.pk
        assert (
            latest.history_change_reason == f"検討段階「{phase}」を削除したため、検討段階を空欄にしました。"
        )


def test_deleting_phases_from_the_list_records_them_too(admin_client):
    phases = list(Phase.objects.filter(name__in=["素案検討", "最終案検討・決定"]))
    affected = list(ScheduledItem.objects.filter(phase__in=phases))
    before = {item.pk: item.history.count() for item in affected}
    response = admin_client.post(
        reverse("admin:schedule_phase_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in phases], "post": "yes"},
    )
    assert response.status_code == 302
    for item in affected:
        assert item.history.count() == before[item.pk] + 1


# ---- links that carry meaning: refused while in use ---------------------------------------------


def test_a_department_that_measures_name_cannot_be_deleted(admin_client):
    department = Department.objects.get(name="情報政策課")
    linked = set(department.measures.values_list("pk", flat=True))
    assert len(linked) == 4
    page = _refused(
        admin_client, department, f"所管課「情報政策課」は施策4件で使われているため削除できません。{HOW}"
    )
    assert "1. 行政手続におけるオンライン化(電子申請)の推進" in page
    assert set(department.measures.values_list("pk", flat=True)) == linked


def test_a_keyword_of_a_purpose_and_a_measure_cannot_be_deleted(admin_client):
    keyword = Keyword.objects.get(name="オープンデータ")
    _refused(
        admin_client,
        keyword,
        f"施策のキーワード「オープンデータ」は計画の目的1件・施策1件で使われているため削除できません。{HOW}",
    )
    assert keyword.purposes.count() == 1 and keyword.measures.count() == 1


def test_a_technology_in_use_cannot_be_deleted(admin_client):
    technology = Technology.objects.get(name="RPA")
    _refused(
        admin_client,
        technology,
        f"使用するテクノロジー等「RPA」は計画の目的1件・施策1件で使われているため削除できません。{HOW}",
    )


def test_an_unused_keyword_is_deleted(admin_client):
    keyword = Keyword.objects.create(name="使われていないキーワード")
    assert admin_client.post(_delete_url(keyword), {"post": "yes"}).status_code == 302
    assert not Keyword.objects.filter(pk=keyword.pk).exists()


def test_departments_in_use_cannot_be_deleted_from_the_list_either(admin_client):
    departments = list(Department.objects.all())
    response = admin_client.post(
        reverse("admin:measures_department_changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in departments], "post": "yes"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "選んだ項目の中に、次の項目で使われているものがあるため削除できません。" in page
    assert Department.objects.count() == len(departments)


def test_the_model_refuses_it_whatever_deletes_it():
    department = Department.objects.get(name="情報政策課")
    with pytest.raises(ProtectedError) as excinfo, transaction.atomic():
        department.delete()
    assert "所管課「情報政策課」は施策4件で使われているため削除できません。" in str(excinfo.value.args[0])
    assert department.measures.count() == 4
    with pytest.raises(ProtectedError), transaction.atomic():
        Keyword.objects.filter(name="BPR").delete()
    assert Measure.objects.filter(keywords__name="BPR").exists()


# ---- foreign keys that were already protected now say so plainly --------------------------------


@pytest.mark.usefixtures("demo")
def test_a_status_that_reports_use_cannot_be_deleted(admin_client):
    status = ProgressStatus.objects.get(name="実施中")
    count = status.reports.count()
    _refused(
        admin_client,
        status,
        f"進捗状況「○ 実施中」は進捗報告{count}件で使われているため削除できません。{HOW}",
    )


def test_a_scale_that_a_plan_uses_cannot_be_deleted(admin_client):
    scale = EvaluationScale.objects.get()
    _refused(
        admin_client,
        scale,
        f"評価基準「達成率による評価(A・B・C・D・−)」は計画1件で使われているため削除できません。{HOW}",
    )
    assert scale.grades.count() == 5


def test_a_body_in_use_cannot_be_deleted(admin_client):
    body = Body.objects.get(name="IT・情報セキュリティ委員会")
    _refused(
        admin_client,
        body,
        f"会議体「IT・情報セキュリティ委員会」は会議体1件・会議・報告の予定4件で使われているため削除できません。{HOW}",
    )


def test_a_purpose_with_measures_cannot_be_deleted(admin_client):
    purpose = Purpose.objects.get(code="ウ")
    body = _refused(admin_client, purpose, "は施策3件で使われているため削除できません。")
    assert "計画の目的「ウ " in body


def test_a_plan_whose_purposes_are_in_use_is_kept_and_told_why(admin_client):
    from measures.models import Plan

    plan = Plan.objects.get()
    body = _refused(
        admin_client,
        plan,
        f"計画「{plan}」は、一緒に削除される項目がほかのデータで使われているため削除できません。"
        "下の一覧の項目を先に別のものに付け替えるか、削除してください。",
    )
    assert "はで使われている" not in body
    assert "施策: " in body  # the measures that keep the plan's purposes are listed


def test_a_user_who_authored_reports_is_kept_and_told_why(client, superuser, secretariat):
    from datetime import date

    from .factories import add_report

    add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30), author=secretariat)
    client.force_login(superuser)
    # The report's own history entry names its author too (measures.services.progress_reports_create).
    _refused(
        client,
        secretariat,
        f"ユーザー「jimu」は進捗報告1件・変更履歴1件に記録されているため削除できません。{RETIRE}",
    )


RETIRE = (
    "削除すると、記録から誰が行ったかが消えてしまいます。使わなくなったアカウントは、"
    "ユーザーの変更画面で「有効」のチェックを外して無効にしてください(サインインできなくなります)。"
)


def test_a_user_named_in_the_change_history_is_kept_so_the_history_keeps_its_names(
    client, superuser, secretariat
):
    department = Department.objects.get(name="情報政策課")
    department.division = "総務部"
    department._history_user = secretariat  # as the admin records who saved
    department.save()
    client.force_login(superuser)
    _refused(
        client, secretariat, f"ユーザー「jimu」は変更履歴1件に記録されているため削除できません。{RETIRE}"
    )
    assert department.history.filter(history_user=secretariat).exists()


def test_a_user_named_nowhere_is_deleted(client, superuser, django_user_model):
    newcomer = django_user_model.objects.create_user("shinjin", password="pw")
    client.force_login(superuser)
    response = client.post(_delete_url(newcomer), {"post": "yes"})
    assert response.status_code == 302
    assert not django_user_model.objects.filter(username="shinjin").exists()


def test_every_relation_that_could_drop_a_reference_silently_is_decided():
    """A new many-to-many or SET_NULL relation must say what deleting its target does (core.references)."""
    from django.apps import apps
    from django.db import models

    from core.references import protected_links_of, recorded_fields_of

    for app in ("measures", "schedule"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for field in model._meta.get_fields():
                if field.many_to_many and not field.auto_created:
                    assert field in protected_links_of(field.remote_field.model), field
                elif field.many_to_one and field.concrete and field.remote_field.on_delete is models.SET_NULL:
                    assert field in recorded_fields_of(field.remote_field.model), field
