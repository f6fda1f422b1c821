"""One meaning per word (issue 23, item 4): each filter has one name, and an old name is refused.

``as_of`` is the 基準日 everywhere it is read (the report pages, /api/measures/): each measure's
latest standing report by that date speaks for it. The reports' own list, which takes every report
up to a date, reads ``reported_until``; the schedule, which takes what was held by a date,
``held_until``. The purpose filter is ``purpose`` everywhere (it was ``objective`` on the report
pages). A client or a bookmark still sending an old name gets a 400 naming the new one, never
an answer quietly widened to everything.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.http import QueryDict
from django.urls import reverse

from core import clock
from measures.models import Plan, ProgressReport, Purpose
from reports.filters import MeasureProgressFilter
from reports.models import WorkbookJob
from schedule.models import ScheduledItem

from .factories import seed_plan
from .page_text import parse

pytestmark = pytest.mark.usefixtures("demo")


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _refused(response, new: str, old: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["errors"][new] == [f"{old} は廃止しました。{new} を使ってください。"]


# ---- The reports' own list: every report up to a date -----------------------------------------------


def test_the_secretariats_system_lists_the_reports_dated_up_to_a_day(client, secretariat):
    client.force_login(secretariat)
    listed = _ids(client.get("/api/progress-reports/?reported_until=2020-09-30&page_size=500"))
    expected = set(ProgressReport.objects.filter(as_of__lte=date(2020, 9, 30)).values_list("pk", flat=True))
    assert listed == expected
    # Every one of them, not only the latest of each measure and year.
    assert (
        len(expected)
        > ProgressReport.objects.filter(pk__in=expected).values("measure", "fiscal_year").distinct().count()
    )


def test_the_reports_list_refuses_as_of_and_names_reported_until(client, secretariat):
    client.force_login(secretariat)
    _refused(client.get("/api/progress-reports/?as_of=2020-09-30"), "reported_until", "as_of")


# ---- The schedule: what was held by a date -----------------------------------------------------------


def test_a_visitor_lists_the_meetings_held_by_a_day(client):
    Plan.objects.update(published=True)
    early, late, planned = ScheduledItem.objects.filter(fiscal_year=2018).order_by("pk")[:3]
    ScheduledItem.objects.filter(pk=early.pk).update(status="held", actual_date=date(2018, 6, 1))
    ScheduledItem.objects.filter(pk=late.pk).update(status="held", actual_date=date(2018, 11, 1))
    listed = _ids(client.get("/api/scheduled-items/?held_until=2018-09-30&page_size=500"))
    assert early.pk in listed
    assert late.pk not in listed and planned.pk not in listed


def test_the_schedule_refuses_as_of_and_names_held_until(client):
    Plan.objects.update(published=True)
    _refused(client.get("/api/scheduled-items/?as_of=2018-09-30"), "held_until", "as_of")


# ---- as_of stays the 基準日 ------------------------------------------------------------------------


def test_as_of_on_the_measures_is_still_the_kijunbi(client, secretariat):
    client.force_login(secretariat)
    response = client.get("/api/measures/?as_of=2020-09-30&fiscal_year=2020")
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["as_of"] == "2020-09-30"
    assert row["years"][0]["report_as_of"] == "2020-09-30"


# ---- The purpose filter: purpose, not objective --------------------------------------------------------


def test_the_measures_list_narrows_by_purpose(client, secretariat):
    client.force_login(secretariat)
    purpose = Purpose.objects.get(plan=seed_plan(), code="ウ")
    listed = _ids(client.get(f"/api/measures/?purpose={purpose.pk}"))
    assert listed == set(purpose.measures.values_list("pk", flat=True))


def test_the_measures_list_refuses_objective_and_names_purpose(client, secretariat):
    client.force_login(secretariat)
    purpose = Purpose.objects.get(plan=seed_plan(), code="ウ")
    _refused(client.get(f"/api/measures/?objective={purpose.pk}"), "purpose", "objective")
    # Both at once, as the API once took them: still one name only.
    _refused(
        client.get(f"/api/measures/?objective={purpose.pk}&purpose={purpose.pk}"), "purpose", "objective"
    )


@pytest.mark.parametrize(
    ("url", "persona"),
    [
        (reverse("reports:index"), "manager"),
        (reverse("reports:progress_xlsx"), "manager"),
        (reverse("reports:print"), "council"),
    ],
)
def test_a_bookmark_with_objective_gets_the_form_back_saying_to_choose_the_purpose_again(
    client, request, url, persona
):
    client.force_login(request.getfixturevalue(persona))
    purpose = Purpose.objects.get(plan=seed_plan(), code="ウ")
    response = client.get(url, {"as_of": "2021-03-31", "objective": purpose.pk})
    assert response.status_code == 400
    assert "objective は廃止しました。purpose を使ってください。" in parse(response.content).text


def test_a_bookmark_with_an_empty_objective_still_means_every_purpose(client, manager):
    """The page's form sent objective= for 「すべて」: it filtered nothing, and still does not."""
    client.force_login(manager)
    response = client.get(reverse("reports:index"), {"as_of": "2021-03-31", "objective": ""})
    assert response.status_code == 200
    assert f"この条件の施策: {seed_plan().measures.count()}件" in response.content.decode()


def test_a_workbook_asked_for_before_the_rename_is_built_for_its_purpose(manager):
    """A job queued with objective= in its stored query, then the migration: its purpose is kept."""
    purpose = Purpose.objects.get(plan=seed_plan(), code="ウ")
    now = clock.now()
    job = WorkbookJob.objects.create(
        requested_by=manager,
        query=f"plan={seed_plan().pk}&as_of=2021-03-31&objective={purpose.pk}&department=",
        filename="進捗状況_2021-03-31.xlsx",
        ascii_filename="progress_2021-03-31.xlsx",
        measure_count=1,
        requested_at=now,
        expires_at=now + timedelta(hours=1),
    )
    migration = import_module("reports.migrations.0008_workbookjob_query_purpose")
    migration._rename("objective", "purpose")(apps, None)
    job.refresh_from_db()
    assert job.query == f"plan={seed_plan().pk}&as_of=2021-03-31&purpose={purpose.pk}&department="
    filterset = MeasureProgressFilter(QueryDict(job.query))
    assert filterset.is_valid(), filterset.errors
    assert set(filterset.qs) == set(purpose.measures.all())


def test_the_export_command_refuses_objective_in_japanese_and_names_purpose(tmp_path):
    """--objective was the command's option: refused by the same form, with the same message, never
    argparse's English 'unrecognized arguments'."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    purpose = Purpose.objects.order_by("pk").first()
    output = tmp_path / "進捗.xlsx"
    with pytest.raises(CommandError) as refused:
        call_command("export_progress", "--objective", str(purpose.pk), "--output", str(output))
    assert "objective は廃止しました。purpose を使ってください。" in str(refused.value)
    assert not output.exists()
