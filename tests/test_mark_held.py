"""実施済 needs a 実施日: from the form, the model, the database and the list action.

The list action 「選択した予定を実施済にする」 asks for the dates on a page of its own, one row per
selected item not yet 実施済, and saves all of them or none (schedule.services.scheduled_items_mark_held).
"""

from datetime import date, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core import fiscal
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


def _tomorrows_item() -> ScheduledItem:
    """An item planned for tomorrow, in tomorrow's fiscal year (whatever today is)."""
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


# ---- The list action: the dates asked for on a page of its own ----------------------------------

FUTURE_DATE = "実施済の予定の実施日に先の日付は入力できません。今日({:%Y/%m/%d})までの日付にしてください。"
NOTHING_SAVED = (
    "実施済にできない予定があるため、どれも保存していません。各行の理由を確かめ、実施日を直してください。"
)


def date_input(item) -> str:
    """The name of an item's date input on the page of dates."""
    return f"item-{item.pk}-actual_date"


def ask_for_dates(client, items):
    """The first step, as from the list: the items ticked and the action run."""
    return client.post(CHANGELIST, {"action": "mark_held", "_selected_action": [item.pk for item in items]})


def submitted(page, typed: dict) -> dict:
    """What the page of dates sends, as a browser sends it, with ``typed`` ({item: text}) in the date inputs."""
    data: dict[str, list[str]] = {}
    for field in page.find("form", id="mark-held-form").find_all("input"):
        if field.attrs.get("name") and field.attrs.get("type") != "submit":
            data.setdefault(field.attrs["name"], []).append(field.attrs.get("value", ""))
    for item, text in typed.items():
        assert date_input(item) in data, f"the page has a date input for {item}"
        data[date_input(item)] = [text]
    return data


def mark_held_from_list(client, typed: dict):
    """Both steps: the items of ``typed`` ({item: text}) ticked, the action run, the dates typed and sent."""
    page = ask_for_dates(client, list(typed))
    assert page.status_code == 200, page
    return client.post(CHANGELIST, submitted(parse(page.content), typed))


def _rows(page) -> dict[int, dict[str, str]]:
    """The page's rows by item: each column's text (its messages, in the 実施日 column) and the typed date."""
    table = page.find("table", id="mark-held-items")
    headings = [th.text for th in table.find("thead").find_all("th")]
    rows = {}
    for tr in table.find("tbody").find_all("tr"):
        pk = int(tr.attrs["data-item"])
        row = dict(zip(headings, [cell.text for cell in tr.cells()], strict=True))
        row["入力"] = tr.find("input", name=f"item-{pk}-actual_date").attrs.get("value", "")
        rows[pk] = row
    return rows


def _messages(response) -> list[str]:
    return [li.text for li in parse(response.content).find("ul", cls="messagelist").find_all("li")]


def _three_seed_items() -> list[ScheduledItem]:
    """The first phase's 委員会 (4月), 部会 (5月) and report to the 庁議 (5月): a month each, no day, as in the seed."""
    return [_item("IT・情報セキュリティ委員会", 4), _item("IT・情報セキュリティ部会", 5), _item("庁議", 5)]


def _unchanged(items) -> bool:
    for item in items:
        item.refresh_from_db()
    return all((i.status, i.actual_date, i.version) == ("planned", None, 1) for i in items) and not (
        LogEntry.objects.filter(action_flag=CHANGE).exists()
    )


def test_the_action_asks_for_the_dates_of_the_seeds_month_only_items_on_a_page_of_its_own(
    client, secretariat
):
    items = _three_seed_items()
    client.force_login(secretariat)
    response = ask_for_dates(client, items)
    assert response.status_code == 200
    page = parse(response.content)
    assert page.find("h1").text == "選択した予定を実施済にする"
    rows = _rows(page)
    assert list(rows) == [item.pk for item in items]
    assert list(rows.values()) == [
        {"予定月": "平成30年度(2018年度) 4月", "会議体": "IT・情報セキュリティ委員会",
         "議題・報告事項": "計画の骨子について", "実施日": "", "入力": ""},
        {"予定月": "平成30年度(2018年度) 5月", "会議体": "IT・情報セキュリティ部会",
         "議題・報告事項": "計画の骨子について", "実施日": "", "入力": ""},
        {"予定月": "平成30年度(2018年度) 5月", "会議体": "庁議",
         "議題・報告事項": "計画の骨子について", "実施日": "", "入力": ""},
    ]  # fmt: skip
    # The admin's own date input (its calendar and 今日), as on the item's page.
    assert "vDateField" in page.find("input", name=date_input(items[0])).classes
    form = page.find("form", id="mark-held-form")
    assert form.find("input", name="action").attrs["value"] == "mark_held"
    selected = [i.attrs["value"] for i in form.find_all("input", name="_selected_action")]
    assert sorted(selected) == sorted(str(item.pk) for item in items)
    assert _unchanged(items), "nothing is saved before the dates are sent"


