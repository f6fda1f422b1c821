"""The home page: the plan's progress at a glance, for whoever signs in.

One fiscal year's counts by status and by grade (for the whole plan and for each purpose), what
changed since the last report to the council, and the next meetings, with links to the detailed
pages the user may open. ``measures`` and ``schedule`` never import each other, so they meet here.

The page has the same size and makes the same number of queries whatever the number of
measures: they are counted by the database (progress_year_count, progress_change_count) and never
listed, and at most CHANGES_SHOWN changes and MEETINGS_SHOWN meetings are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from core import fiscal
from measures.legend import Legend, legend_for
from measures.models import Plan, Purpose
from measures.permissions import EXPORT_PROGRESS, PRINT_PROGRESS
from measures.selectors import (
    ProgressChange,
    ProgressSummary,
    fiscal_years_reported_between,
    plan_overview,
    progress_change_count,
    progress_fiscal_year,
    progress_year_count,
)
from reports.printing import SummaryLine, summary_line
from rounds.selectors import answers_open_for
from schedule.models import ScheduledItem
from schedule.selectors import (
    council_report_last_held,
    scheduled_items_overdue_count,
    scheduled_items_upcoming,
)

CHANGES_SHOWN = 10
MEETINGS_SHOWN = 5

# Who may read what the page shows: progress needs what the printable pages or the admin's
# progress list need; the meetings, what /schedule/ needs.
READ_PROGRESS = (PRINT_PROGRESS, "measures.view_progressreport")
READ_SCHEDULE = "schedule.view_scheduleditem"


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


@dataclass
class DetailLinks:
    """The detailed pages the user may open, each None when they may not."""

    print_page: str | None = None
    workbook: str | None = None
    admin_reports: str | None = None
    schedule: str | None = None
    schedule_items: bool = False  # each meeting links to its /schedule/ page
    admin_schedule: str | None = None

    @classmethod
    def for_user(cls, user, fiscal_year: int) -> DetailLinks:
        links = cls()
        if user.has_perm(PRINT_PROGRESS):
            links.print_page = _url("reports:print", fiscal_year=fiscal_year)
        if user.has_perm(EXPORT_PROGRESS):
            links.workbook = _url("reports:progress_xlsx", fiscal_year=fiscal_year)
        if user.has_perm(READ_SCHEDULE):
            links.schedule = _url("schedule:table")
            links.schedule_items = True
        if user.is_staff and user.has_perm("measures.view_progressreport"):
            links.admin_reports = _url("admin:measures_progressreport_changelist", fiscal_year=fiscal_year)
        if user.is_staff and user.has_perm("schedule.change_scheduleditem"):
            links.admin_schedule = _url("admin:schedule_scheduleditem_changelist")
        return links


@dataclass
class PurposeLine:
    purpose: Purpose
    line: SummaryLine
    print_url: str | None


@dataclass
class ProgressGlance:
    """One fiscal year's counts, as of a date: every measure once, by its latest standing report."""

    fiscal_year: int
    as_of: date
    legend: Legend
    line: SummaryLine
    purposes: list[PurposeLine]
    latest_report_on: date | None

    @property
    def current_fiscal_year(self) -> int:
        return fiscal.fiscal_year_of(self.as_of)

    @property
    def is_current(self) -> bool:
        return self.fiscal_year == self.current_fiscal_year


@dataclass
class CouncilChanges:
    """What changed since the last report to the council: how many measure-years of the plan
    differ in status, grade or progress from that day, or lost a report to a withdrawal, and the
    first CHANGES_SHOWN of them (progress_change_count: the changes progress_changes lists)."""

    report: ScheduledItem | None
    count: int = 0
    shown: list[ProgressChange] = field(default_factory=list)
    print_url: str | None = None

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


@dataclass
class HomePage:
    plan: Plan
    links: DetailLinks
    progress: ProgressGlance | None = None
    council: CouncilChanges | None = None
    meetings: list[ScheduledItem] | None = None
    overdue_items: int | None = None  # for the secretariat, who records what was held
    rounds_requests: list | None = None  # 所管課担当: their departments' open requests and deadlines


def _line(summary: ProgressSummary | None, key: int, label: str, legend: Legend) -> SummaryLine:
    return summary_line(summary or ProgressSummary(key, label), legend)


def _changes(plan: Plan, on: date, legend: Legend, links: DetailLinks) -> CouncilChanges:
    """The changes since the council's last report, counted by the database in every year of the
    plan with a report dated (or withdrawn) since that report (no other year can have changed);
    the first CHANGES_SHOWN read in full."""
    council = CouncilChanges(report=council_report_last_held(on=on))
    since = council.report.actual_date if council.report else None
    changed_years = fiscal_years_reported_between(plan=plan, after=since, until=on) if since else []
    if changed_years:
        changes = progress_change_count(
            plan=plan,
            since=since,
            as_of=on,
            fiscal_years=changed_years,
            limit=CHANGES_SHOWN,
            statuses=legend.statuses,
            grades=legend.grades,
        )
        council.count, council.shown = changes.total, changes.first
    if since is not None and links.print_page and since < on:
        council.print_url = _url("reports:print", since=since.isoformat())
    return council


def _progress(plan: Plan, year: int, on: date, links: DetailLinks) -> tuple[ProgressGlance, CouncilChanges]:
    """The year's counts, made by the database (progress_year_count), and the changes since the
    council's last report."""
    legend = legend_for(plan)
    count = progress_year_count(
        plan=plan, fiscal_year=year, as_of=on, statuses=legend.statuses, grades=legend.grades
    )
    purposes = [
        PurposeLine(
            purpose,
            _line(count.purposes.get(purpose.pk), purpose.pk, purpose.code, legend),
            f"{links.print_page}&{urlencode({'purpose': purpose.pk})}" if links.print_page else None,
        )
        for purpose in plan_overview(plan)
    ]
    glance = ProgressGlance(
        fiscal_year=year,
        as_of=on,
        legend=legend,
        line=_line(count.year, year, fiscal.fiscal_year_label(year), legend),
        purposes=purposes,
        latest_report_on=count.latest_report_on,
    )
    return glance, _changes(plan, on, legend, links)


def home_page_build(*, user, plan: Plan, on: date) -> HomePage:
    """What ``user`` sees on the home page on ``on``: only what their role may read and open."""
    year = progress_fiscal_year(plan=plan, on=on)
    page = HomePage(plan=plan, links=DetailLinks.for_user(user, year))
    if any(user.has_perm(permission) for permission in READ_PROGRESS):
        page.progress, page.council = _progress(plan, year, on, page.links)
    else:
        # 所管課担当, who read no progress: their departments' open requests (rounds).
        page.rounds_requests = answers_open_for(user)
    if user.has_perm(READ_SCHEDULE):
        page.meetings = scheduled_items_upcoming(on=on, limit=MEETINGS_SHOWN)
        if page.links.admin_schedule:
            page.overdue_items = scheduled_items_overdue_count(on=on)
    return page
