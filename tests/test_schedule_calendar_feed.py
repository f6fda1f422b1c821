"""/schedule/calendar.ics: the schedule in a calendar app, read back with icalendar as the app would."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from schedule.feeds import feed_key_for_token, feed_token
from schedule.models import Body, CalendarFeedKey, PublicCommentPeriod, ScheduledItem

FEED = reverse("schedule:calendar_feed")
SUBSCRIPTION = reverse("schedule:calendar_subscription")

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def dated(seeded):
    """Two of the seed's FY2018 items given days, one held, and the public comment given its period."""
    committee = ScheduledItem.objects.get(body__kind=Body.Kind.COMMITTEE, fiscal_year=2018, planned_month=10)
    committee.planned_date = date(2018, 10, 17)
    committee.save()
    council = ScheduledItem.objects.get(body__kind=Body.Kind.COUNCIL, fiscal_year=2018, planned_month=12)
    council.planned_date = council.actual_date = date(2018, 12, 4)
    council.status = ScheduledItem.Status.HELD
    council.save()
    period = PublicCommentPeriod.objects.get(fiscal_year=2018)
    period.start_date, period.end_date = date(2018, 12, 10), date(2019, 1, 8)
    period.save()
    return committee, council, period


def _events(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content.decode()[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["X-WR-TIMEZONE"] == "Asia/Tokyo"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    return {
        str(event["UID"]): {
            "summary": str(event["SUMMARY"]),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "status": str(event.get("STATUS", "")),
            "all_day": event["DTSTART"].params.get("VALUE") == "DATE",
        }
        for event in calendar.walk("VEVENT")
    }


def test_a_signed_in_user_gets_every_dated_item_as_an_all_day_event(client, council, dated):
    committee, held, period = dated
    client.force_login(council)
    events = _events(client.get(FEED))
    # Only what has a day: the seed's other twelve items have a month alone.
    assert events == {
        f"scheduled-item-{committee.pk}@schedule.bunkyo-data-plan": {
            "summary": "IT・情報セキュリティ委員会 計画の最終案について",
            "start": date(2018, 10, 17),
            "end": date(2018, 10, 18),
            "status": "TENTATIVE",
            "all_day": True,
        },
        f"scheduled-item-{held.pk}@schedule.bunkyo-data-plan": {
            "summary": "議会報告 計画の最終案について",
            "start": date(2018, 12, 4),
            "end": date(2018, 12, 5),
            "status": "CONFIRMED",
            "all_day": True,
        },
        f"public-comment-{period.pk}@schedule.bunkyo-data-plan": {
            "summary": "パブリック・コメント (仮称)文京区官民データ活用推進計画(案)(意見募集)",
            "start": date(2018, 12, 10),
            "end": date(2019, 1, 9),
            "status": "",
            "all_day": True,
        },
    }


def test_the_uid_stays_when_the_item_moves(client, council, dated):
    committee, *_ = dated
    client.force_login(council)
    before = set(_events(client.get(FEED)))
    committee.planned_date += timedelta(days=1)
    committee.save()
    after = _events(client.get(FEED))
    assert set(after) == before
    assert after[f"scheduled-item-{committee.pk}@schedule.bunkyo-data-plan"]["start"] == date(2018, 10, 18)


def test_a_per_body_feed(client, council, dated):
    committee, *_ = dated
    client.force_login(council)
    response = client.get(FEED, {"body": committee.body_id})
    assert list(_events(response)) == [f"scheduled-item-{committee.pk}@schedule.bunkyo-data-plan"]
    assert (
        Calendar.from_ical(response.content)["X-WR-CALNAME"] == "策定スケジュール(IT・情報セキュリティ委員会)"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "会議体の指定(body)が正しくありません。"),
        ("1.5", "会議体の指定(body)が正しくありません。"),
        ("99999999999999999999999", "会議体の指定(body)が正しくありません。"),
        ("\x00", "制御文字(NUL文字など、画面に表示されない特殊な文字)は使えません。"),
        ("999999", "指定された会議体(body)は登録されていません。"),
    ],
)
def test_a_bad_body_is_a_400_in_japanese(client, council, value, message):
    client.force_login(council)
    response = client.get(FEED, {"body": value})
    assert response.status_code == 400
    assert response.content.decode().startswith(message)


def test_anonymous_without_a_token_is_refused_not_redirected(client, dated):
    response = client.get(FEED)
    assert response.status_code == 403
    assert "ログインするか" in response.content.decode()


def test_a_token_opens_the_feed_without_signing_in(client, council, dated):
    client.force_login(council)
    client.post(SUBSCRIPTION)
    key = CalendarFeedKey.objects.get(user=council)
    client.logout()
    events = _events(client.get(FEED, {"token": feed_token(key)}))
    assert len(events) == 3
    # Per body, the same token.
    committee, *_ = dated
    assert len(_events(client.get(FEED, {"token": feed_token(key), "body": committee.body_id}))) == 1