def test_the_dates_sent_mark_all_three_held_each_in_its_history_and_the_recent_actions(client, secretariat):
    items = _three_seed_items()
    client.force_login(secretariat)
    typed = {items[0]: "2018/04/19", items[1]: "平成30年5月15日", items[2]: "2018-05-22"}
    response = mark_held_from_list(client, typed)
    assert response.status_code == 302
    assert _messages(client.get(response["Location"])) == ["3件を実施済にしました。"]
    for item, day in zip(items, (date(2018, 4, 19), date(2018, 5, 15), date(2018, 5, 22)), strict=True):
        item.refresh_from_db()
        assert (item.status, item.actual_date, item.version) == ("held", day, 2)
        latest = item.history.order_by("-history_date").first()
        assert latest.history_user == secretariat and latest.status == "held"
        assert latest.prev_record.status == "planned"
    entries = LogEntry.objects.filter(user=secretariat, action_flag=CHANGE)
    assert sorted(int(e.object_id) for e in entries) == sorted(item.pk for item in items)
    assert all("状況" in e.get_change_message() and "実施日" in e.get_change_message() for e in entries)
    recent = parse(client.get(reverse("admin:index")).content).find("div", id="recent-actions-module").text
    assert all(str(item) in recent for item in items)


def test_a_date_in_another_years_month_brings_the_page_back_with_the_reason_beside_it_and_saves_nothing(
    client, secretariat
):
    items = _three_seed_items()
    client.force_login(secretariat)
    typed = {items[0]: "2018/04/19", items[1]: "2017/05/15", items[2]: "平成30年5月22日"}
    response = mark_held_from_list(client, typed)
    assert response.status_code == 400
    page = parse(response.content)
    assert page.find("p", cls="errornote").text == NOTHING_SAVED
    rows = _rows(page)
    assert [row["実施日"] for row in rows.values()] == [
        "",
        "実施日は平成30年度(2018年度)の開始日(2018/04/01)から、年度末の6か月後(2019/09/30)までの日付にしてください。",
        "",
    ]
    assert [row["入力"] for row in rows.values()] == list(typed.values()), "everything typed is kept"
    assert _unchanged(items)

    response = client.post(CHANGELIST, submitted(page, {items[1]: "2018/05/15"}))
    assert response.status_code == 302
    for item in items:
        item.refresh_from_db()
    assert [item.actual_date for item in items] == [date(2018, 4, 19), date(2018, 5, 15), date(2018, 5, 22)]


def test_a_date_still_to_come_is_refused_beside_its_row_and_nothing_is_saved(client, secretariat):
    committee, tomorrows = _item("IT・情報セキュリティ委員会", 4), _tomorrows_item()
    client.force_login(secretariat)
    page = parse(ask_for_dates(client, [committee, tomorrows]).content)
    rows = _rows(page)
    # An item with a 予定日 is offered it, to be corrected if it was held on another day.
    assert rows[tomorrows.pk]["入力"] == f"{tomorrows.planned_date:%Y/%m/%d}"
    response = client.post(CHANGELIST, submitted(page, {committee: "2018/04/19"}))
    assert response.status_code == 400
    rows = _rows(parse(response.content))
    assert rows[tomorrows.pk]["実施日"] == FUTURE_DATE.format(timezone.localdate())
    assert (rows[committee.pk]["実施日"], rows[committee.pk]["入力"]) == ("", "2018/04/19")
    assert _unchanged([committee, tomorrows])


def test_a_text_that_is_no_date_and_an_empty_date_are_refused_with_the_other_rows_reasons(
    client, secretariat
):
    items = _three_seed_items()
    client.force_login(secretariat)
    typed = {items[0]: "2018/04/31", items[1]: "", items[2]: "2017/05/22"}
    response = mark_held_from_list(client, typed)
    assert response.status_code == 400
    rows = _rows(parse(response.content))
    assert [row["実施日"] for row in rows.values()] == [
        "日付を正しく入力してください。「2018/04/31」という日付はありません。",  # 4月 has 30 days
        MISSING_DATE,
        "実施日は平成30年度(2018年度)の開始日(2018/04/01)から、年度末の6か月後(2019/09/30)までの日付にしてください。",
    ]
    assert [row["入力"] for row in rows.values()] == list(typed.values())
    assert _unchanged(items)


