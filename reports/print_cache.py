"""The council report (/reports/print/), kept once rendered and reused while nothing it shows changed.

What is kept is the report itself (the filter form, the cover, the chart, the tables) and its
running title: the same for everyone allowed to open the page, since it is rendered without the
request (no user, no messages, no CSRF token reach it). The site's header, with the reader's name,
is rendered for each request around it.

A kept report is found by a key made of:
- the data's token (reports.models.DataStamp), which the database's triggers replace on every
  write to the plan's tables, in the writer's transaction. It is read first, before anything the
  report shows: a report made while a write commits is kept under the token before it, which is
  never current again;
- the day (the default 基準日 and the 作成日 depend on it);
- the setting the report prints (REPORT_ISSUER);
- the path and the query string as sent (every parameter, in key order), so two questions never
  share a page. Only reports of a valid question are kept; a wrong one is answered afresh with 400.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from measures.selectors import today

from .models import DataStamp

CACHE = "print_reports"  # settings.CACHES: in each process's memory, at most MAX_ENTRIES pages
MAX_BYTES = 1_000_000  # a larger report (thousands of measures) is not kept


@dataclass(frozen=True)
class Rendered:
    head: str  # the running title's style and the page's stylesheets
    body: str  # the filter form and the report


def key_for(request) -> str | None:
    """The key of the report this request asks for, as the data stands now; None: keep nothing."""
    token = DataStamp.current()  # first: see the module's docstring
    if token is None:
        return None
    question = (token, today().isoformat(), settings.REPORT_ISSUER, request.path, sorted(request.GET.lists()))
    return "council-report:" + hashlib.sha256(repr(question).encode()).hexdigest()


def kept(key: str | None) -> Rendered | None:
    if key is None:
        return None
    found = caches[CACHE].get(key)
    return Rendered(*found) if found is not None else None


def keep(key: str | None, rendered: Rendered) -> None:
    if key is None or len(rendered.head.encode()) + len(rendered.body.encode()) > MAX_BYTES:
        return
    caches[CACHE].set(key, (rendered.head, rendered.body))
