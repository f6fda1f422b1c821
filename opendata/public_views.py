"""The public pages (/plans/…, /accessibility/, /sitemap.xml, /robots.txt): no sign-in, the same page
for everyone, so a shared cache may keep it.

Each page is rendered without the request (no user, no session, no CSRF token): a signed-in member
of staff sees what a resident sees, and nothing sets ``Vary: Cookie``. A page answers a conditional
GET with 304 when nothing it shows has changed: its ETag and Last-Modified come from the change
history of the rows it shows (opendata.selectors.plan_changed_at, schedule_changed_at) and its
基準日, never from a cache. An unpublished plan is a 404, worded as one that does not exist.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core.addresses import site_url
from core.api_throttling import throttled
from core.pages import form_errors
from measures.selectors import plan_default_as_of

from . import accessibility, selectors
from .datasets import LICENSE_URL, Published
from .formats import CSV_CONTENT_TYPE, JSON_CONTENT_TYPE, csv_lines, json_chunks, metadata
from .pages import (
    measure_page_build,
    plan_page_build,
    plan_published_or_404,
    schedule_page_build,
)

# A reverse proxy or a browser may keep a page this long without asking; then it revalidates (304).
# Short, because unmarking a plan's 公開 must withdraw its pages at once: a kept copy outlives it by
# at most this long.
PUBLIC_MAX_AGE = 60
public_page = cache_control(public=True, max_age=PUBLIC_MAX_AGE)


# What the public pages are drawn by: this app, the apps whose selectors, legend, chart and labels
# it reads, and the project's base template and style. Whole apps, not a list of files, so that a
# new module the pages come to use is never left out.
_CODE_APPS = ("opendata", "measures", "schedule", "core", "bunkyo")
_CODE_SUFFIXES = (".py", ".html", ".css", ".js", ".json")


def code_files() -> list[Path]:
    """Every file the public pages are drawn by, in a fixed order."""
    base = Path(settings.BASE_DIR)
    return [
        path
        for app in _CODE_APPS
        for path in sorted((base / app).rglob("*"))
        if path.suffix in _CODE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts
    ]


def _code_version() -> str:
    """A digest of code_files(), names and contents: a new release that changes how a page is drawn
    (its grading, chart, labels or layout) changes every ETag, so no one is told 304 for an old page."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in code_files():
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


@dataclass(frozen=True)
class Version:
    """What a page shows depends on: the last change of its rows and, for a plan, its 基準日."""

    changed_at: datetime | None
    as_of: date | None = None

    @property
    def etag(self) -> str:
        parts = (CODE_VERSION, self.changed_at.isoformat() if self.changed_at else "", str(self.as_of or ""))
        return quote_etag(hashlib.sha256("|".join(parts).encode()).hexdigest()[:32])

    @property
    def last_modified(self) -> int | None:
        """The later of the last change and the start of the 基準日 (a running plan's is today)."""
        moments = [self.changed_at] if self.changed_at else []
        if self.as_of is not None:
            moments.append(timezone.make_aware(datetime.combine(self.as_of, time.min)))
        return int(max(moments).timestamp()) if moments else None


