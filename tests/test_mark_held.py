"""実施済 needs a 実施日: from the form, the model, the database and the list action."""

from datetime import date

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from schedule.models import ScheduledItem

from .page_text import parse

pytestmark = pytest.mark.usefixtures("seeded")

MISSING_DATE = "実施済にするときは実施日を入力してください。"
CHANGELIST = reverse("admin:schedule_scheduleditem_changelist")


def _item(body, month):
    return ScheduledItem.objects.get(body__name=body, fiscal_year=2018, planned_month=month)


def _form_data(item, **extra):
    return {
        "body": item.body_id,
        "kind": item.kind,
        "fiscal_year": "2018",
        "planned_month": str(item.planned_month),
        "status": "held",
        "subject": item.subject,
        "phase": item.phase_id or "",
        "notes": "",
        "version": item.version,
        **extra,
    }


def test_the_form_refuses_held_without_an_actual_date_beside_the_field(client, secretariat):
    item = _item("IT・情報セキュリティ委員会", 4)
    client.force_login(secretariat)
    url = reverse("admin:schedule_scheduleditem_change", args=[item.pk])
    response = client.post(url, _form_data(item, actual_date=""))
    assert response.status_code == 200
    field = parse(response.content).find("div", cls="field-actual_date")
    assert MISSING_DATE in field.find("ul", cls="errorlist").text
    item.refresh_from_db()
    assert item.status == "planned" and item.version == 1

    response = client.post(url, _form_data(item, actual_date="2018/04/20"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "held" and item.actual_date == date(2018, 4, 20)


def test_the_model_and_the_database_refuse_held_without_an_actual_date():
    item = _item("IT・情報セキュリティ委員会", 4)
    item.status = ScheduledItem.Status.HELD
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert refused.value.message_dict["actual_date"] == [MISSING_DATE]
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduledItem.objects.filter(pk=item.pk).update(status=ScheduledItem.Status.HELD)


def test_the_list_action_uses_the_planned_date_says_so_and_leaves_items_with_no_date(client, secretariat):
    dated = _item("IT・情報セキュリティ委員会", 4)  # held on the day it was planned
    dated.planned_date = date(2018, 4, 20)
    dated.save()
    postponed = _item("IT・情報セキュリティ委員会", 7)  # its actual date is kept
    postponed.status, postponed.actual_date = ScheduledItem.Status.POSTPONED, date(2018, 8, 3)
    postponed.save()
    undated = _item("IT・情報セキュリティ部会", 5)  # neither date: not marked
    client.force_login(secretariat)
    response = client.post(
        CHANGELIST,
        {"action": "mark_held", "_selected_action": [dated.pk, postponed.pk, undated.pk]},
        follow=True,
    )
    messages = [li.text for li in parse(response.content).find("ul", cls="messagelist").find_all("li")]
    assert messages[0] == (
        "2件を実施済にしました。実施日が空欄だった次の1件は、予定日を実施日にしました:"
        " IT・情報セキュリティ委員会 平成30年度(2018年度) 4月(予定日 2018/04/20)"
    )
    assert messages[1] == (
        "次の1件は実施日も予定日もないため、実施済にしていません。"
        "各予定の画面で実施日を入力してから実施済にしてください:"
        " IT・情報セキュリティ部会 平成30年度(2018年度) 5月"
    )
    for item, actual in ((dated, date(2018, 4, 20)), (postponed, date(2018, 8, 3))):
        item.refresh_from_db()
        assert (item.status, item.actual_date) == ("held", actual)
        latest = item.history.order_by("-history_date").first()
        assert latest.history_user == secretariat and latest.status == "held"
    undated.refresh_from_db()
    assert (undated.status, undated.actual_date, undated.version) == ("planned", None, 1)

    entries = LogEntry.objects.filter(user=secretariat, action_flag=CHANGE)
    assert sorted(int(e.object_id) for e in entries) == sorted([dated.pk, postponed.pk])
    by_item = {int(e.object_id): e.get_change_message() for e in entries}
    assert "状況" in by_item[dated.pk] and "実施日" in by_item[dated.pk]
    assert "状況" in by_item[postponed.pk] and "実施日" not in by_item[postponed.pk]
    recent = parse(client.get(reverse("admin:index")).content).find("div", id="recent-actions-module").text
    assert str(dated) in recent and str(postponed) in recent and str(undated) not in recent


def test_the_list_action_with_only_undated_items_marks_nothing_and_says_why(client, secretariat):
    undated = _item("IT・情報セキュリティ部会", 5)
    client.force_login(secretariat)
    response = client.post(CHANGELIST, {"action": "mark_held", "_selected_action": [undated.pk]}, follow=True)
    messages = [li.text for li in parse(response.content).find("ul", cls="messagelist").find_all("li")]
    assert messages == [
        "次の1件は実施日も予定日もないため、実施済にしていません。"
        "各予定の画面で実施日を入力してから実施済にしてください:"
        " IT・情報セキュリティ部会 平成30年度(2018年度) 5月"
    ]
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


def _tomorrows_item() -> ScheduledItem:
    """An item planned for tomorrow, in tomorrow's fiscal year (whatever today is)."""
    from datetime import timedelta

    from django.utils import timezone

    from core import fiscal

    tomorrow = timezone.localdate() + timedelta(days=1)
    item = _item("IT・情報セキュリティ委員会", 4)
    item.pk = None
    item._state.adding = True
    item.phase = None
    item.fiscal_year = fiscal.fiscal_year_of(tomorrow)
    item.planned_month, item.planned_date = tomorrow.month, tomorrow
    item.save()
    return item


def test_held_with_a_future_actual_date_is_refused_beside_the_field(client, secretariat):
    from django.utils import timezone

    item = _tomorrows_item()
    client.force_login(secretariat)
    data = _form_data(item, fiscal_year=str(item.fiscal_year), actual_date=f"{item.planned_date:%Y/%m/%d}")
    response = client.post(reverse("admin:schedule_scheduleditem_change", args=[item.pk]), data)
    assert response.status_code == 200
    row = parse(response.content).find("div", cls="field-actual_date")
    today = timezone.localdate()
    assert (
        f"実施済の予定の実施日に先の日付は入力できません。今日({today:%Y/%m/%d})までの日付にしてください。"
        in row.text
    )
    item.refresh_from_db()
    assert (item.status, item.actual_date) == ("planned", None)


def test_the_list_action_does_not_mark_an_item_planned_for_a_later_day(client, secretariat):
    item = _tomorrows_item()
    client.force_login(secretariat)
    response = client.post(CHANGELIST, {"action": "mark_held", "_selected_action": [item.pk]}, follow=True)
    messages = " ".join(
        li.text for li in parse(response.content).find("ul", cls="messagelist").find_all("li")
    )
    assert "次の1件は実施済にできませんでした" in messages and "実施日に先の日付は入力できません" in messages
    item.refresh_from_db()
    assert (item.status, item.actual_date) == ("planned", None)