@pytest.mark.parametrize("token", ["", "nonsense", "x.y", ".", "a" * 5000])
def test_a_wrong_token_is_refused(client, council, token):
    response = client.get(FEED, {"token": token})
    assert response.status_code == 403
    assert response.content.decode().startswith("カレンダーを表示できません。購読URLが正しくないか")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("ab%00cd.sig", id="NUL"),  # PostgreSQL refuses it in a query: DataError, a 500
        pytest.param("ab%00cd." + "0" * 64, id="NUL-in-key"),
        pytest.param("abcd.%00" + "0" * 63, id="NUL-in-signature"),
        pytest.param("ab%01cd." + "0" * 64, id="control"),
        pytest.param("ab%7Fcd." + "0" * 64, id="DEL"),
        pytest.param("ab%0Acd." + "0" * 64, id="line-break"),
        pytest.param("%E6%96%87%E4%BA%AC." + "0" * 64, id="not-ASCII"),
        pytest.param("a" * 33 + "." + "0" * 64, id="key-too-long"),
        pytest.param("abcd." + "0" * 5000, id="signature-too-long"),
        pytest.param("ab+cd." + "0" * 64, id="space"),
    ],
)
def test_a_malformed_token_is_refused_as_any_wrong_token(client, council, token, django_assert_num_queries):
    wrong = client.get(FEED, {"token": "abcd." + "0" * 64})
    response = client.get(f"{FEED}?token={token}")
    assert response.status_code == wrong.status_code == 403
    assert response.content.decode() == wrong.content.decode()
    assert response.content.decode().startswith("カレンダーを表示できません。購読URLが正しくないか")
    # Refused by its form alone: it never reaches the database.
    with django_assert_num_queries(0):
        assert feed_key_for_token(response.wsgi_request.GET["token"]) is None


def test_a_token_with_a_wrong_signature_is_refused(client, council):
    client.force_login(council)
    client.post(SUBSCRIPTION)
    client.logout()
    key = CalendarFeedKey.objects.get(user=council)
    good = feed_token(key)
    forged = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert client.get(FEED, {"token": forged}).status_code == 403
    assert client.get(FEED, {"token": good}).status_code == 200


def test_resetting_invalidates_the_old_url(client, council):
    client.force_login(council)
    client.post(SUBSCRIPTION)
    old = feed_token(CalendarFeedKey.objects.get(user=council))
    response = client.post(SUBSCRIPTION, follow=True)
    assert "購読URLを新しくしました。これまでの購読URLは使えません。" in response.content.decode()
    new = feed_token(CalendarFeedKey.objects.get(user=council))
    assert new != old
    assert new in response.content.decode()
    client.logout()
    assert client.get(FEED, {"token": old}).status_code == 403
    assert client.get(FEED, {"token": new}).status_code == 200


def test_a_deactivated_users_token_is_refused(client, council):
    client.force_login(council)
    client.post(SUBSCRIPTION)
    client.logout()
    token = feed_token(CalendarFeedKey.objects.get(user=council))
    council.is_active = False
    council.save()
    assert client.get(FEED, {"token": token}).status_code == 403


def test_the_subscription_page_shows_the_users_urls(client, council):
    client.force_login(council)
    page = client.get(SUBSCRIPTION).content.decode()
    assert "まだ購読URLを発行していません。" in page
    client.post(SUBSCRIPTION)
    token = feed_token(CalendarFeedKey.objects.get(user=council))
    page = client.get(SUBSCRIPTION).content.decode()
    assert f"http://testserver/schedule/calendar.ics?token={token}" in page
    body = Body.objects.get(kind=Body.Kind.COMMITTEE)
    assert f"http://testserver/schedule/calendar.ics?body={body.pk}&amp;token={token}" in page


def test_the_reset_is_a_post_with_csrf(council):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(council)
    assert client.post(SUBSCRIPTION).status_code == 403
    assert not CalendarFeedKey.objects.filter(user=council).exists()


def test_the_subscription_page_needs_signing_in(client):
    response = client.get(SUBSCRIPTION)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_feed_reads_a_fixed_number_of_queries(client, council, dated, django_assert_num_queries):
    client.force_login(council)
    # The session, the user, its permissions (its own and its groups'), the items, the periods.
    phase_items = list(ScheduledItem.objects.filter(fiscal_year=2018))
    with django_assert_num_queries(6):
        client.get(FEED)
    for n, item in enumerate(phase_items):
        item.pk = None
        item.fiscal_year = 2020
        item.planned_date = date(2020 if item.planned_month >= 4 else 2021, item.planned_month, 10 + n % 10)
        item.save()
    with django_assert_num_queries(6):
        response = client.get(FEED)
    assert len(_events(response)) == 3 + len(phase_items)


def test_the_token_is_kept_out_of_the_servers_log():
    import logging

    from schedule.log import HideFeedToken

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /schedule/calendar.ics?body=2&token=abc.def123 HTTP/1.1", "200", "812"),
        None,
    )
    assert HideFeedToken().filter(record)
    assert record.getMessage() == '"GET /schedule/calendar.ics?body=2&token=[hidden] HTTP/1.1" 200 812'
    handlers = logging.getLogger("django.server").handlers
    assert any(isinstance(f, HideFeedToken) for h in handlers for f in h.filters)
