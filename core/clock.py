"""The project's one clock: today and now, in the project's time zone (Asia/Tokyo).

Every app asks it for the time: the default 基準日, 作成日 on what is printed, whether a meeting
is overdue, when an upload or a workbook expires. ``schedule`` cannot read ``measures``, so it
lives here, below both. The tests run on a fixed day (tests/conftest.py, time-machine), which moves
this clock and every other (auto_now fields, sessions) alike.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def today() -> date:
    return timezone.localdate()


def now() -> datetime:
    return timezone.now()
