"""The secretariat changes a round before opening it (準備中): /rounds/<id>/edit/. What each person
sees: the link on the dashboard, the page, the refusals beside the fields with the input kept, two
colleagues' edits merged field by field, and an edit that comes after the round was opened refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group

from bunkyo import roles
from measures.models import Department
from rounds.models import Answer, Round
from rounds.services import round_create, round_transition

from .factories import seed_plan
from .page_text import parse
from .test_rounds import lead_last


def _text(response) -> str:
    return parse(response.content).text


def _form(response) -> dict[str, list[str]]:
    """What the browser would post from the edit form, as it was shown (every checked box)."""
    form = parse(response.content).find("form", cls="round-form")
    data: dict[str, list[str]] = {}
    for element in form.find_all("input"):
        if element.attrs.get("type") in ("submit", "button") or "name" not in element.attrs:
            continue
        if element.attrs.get("type") in ("checkbox", "radio") and "checked" not in element.attrs:
            continue
        data.setdefault(element.attrs["name"], []).append(element.attrs.get("value", ""))
    for element in form.find_all("textarea"):
        data[element.attrs["name"]] = [
            "".join(c for c in element.children if isinstance(c, str)).lstrip("\n")
        ]
    return data


def _departments(*names: str) -> list[str]:
    return [str(pk) for pk in Department.objects.filter(name__in=names).values_list("pk", flat=True)]


def _asked(round_: Round) -> list[str]:
    return sorted(round_.answers.values_list("department__name", flat=True))


@pytest.fixture
def preparing(demo, secretariat):
    """FY2021's round as of 2021/12/31, due 2040/06/30, made and not opened: every department with a
    measure is asked (情報政策課 last in the order, so each leads a measure)."""
    lead_last()
    return round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        message="令和3年度の実績をお知らせください。",
        by=secretariat,
    )


@pytest.fixture
def second_secretariat(role_groups, django_user_model):
    user = django_user_model.objects.create_user(
        username="jimu2", password="pw-jimu2", is_staff=True, last_name="事務局 次子"
    )
    user.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    return user


def test_the_secretariat_edits_a_round_before_opening_it(client, preparing, secretariat):
    Department.objects.create(name="総務課", order=50)  # no measure: asked only when chosen
    client.force_login(secretariat)
    dashboard = client.get(f"/rounds/{preparing.pk}/")
    link = parse(dashboard.content).find("a", href=f"/rounds/{preparing.pk}/edit/")
    assert "照会の内容を編集" in link.text
    page = client.get(f"/rounds/{preparing.pk}/edit/")
    text = _text(page)
    assert "照会の内容を編集" in text and "年度" in text and "報告基準日" in text and "回答期限" in text
    assert "依頼文" in text and "照会する所管課" in text
    data = _form(page)
    assert data["deadline"] == ["2040/06/30"] and data["message"] == ["令和3年度の実績をお知らせください。"]
    assert sorted(data["departments"]) == sorted(_departments("情報政策課", "広報課", "企画課", "戸籍住民課"))

    data.update(
        deadline=["2040/07/15"],
        message=["第3四半期までの実績をお知らせください。"],
        departments=_departments("広報課", "企画課", "総務課"),
    )
    response = client.post(f"/rounds/{preparing.pk}/edit/", data, follow=True)
    assert "令和3年度(2021年度) 進捗照会(令和3年12月31日時点)の内容を変更しました(準備中)。" in _text(
        response
    )
    assert "令和22年7月15日" in _text(response)
    preparing.refresh_from_db()
    assert (preparing.deadline, preparing.message) == (
        date(2040, 7, 15),
        "第3四半期までの実績をお知らせください。",
    )
    assert (preparing.get_state_display(), preparing.version) == ("準備中", 2)
    assert _asked(preparing) == ["企画課", "広報課", "総務課"]

    # The timeline says who changed what: the round's fields, each department added and removed.
    text = _text(client.get("/timeline/"))
    assert "回答期限" in text and "令和22年6月30日" in text and "令和22年7月15日" in text
    assert "第3四半期までの実績をお知らせください。" in text
    assert "令和3年度(2021年度) 進捗照会(令和3年12月31日時点) 総務課" in text
    assert "令和3年度(2021年度) 進捗照会(令和3年12月31日時点) 戸籍住民課" in text
    assert "事務局 太郎" in text

    # Opening asks the departments as edited.
    round_transition(round_=preparing, action="open", by=secretariat, loaded_version=preparing.version)
    assert sorted(Answer.objects.filter(round=preparing).values_list("department__name", flat=True)) == [
        "企画課",
        "広報課",
        "総務課",
    ]


def test_saving_the_page_unchanged_changes_nothing(client, preparing, secretariat):
    client.force_login(secretariat)
    data = _form(client.get(f"/rounds/{preparing.pk}/edit/"))
    response = client.post(f"/rounds/{preparing.pk}/edit/", data, follow=True)
    assert "変更はありませんでした。" in _text(response)
    preparing.refresh_from_db()
    assert preparing.version == 1


def test_bad_input_is_told_beside_its_field_and_kept(client, preparing, secretariat):
    client.force_login(secretariat)
    data = _form(client.get(f"/rounds/{preparing.pk}/edit/"))

    def refused(**changes) -> tuple[str, dict]:
        response = client.post(f"/rounds/{preparing.pk}/edit/", {**data, **changes})
        assert response.status_code == 400
        return _text(response), _form(response)

    # The 回答期限 before the 報告基準日, beside the 回答期限.
    text, shown = refused(as_of=["2022/01/31"], deadline=["2022/01/15"], message=["入力を残す"])
    assert "回答期限は報告基準日以降の日付にしてください。" in text
    assert (shown["as_of"], shown["deadline"], shown["message"]) == (
        ["2022/01/31"],
        ["2022/01/15"],
        ["入力を残す"],
    )
    # A 回答期限 already past (TEST_NOW is 2040/06/18); no department asked; a year outside the plan.
    text, shown = refused(deadline=["2040/06/01"])
    assert "回答期限に過ぎた日付は入力できません。今日(2040/06/18)以降にしてください。" in text
    assert shown["deadline"] == ["2040/06/01"]
    text, shown = refused(departments=[])
    assert "照会する所管課を1つ以上選んでください。" in text
    text, _ = refused(departments=["999999"])
    assert "選んだ所管課はありません。一覧から選んでください。" in text
    text, shown = refused(fiscal_year=["2023"])
    assert "令和5年度(2023年度)は計画期間(令和元年度(2019年度)〜令和3年度(2021年度))の外です。" in text
    assert shown["fiscal_year"] == ["令和5年度(2023年度)"]
    # One round per plan, 年度 and 報告基準日: a rule of the three together, above the form.
    round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2022, 3, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    text, shown = refused(as_of=["2022/03/31"])
    assert "この計画・年度・報告基準日の照会はすでにあります。" in text and shown["as_of"] == ["2022/03/31"]
    preparing.refresh_from_db()
    assert (preparing.version, preparing.deadline, preparing.message) == (
        1,
        date(2040, 6, 30),
        "令和3年度の実績をお知らせください。",
    )
    assert _asked(preparing) == ["企画課", "広報課", "情報政策課", "戸籍住民課"]


def test_each_refusal_sits_beside_its_field(client, preparing, secretariat):
    client.force_login(secretariat)
    data = _form(client.get(f"/rounds/{preparing.pk}/edit/"))

    def fields(**changes) -> dict[str, str]:
        """Each field's text (label, help, errors) by its label, on the page sent back."""
        response = client.post(f"/rounds/{preparing.pk}/edit/", {**data, **changes})
        groups = parse(response.content).find_all("div", cls="form-field")
        return {
            (group.find_all("legend") or group.find_all("label"))[0].text.strip(): group.text
            for group in groups
        }

    # The form's checks and the service's (round_update) alike.
    assert "回答期限に過ぎた日付は入力できません" in fields(deadline=["2040/06/01"])["回答期限:"]
    assert "照会する所管課を1つ以上選んでください。" in fields(departments=[])["照会する所管課:"]
    assert "回答期限は報告基準日以降の日付にしてください。" in fields(deadline=["2021/12/01"])["回答期限:"]
    assert (
        "報告基準日は令和3年度(2021年度)の開始日(2021/04/01)以降にしてください。"
        in fields(as_of=["2021/03/31"])["報告基準日:"]
    )