def test_the_page_offers_each_items_date_and_leaves_out_those_already_held(client, secretariat):
    dated = _item("IT・情報セキュリティ委員会", 7)
    dated.planned_date = date(2018, 7, 24)
    dated.save()
    postponed = _item("IT・情報セキュリティ部会", 7)  # its new day is its 実施日
    postponed.status, postponed.actual_date = ScheduledItem.Status.POSTPONED, date(2018, 8, 3)
    postponed.save()
    held = _item("IT・情報セキュリティ委員会", 10)
    held.status, held.actual_date = ScheduledItem.Status.HELD, date(2018, 10, 25)
    held.save()
    client.force_login(secretariat)
    page = parse(ask_for_dates(client, [dated, postponed, held]).content)
    assert {pk: row["入力"] for pk, row in _rows(page).items()} == {
        dated.pk: "2018/07/24",
        postponed.pk: "2018/08/03",
    }
    assert "選択した3件のうち1件はすでに実施済のため、ここには出していません(変わりません)。" in page.text

    response = client.post(CHANGELIST, submitted(page, {}))
    assert response.status_code == 302
    assert _messages(client.get(response["Location"])) == ["2件を実施済にしました。"]
    for item, day in ((dated, date(2018, 7, 24)), (postponed, date(2018, 8, 3)), (held, date(2018, 10, 25))):
        item.refresh_from_db()
        assert (item.status, item.actual_date) == ("held", day)
    assert held.version == 2, "the item already held is not saved again"


def test_with_every_selected_item_already_held_the_list_says_so(client, secretariat):
    held = _item("IT・情報セキュリティ委員会", 4)
    held.status, held.actual_date = ScheduledItem.Status.HELD, date(2018, 4, 19)
    held.save()
    client.force_login(secretariat)
    response = ask_for_dates(client, [held])
    assert response.status_code == 302
    assert _messages(client.get(response["Location"])) == ["選択した予定はすべて実施済です。"]


def test_an_item_someone_else_postponed_meanwhile_is_refused_and_sent_again_is_saved(client, secretariat):
    items = _three_seed_items()
    client.force_login(secretariat)
    page = parse(ask_for_dates(client, items).content)
    subcommittee = ScheduledItem.objects.get(pk=items[1].pk)  # another tab, another person
    subcommittee.status, subcommittee.actual_date = ScheduledItem.Status.POSTPONED, date(2018, 6, 5)
    subcommittee.save()
    committee = ScheduledItem.objects.get(pk=items[0].pk)  # a change that is no conflict
    committee.notes = "会場: 区役所24階"
    committee.save()
    typed = {items[0]: "2018/04/19", items[1]: "2018/05/15", items[2]: "2018/05/22"}
    response = client.post(CHANGELIST, submitted(page, typed))
    assert response.status_code == 400
    page = parse(response.content)
    rows = _rows(page)
    assert rows[items[1].pk]["実施日"].startswith(
        "この会議・報告の予定は、開いた後に他の職員が先に変更したため保存できませんでした。変更された項目: 実施日、状況。"
    )
    assert rows[items[0].pk]["実施日"] == "" and rows[items[2].pk]["実施日"] == ""
    assert [row["入力"] for row in rows.values()] == list(typed.values())
    subcommittee.refresh_from_db()
    assert (subcommittee.status, subcommittee.actual_date) == ("postponed", date(2018, 6, 5))

    # Sent again as it stands, the page's dates are saved over the other's change.
    response = client.post(CHANGELIST, submitted(page, {}))
    assert response.status_code == 302
    for item in items:
        item.refresh_from_db()
    assert [(i.status, i.actual_date) for i in items] == [
        ("held", date(2018, 4, 19)),
        ("held", date(2018, 5, 15)),
        ("held", date(2018, 5, 22)),
    ]
    assert items[0].notes == "会場: 区役所24階", "the other's change of another field is kept"


def test_an_item_someone_else_marked_held_meanwhile_is_left_as_they_recorded_it(client, secretariat):
    items = _three_seed_items()
    client.force_login(secretariat)
    page = parse(ask_for_dates(client, items).content)
    other = ScheduledItem.objects.get(pk=items[2].pk)
    other.status, other.actual_date = ScheduledItem.Status.HELD, date(2018, 5, 23)
    other.save()
    typed = {items[0]: "2018/04/19", items[1]: "2018/05/15", items[2]: "2018/05/22"}
    response = client.post(CHANGELIST, submitted(page, typed))
    assert response.status_code == 302
    assert _messages(client.get(response["Location"])) == [
        "2件を実施済にしました。ほかの1件は、この画面を開いた後にほかの職員が実施済にしていたため、そのままにしました。"
    ]
    other.refresh_from_db()
    assert (other.actual_date, other.version) == (date(2018, 5, 23), 2)
