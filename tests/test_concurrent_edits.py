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


def test_two_editors_on_the_same_measure(two_editors):
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _both_open_then_both_save(
        two_editors, url, {"title": "一人目が直した施策名"}, {"description": "二人目が書いた説明"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "この施策は、開いた後に事務局 太郎が先に変更したため保存できませんでした。" in page
    assert "変更された項目: 施策名。" in page
    measure.refresh_from_db()
    assert measure.title == "一人目が直した施策名"
    assert measure.description != "二人目が書いた説明"


def test_two_editors_on_the_same_annual_target(two_editors):
    target = add_target(Measure.objects.get(number=1), 2019, 40)
    url = reverse("admin:measures_annualtarget_change", args=[target.pk])
    response = _both_open_then_both_save(two_editors, url, {"target_value": "45"}, {"target_value": "50"})
    page = response.content.decode()
    assert "この年度目標は、開いた後に事務局 太郎が先に変更したため保存できませんでした。" in page
    assert "変更された項目: 目標値。" in page
    target.refresh_from_db()
    assert str(target.target_value) == "45.00"


def test_two_editors_on_the_same_scheduled_item(two_editors):
    item = ScheduledItem.objects.filter(planned_month=5).first()
    url = reverse("admin:schedule_scheduleditem_change", args=[item.pk])
    response = _both_open_then_both_save(
        two_editors, url, {"status": "held", "actual_date": "2018/05/21"}, {"notes": "二人目のメモ"}
    )
    page = response.content.decode()
    assert "この会議・報告の予定は、開いた後に事務局 太郎が先に変更したため保存できませんでした。" in page
    assert "実施日" in page and "状況" in page
    item.refresh_from_db()
    assert item.status == "held" and item.notes == ""


def test_two_editors_on_targets_inline_on_the_measure_page(two_editors):
    measure = Measure.objects.get(number=1)
    add_target(measure, 2019, 40)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _both_open_then_both_save(
        two_editors, url, {"annual_targets-0-target_value": "41"}, {"annual_targets-0-target_value": "42"}
    )
    assert (
        "この年度目標は、開いた後に事務局 太郎が先に変更したため保存できませんでした。"
        in response.content.decode()
    )
    assert str(AnnualTarget.objects.get(measure=measure).target_value) == "41.00"


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