def conditional(version_of: Callable[..., Version]):
    """Answer 304 when the client holds the current version (If-None-Match, else If-Modified-Since);
    every answer carries the ETag and Last-Modified."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, **kwargs):
            version = version_of(**kwargs)
            last_modified = version.last_modified
            response = get_conditional_response(request, etag=version.etag, last_modified=last_modified)
            if response is None:
                response = view(request, **kwargs)
            if response.status_code in (200, 304):
                response["ETag"] = version.etag
                if last_modified is not None:
                    response["Last-Modified"] = http_date(last_modified)
            return response

        return wrapper

    return decorate


def _plan_version(plan_id: int, **_page) -> Version:
    plan = plan_published_or_404(plan_id)
    return Version(selectors.plan_changed_at(plan), plan_default_as_of(plan))


def _schedule_version(plan_id: int) -> Version:
    plan_published_or_404(plan_id)
    return Version(selectors.schedule_changed_at())


def _plans_version() -> Version:
    return Version(selectors.plans_changed_at())


def _page(template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """A public page: drawn without the request, so it is the same for everyone."""
    context = {"site_url": settings.SITE_URL, "publisher": settings.OPENDATA_LOCAL_GOVERNMENT_NAME, **context}
    return HttpResponse(render_to_string(template, context), status=status)


@public_page
@require_safe
@conditional(_plans_version)
def plans(request):
    published, _years = selectors.plans_published()
    return _page("opendata/public/plans.html", {"plans": published, "canonical": site_url("public:plans")})


@public_page
@require_safe
@conditional(_plan_version)
def plan(request, plan_id: int):
    page = plan_page_build(plan=plan_published_or_404(plan_id), query=request.GET)
    status = 400 if page.filter.errors else 200
    return _page(
        "opendata/public/plan.html",
        {"page": page, "canonical": site_url("public:plan", plan_id), "query": page.filter.query()},
        status=status,
    )


def _filtered(request, plan_id: int):
    page = plan_page_build(plan=plan_published_or_404(plan_id), query=request.GET)
    if page.filter.errors:
        lines = [f"{label}: {message}" for label, message in form_errors(page.filter)]
        return page, HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
    return page, None


def _file_headers(response, filename: str) -> None:
    page = site_url("opendata:index")
    response["Link"] = f'<{LICENSE_URL}>; rel="license", <{page}#measures>; rel="describedby"'
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


# The files are counted with the API and /opendata/ (core.api_throttling): a program reads them.
@throttled(every_row=True)
@public_page
@require_safe
@conditional(_plan_version)
def plan_measures_csv(request, plan_id: int):
    page, refused = _filtered(request, plan_id)
    if refused:
        return refused
    published = Published([page.plan])
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(page.dataset(), published)), content_type=CSV_CONTENT_TYPE
    )
    _file_headers(response, f"plan-{page.plan.pk}-measures.csv")
    return response


@throttled(every_row=True)
@public_page
@require_safe
@conditional(_plan_version)
def plan_measures_json(request, plan_id: int):
    page, refused = _filtered(request, plan_id)
    if refused:
        return refused
    published = Published([page.plan])
    dataset = page.dataset()
    query = page.filter.query()
    suffix = f"?{query}" if query else ""
    urls = {
        "csv_url": site_url("public:plan_measures_csv", page.plan.pk) + suffix,
        "json_url": site_url("public:plan_measures_json", page.plan.pk) + suffix,
        "page_url": site_url("public:plan", page.plan.pk) + suffix,
        "catalog_url": site_url("opendata:catalog"),
    }
    meta = metadata(dataset, published, modified=selectors.modified_measures([page.plan]), urls=urls)
    meta["filters"] = dict(page.filter.applied())
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in json_chunks(dataset, published, meta)),
        content_type=JSON_CONTENT_TYPE,
    )
    _file_headers(response, f"plan-{page.plan.pk}-measures.json")
    return response


@public_page
@require_safe
@conditional(_plan_version)
def measure(request, plan_id: int, number: int):
    page = measure_page_build(plan=plan_published_or_404(plan_id), number=number)
    return _page(
        "opendata/public/measure.html",
        {"page": page, "canonical": site_url("public:measure", plan_id, number)},
    )


@public_page
@require_safe
@conditional(_schedule_version)
def schedule(request, plan_id: int):
    page = schedule_page_build(plan=plan_published_or_404(plan_id))
    return _page(
        "opendata/public/schedule.html", {"page": page, "canonical": site_url("public:schedule", plan_id)}
    )


def _release_version() -> Version:
    """Pages that change only with a release (the policy, the stored 試験結果): the code's version."""
    return Version(None)


@public_page
@require_safe
@conditional(_release_version)
def accessibility_policy(request):
    return _page(
        "opendata/public/accessibility.html",
        {
            "results": accessibility.results_read(),
            "target_level": accessibility.TARGET_LEVEL,
            "deadline": accessibility.TARGET_DEADLINE,
            "canonical": site_url("public:accessibility"),
        },
    )


@public_page
@require_safe
@conditional(_release_version)
def accessibility_results(request):
    return _page(
        "opendata/public/accessibility_results.html",
        {"results": accessibility.results_read(), "canonical": site_url("public:accessibility_results")},
    )


def _sitemap_entries() -> list[tuple[str, date | None]]:
    """(address, last change) of every public page: the published plans' pages, measures and schedules."""
    entries: list[tuple[str, date | None]] = [(site_url("public:plans"), None)]
    published, _years = selectors.plans_published()
    for plan_ in published:
        changed = selectors.plan_changed_at(plan_)
        day = timezone.localdate(changed) if changed else None
        entries.append((site_url("public:plan", plan_.pk), day))
        entries.append((site_url("public:schedule", plan_.pk), None))
        for number in plan_.measures.order_by("number").values_list("number", flat=True):
            entries.append((site_url("public:measure", plan_.pk, number), day))
    entries += [
        (site_url("opendata:index"), None),
        (site_url("public:accessibility"), None),
        (site_url("public:accessibility_results"), None),
    ]
    return entries


@public_page
@require_safe
def sitemap(request):
    xml = render_to_string("opendata/public/sitemap.xml", {"entries": _sitemap_entries()})
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


@public_page
@require_safe
def robots(request):
    text = render_to_string("opendata/public/robots.txt", {"sitemap_url": site_url("public:sitemap")})
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
