"""Keeps the calendar feed's secret token out of the server's log.

The subscription URL carries ?token=…; runserver's access line (and anything else that logs a
full URL) would write it down. The filter rewrites the record's message before any handler sees
it. Imported by the LOGGING setting, so it imports no model.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"([?&]token=)[^&\s\"']+")


def hide_feed_token(text: str) -> str:
    return _TOKEN.sub(r"\1[hidden]", text)


class HideFeedToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = hide_feed_token(message), ()
        return True