def test_two_members_edits_merge_field_by_field(client, preparing, secretariat, second_secretariat):
    client.force_login(secretariat)
    mine = _form(client.get(f"/rounds/{preparing.pk}/edit/"))
    client.force_login(second_secretariat)
    theirs = _form(client.get(f"/rounds/{preparing.pk}/edit/"))
    theirs.update(message=["次子が直した依頼文"], departments=_departments("広報課", "企画課"))
    assert client.post(f"/rounds/{preparing.pk}/edit/", theirs).status_code == 302

    # Only the 回答期限 changed here: the colleague's message and departments are kept.
    client.force_login(secretariat)
    response = client.post(f"/rounds/{preparing.pk}/edit/", {**mine, "deadline": ["2040/07/31"]}, follow=True)
    text = _text(response)
    assert "の内容を変更しました(準備中)。" in text
    assert "開いた後に事務局 次子が先に変更した項目(依頼文、照会する所管課)は、その変更を残して" in text
    preparing.refresh_from_db()
    assert (preparing.deadline, preparing.message) == (date(2040, 7, 31), "次子が直した依頼文")
    assert _asked(preparing) == ["企画課", "広報課"]


def test_a_field_both_changed_is_a_conflict_shown_with_both_values(
    client, preparing, secretariat, second_secretariat
):
    client.force_login(secretariat)
    mine = _form(client.get(f"/rounds/{preparing.pk}/edit/"))
    client.force_login(second_secretariat)
    theirs = _form(client.get(f"/rounds/{preparing.pk}/edit/"))
    assert (
        client.post(f"/rounds/{preparing.pk}/edit/", {**theirs, "message": ["次子の依頼文"]}).status_code
        == 302
    )

    client.force_login(secretariat)
    response = client.post(
        f"/rounds/{preparing.pk}/edit/", {**mine, "message": ["太郎の依頼文"], "deadline": ["2040/07/31"]}
    )
    assert response.status_code == 400
    text = _text(response)
    assert "この進捗照会は、開いた後に事務局 次子が先に変更したため保存できませんでした。" in text
    assert (
        "事務局 次子がこの項目を「次子の依頼文」に変更しています。どちらを保存するか選んでください。" in text
    )
    assert "太郎の依頼文" in text
    shown = _form(response)
    assert shown["message"] == ["太郎の依頼文"] and shown["deadline"] == ["2040/07/31"]
    preparing.refresh_from_db()
    assert (preparing.message, preparing.deadline) == ("次子の依頼文", date(2040, 6, 30))

    # Choosing this editor's value saves it, with the rest of what was typed.
    response = client.post(f"/rounds/{preparing.pk}/edit/", {**shown, "message__keep": ["mine"]})
    assert response.status_code == 302
    preparing.refresh_from_db()
    assert (preparing.message, preparing.deadline) == ("太郎の依頼文", date(2040, 7, 31))


