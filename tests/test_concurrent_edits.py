"""Two members of staff open the same row and both save: the second is told, and nothing is lost."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.versioning import ConcurrentEditError
from measures.models import AnnualTarget, Measure
from schedule.models import ScheduledItem

from .factories import add_target

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def two_editors(secretariat, django_user_model):
    from django.contrib.auth.models import Group

    second = django_user_model.objects.create_user(
        "jimu2", password="pw", is_staff=True, last_name="事務局 花子"
    )
    second.groups.add(Group.objects.get(name="事務局"))
    first_client, second_client = Client(), Client()
    first_client.force_login(secretariat)
    second_client.force_login(second)
    return first_client, second_client


def _form_data(page: str) -> dict:
    """The values a browser would send back from an admin change page, as loaded."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="checkbox"' in tag or 'type="submit"' in tag:
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue  # a browser sends the chosen one only
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = body.strip("\n")
    for attrs, body in re.findall(r"<select([^>]*)>(.*?)</select>", page, re.S):
        name = re.search(r'name="([^"]+)"', attrs).group(1)
        selected = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = selected if "multiple" in attrs else (selected[0] if selected else "")
    data.pop("csrfmiddlewaretoken", None)
    return data


def _both_open_then_both_save(two_editors, url, first_change, second_change):
    first, second = two_editors
    first_form = _form_data(first.get(url).content.decode())
    second_form = _form_data(second.get(url).content.decode())
    assert first_form["version"] == second_form["version"]
    first_response = first.post(url, {**first_form, **first_change})
    assert first_response.status_code == 302, "the first save goes through"
    return second.post(url, {**second_form, **second_change})


def test_two_editors_on_different_fields_of_a_measure_are_merged(two_editors):
    """Each changed a field the other did not: both changes are saved, and the second editor is
    told whose change was kept beside theirs."""
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _both_open_then_both_save(
        two_editors, url, {"title": "一人目が直した施策名"}, {"description": "二人目が書いた説明"}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.title == "一人目が直した施策名"
    assert measure.description == "二人目が書いた説明"
    _, second = two_editors
    page = second.get(response["Location"]).content.decode()
    assert (
        "開いた後に事務局 太郎が先に変更した項目(施策名)は、その変更を残して、あなたの変更と合わせて保存しました。"
        in page
    )


def test_two_editors_on_the_same_annual_target_value_choose_which_to_keep(two_editors):
    target = add_target(Measure.objects.get(number=1), 2019, 40)
    url = reverse("admin:measures_annualtarget_change", args=[target.pk])
    response = _both_open_then_both_save(two_editors, url, {"target_value": "45"}, {"target_value": "50"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "この年度目標は、開いた後に事務局 太郎が先に変更したため保存できませんでした。" in page
    assert "変更された項目: 目標値。" in page
    assert (
        "事務局 太郎の変更を残す:「45.00」" in page and "あなたの入力(上の欄の内容)で保存する:「50」" in page
    )
    target.refresh_from_db()
    assert str(target.target_value) == "45.00"

    # Saving again without choosing is refused; choosing saves what was chosen.
    _, second = two_editors
    kept = _form_data(page)
    again = second.post(url, kept)
    assert again.status_code == 200 and "どちらを保存するか選んでください。" in again.content.decode()
    assert second.post(url, {**kept, "target_value__keep": "mine"}).status_code == 302
    target.refresh_from_db()
    assert str(target.target_value) == "50.00"


def test_a_scheduled_item_held_by_one_and_annotated_by_the_other_keeps_both(two_editors):
    item = ScheduledItem.objects.filter(planned_month=5).first()
    url = reverse("admin:schedule_scheduleditem_change", args=[item.pk])
    response = _both_open_then_both_save(
        two_editors, url, {"status": "held", "actual_date": "2018/05/21"}, {"notes": "二人目のメモ"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "held" and str(item.actual_date) == "2018-05-21" and item.notes == "二人目のメモ"


def test_two_editors_on_targets_inline_on_the_measure_page(two_editors):
    measure = Measure.objects.get(number=1)
    add_target(measure, 2019, 40)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _both_open_then_both_save(
        two_editors, url, {"annual_targets-0-target_value": "41"}, {"annual_targets-0-target_value": "42"}
    )
    page = response.content.decode()
    assert "この年度目標は、開いた後に事務局 太郎が先に変更したため保存できませんでした。" in page
    assert 'name="annual_targets-0-target_value__keep"' in page
    assert str(AnnualTarget.objects.get(measure=measure).target_value) == "41.00"


def test_a_field_only_the_other_changed_is_not_reverted_by_saving_the_kept_form(two_editors):
    """Issue 21, item 2: the kept form held the old value of the field the second editor never
    touched, and saving it again, as the message invited, undid the first editor's change."""
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _both_open_then_both_save(
        two_editors,
        url,
        {"title": "一人目の施策名", "description": "一人目の説明"},
        {"description": "二人目の説明"},
    )
    assert response.status_code == 200
    kept = _form_data(response.content.decode())
    assert kept["title"] == "一人目の施策名", "the other editor's change is in the form"
    assert kept["description"] == "二人目の説明", "this editor's input is kept"
    _, second = two_editors
    assert second.post(url, {**kept, "description__keep": "mine"}).status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.description) == ("一人目の施策名", "二人目の説明")


def test_a_stale_save_that_slips_past_the_form_is_refused_by_the_database():
    first = Measure.objects.get(number=3)
    second = Measure.objects.get(number=3)
    first.title = "一人目"
    first.save()
    second.title = "二人目"
    with pytest.raises(ConcurrentEditError):
        second.save()
    assert Measure.objects.get(number=3).title == "一人目"
    assert Measure.objects.get(number=3).version == 2


def test_saving_again_after_reloading_works(two_editors):
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    _both_open_then_both_save(two_editors, url, {"title": "一人目"}, {"title": "二人目"})
    _, second = two_editors
    fresh = _form_data(second.get(url).content.decode())
    assert second.post(url, {**fresh, "title": "二人目(開き直して保存)"}).status_code == 302
    measure.refresh_from_db()
    assert measure.title == "二人目(開き直して保存)"
    assert measure.version == 3
