"""The project's one clock: today, in the project's time zone (Asia/Tokyo).

Every app asks it for the day (the default 基準日, 作成日 on what is printed, the cache key of a
printed report): ``schedule`` cannot read ``measures``, so it lives here, below both.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()