def test_an_edit_that_races_the_opening_is_refused_not_saved(
    client, preparing, secretariat, second_secretariat
):
    client.force_login(secretariat)
    typed = {**_form(client.get(f"/rounds/{preparing.pk}/edit/")), "message": ["開始の後に届いた依頼文"]}
    opened = round_transition(
        round_=preparing, action="open", by=second_secretariat, loaded_version=preparing.version
    )
    response = client.post(f"/rounds/{preparing.pk}/edit/", typed)
    assert response.status_code == 400
    assert (
        "この進捗照会は今「照会中」のため、編集できません。編集できるのは「準備中」の照会だけです。"
        in _text(response)
    )
    assert _form(response)["message"] == ["開始の後に届いた依頼文"]
    preparing.refresh_from_db()
    assert (preparing.version, preparing.message) == (opened.version, "令和3年度の実績をお知らせください。")


def test_an_opened_round_has_no_edit_link_and_its_page_says_why(client, preparing, secretariat):
    round_transition(round_=preparing, action="open", by=secretariat, loaded_version=preparing.version)
    client.force_login(secretariat)
    dashboard = client.get(f"/rounds/{preparing.pk}/")
    assert "照会の内容を編集" not in _text(dashboard)
    assert f"/rounds/{preparing.pk}/edit/" not in dashboard.content.decode()
    response = client.get(f"/rounds/{preparing.pk}/edit/", follow=True)
    assert response.redirect_chain == [(f"/rounds/{preparing.pk}/", 302)]
    assert (
        "この進捗照会は今「照会中」のため、編集できません。編集できるのは「準備中」の照会だけです。"
        in _text(response)
    )


@pytest.mark.parametrize("role", ["council", "manager", "department"])
def test_no_one_but_the_secretariat_edits_a_round(client, request, preparing, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/rounds/{preparing.pk}/edit/").status_code == 403
    response = client.post(f"/rounds/{preparing.pk}/edit/", {"message": "x", "version": "1"})
    assert response.status_code == 403
    preparing.refresh_from_db()
    assert preparing.version == 1
