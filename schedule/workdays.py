"""Which days the ward offices are open: not a Saturday or Sunday, not a public holiday, not a closure day.

Public holidays come from jpholiday, which follows the Cabinet Office's list, the one-off days
included (2019-04-30 to 05-02, 2019-10-22, the Olympic moves of 2020 and 2021). The closure days
(年末年始, 12/29–1/3 by default) are the setting SCHEDULE_CLOSED_DAYS.
"""

from __future__ import annotations

from datetime import date

import jpholiday
from django.conf import settings

# Days off that jpholiday names but that are no 祝日 under the 祝日法's list: say 休日 for them.
_SUBSTITUTE_HOLIDAYS = ("振替休日", "国民の休日")


def day_off_reason(day: date) -> str | None:
    """Why the offices are closed on ``day``, in Japanese (祝日(海の日), 年末年始の閉庁日, 土曜日…);
    None on a working day."""
    if name := jpholiday.is_holiday_name(day):
        kind = "休日" if any(word in name for word in _SUBSTITUTE_HOLIDAYS) else "祝日"
        return f"{kind}({name})"
    if (day.month, day.day) in settings.SCHEDULE_CLOSED_DAYS:
        return "年末年始などの閉庁日"
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    return None
