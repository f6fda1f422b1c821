"""The schedule as an iCalendar feed (/schedule/calendar.ics), and the tokens that open it without a session.

A calendar app cannot sign in, so each user has a secret subscription URL. Its token is the
user's random key (CalendarFeedKey, reset at will) and that key's HMAC under SECRET_KEY: the
database holds no usable token, and the HMAC is compared in constant time.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils.crypto import constant_time_compare, salted_hmac
from icalendar import Calendar, Event, Timezone

from core import clock

from .checks import item_date
from .models import CalendarFeedKey, PublicCommentPeriod, ScheduledItem

_TOKEN_SALT = "schedule.calendar-feed"
# What feed_token() makes: a key of secrets.token_urlsafe (URL-safe base64, at most the column's
# 32 characters), a dot, and the HMAC-SHA256 in lower-case hex.
_TOKEN_SHAPE = re.compile(r"(?P<key>[A-Za-z0-9_-]{1,32})\.(?P<signature>[0-9a-f]{64})")
# The UIDs' domain part: stable whichever host name the feed is fetched under.
UID_DOMAIN = "schedule.bunkyo-data-plan"
TIME_ZONE = "Asia/Tokyo"

_STATUS = {
    ScheduledItem.Status.PLANNED: "TENTATIVE",
    ScheduledItem.Status.POSTPONED: "TENTATIVE",
    ScheduledItem.Status.HELD: "CONFIRMED",
    ScheduledItem.Status.CANCELLED: "CANCELLED",
}


def _signature(key: str) -> str:
    return salted_hmac(_TOKEN_SALT, key, algorithm="sha256").hexdigest()


def feed_token(key: CalendarFeedKey) -> str:
    """The token in a subscription URL: the key, a dot, its HMAC."""
    return f"{key.key}.{_signature(key.key)}"


def feed_key_for_token(token: str) -> CalendarFeedKey | None:
    """The key a token opens (with its user), or None: unknown key, wrong HMAC or malformed.

    One query, and none for a token that is not the shape feed_token() makes: anything else
    (a NUL, which PostgreSQL refuses in a query, other control characters, letters beyond ASCII,
    more characters than a key or an HMAC has) is as unknown as a wrong key, never a server error.
    """
    shape = _TOKEN_SHAPE.fullmatch(token)
    if shape is None:
        return None
    key, signature = shape.group("key", "signature")
    found = CalendarFeedKey.objects.select_related("user").filter(key=key).first()
    # Compared even when no key was found, so that an unknown key takes as long as a wrong HMAC.
    expected = _signature(found.key if found else key)
    if not constant_time_compare(signature, expected) or found is None:
        return None
    return found


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//文京区//官民データ活用推進計画 策定スケジュール//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TIME_ZONE)
    calendar.add_component(Timezone.from_tzid(TIME_ZONE))
    return calendar


def schedule_calendar(
    *, items: list[ScheduledItem], periods: list[PublicCommentPeriod], name: str, url_of
) -> bytes:
    """Each item with a day, and each public comment period with both dates, as an all-day event.

    ``url_of(item)`` gives the absolute URL of an item's page. The items have no time of day, so
    every event is all-day (DTSTART;VALUE=DATE); the calendar's own zone is Asia/Tokyo.
    """
    calendar = _calendar(name)
    stamp = clock.now()
    for item in items:
        day = item_date(item)
        if day is None:
            continue
        event = Event()
        event.add("uid", f"scheduled-item-{item.pk}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"{item.body.label} {item.subject}".strip())
        lines = [
            f"会議体: {item.body.name}",
            f"種別: {item.get_kind_display()}",
            f"状況: {item.get_status_display()}",
        ]
        if item.phase:
            lines.append(f"検討段階: {item.phase.name}")
        if item.notes:
            lines.append(f"備考: {item.notes}")
        event.add("description", "\n".join(lines))
        event.add("categories", [item.body.label])
        event.add("status", _STATUS.get(item.status, "TENTATIVE"))
        event.add("sequence", item.version)
        event.add("url", url_of(item))
        event.add("transp", "TRANSPARENT" if item.kind == ScheduledItem.Kind.REPORT else "OPAQUE")
        calendar.add_component(event)
    for period in periods:
        if not (period.start_date and period.end_date):
            continue
        event = Event()
        event.add("uid", f"public-comment-{period.pk}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", period.start_date)
        event.add("dtend", period.end_date + timedelta(days=1))
        event.add("summary", f"{period.body.label} {period.subject}(意見募集)")
        event.add("description", f"意見募集期間: {period.period_label}(公表日を1日目として{period.days}日間)")
        event.add("categories", [period.body.label])
        event.add("sequence", period.version)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
