"""A workbook too large to build in a request: asked for, built by the worker, watched, downloaded, expired.

The seed plan has 5 measures; REPORTS_BACKGROUND_MEASURES is set to 3 here so that it counts as large.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import fiscal
from core.xlsx import XLSX_CONTENT_TYPE
from reports import tasks, workbook_jobs
from reports.models import WorkbookJob

from .excel import open_workbook
from .factories import seed_plan

PAGE = reverse("reports:index")
XLSX = reverse("reports:progress_xlsx")
REQUEST = reverse("reports:workbook_request")
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def large(settings, tmp_path):
    """The seed plan's 5 measures count as large; files go to a temporary folder; jobs wait in the queue."""
    settings.REPORTS_BACKGROUND_MEASURES = 3
    settings.REPORTS_WORKBOOK_KEEP_HOURS = 24
    settings.REPORTS_WORKBOOK_DIR = tmp_path / "workbooks"
    settings.TASKS = DUMMY
    return settings


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _ask(client, user, query="as_of=2021-12-31") -> WorkbookJob:
    client.force_login(user)
    response = client.post(f"{REQUEST}?{query}")
    assert response.status_code == 302
    job = WorkbookJob.objects.get(requested_by=user)
    assert response["Location"] == f"{PAGE}?{job.query}#workbook-{job.pk}"
    return job


def _status(client, job) -> dict:
    response = client.get(reverse("reports:workbook_status", args=[job.pk]))
    assert response.status_code == 200
    return json.loads(response.content)


def test_a_small_plan_still_downloads_at_once(client, manager, demo, settings):
    settings.REPORTS_BACKGROUND_MEASURES = 5
    client.force_login(manager)
    response = client.get(f"{XLSX}?as_of=2021-12-31")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert not WorkbookJob.objects.exists()


def test_a_large_plan_is_offered_to_be_built_in_the_background(client, manager, demo, large):
    client.force_login(manager)
    response = client.get(f"{XLSX}?as_of=2021-12-31")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "このExcelファイルは作成に時間がかかります" in page
    assert "この条件の施策は5件あり、3件を超えるため、その場ではダウンロードできません。" in page
    assert "作成したファイルは24時間、依頼した人だけがダウンロードできます。" in page
    assert f'action="{REQUEST}?as_of=2021-12-31"' in page
    assert "Excelファイルの作成を依頼" in page
    assert not WorkbookJob.objects.exists(), "a GET asks for nothing"
    # The report page says the same before anyone clicks 'download'.
    assert "Excelファイルの作成を依頼" in client.get(f"{PAGE}?as_of=2021-12-31").content.decode()


def test_asking_progress_download_and_no_one_else(
    client, manager, secretariat, council, demo, large, monkeypatch
):
    job = _ask(client, manager)
    assert job.status == WorkbookJob.Status.QUEUED
    assert job.measure_count == 5
    assert job.query == f"plan={seed_plan().pk}&as_of=2021-12-31"
    assert job.filename == "進捗状況_2021-12-31.xlsx"

    # Queued: the page shows it with an empty bar and a link to reload; the file is not there yet.
    page = client.get(f"{PAGE}?{job.query}").content.decode()
    assert "作成を依頼したExcelファイル" in page
    assert f'id="workbook-{job.pk}"' in page
    assert '<progress max="100" value="0"' in page
    assert "作成待ち" in page
    assert "最新の状態に更新</a>" in page
    assert _status(client, job) == {
        "id": str(job.pk),
        "status": "queued",
        "status_label": "作成待ち",
        "percent": 0,
        "measures_done": 0,
        "measure_count": 5,
        "download_url": None,
        "expires_at": timezone.localtime(job.expires_at).isoformat(),
        "expires_label": fiscal.wareki_datetime(job.expires_at),
        "notice": "",
    }
    download = reverse("reports:workbook_download", args=[job.pk])
    assert client.get(download).status_code == 404

    # The worker builds it; what the page's script polls for, while it runs, moves forward.
    seen = []
    write = tasks.write_progress_workbook

    def watching(*args, on_progress, **kwargs):
        def told(done):
            on_progress(done)
            seen.append((_status(client, job)["percent"], _status(client, job)["status_label"]))
            if done == 3:
                page = client.get(f"{PAGE}?{job.query}").content.decode()
                seen.append('<progress max="100" value="60"' in page and "作成中" in page)

        return write(*args, on_progress=told, **kwargs)

    monkeypatch.setattr(tasks, "write_progress_workbook", watching)
    assert tasks.workbook_job_build(str(job.pk)) == "done"
    assert seen[:4] == [(20, "作成中"), (40, "作成中"), (60, "作成中"), True]
    assert seen[-1] == (99, "作成中"), "100 only once the file is saved"

    status = _status(client, job)
    assert (status["status"], status["percent"], status["download_url"]) == ("done", 100, download)
    status_response = client.get(reverse("reports:workbook_status", args=[job.pk]))
    assert status_response["Cache-Control"] == "private, no-store"
    page = client.get(f"{PAGE}?{job.query}").content.decode()
    assert f'<a href="{download}" download>ダウンロード</a>' in page
    assert "<progress" not in page

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Cache-Control"] == "private, no-store"
    assert (
        unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1]) == "進捗状況_2021-12-31.xlsx"
    )
    workbook = open_workbook(_content(response))
    assert workbook.sheetnames[:2] == ["概要", "施策別進捗"]
    titles = {row[2] for row in workbook["施策別進捗"].iter_rows(min_row=3, values_only=True)}
    assert titles == set(seed_plan().measures.values_list("title", flat=True))

    # Someone else, even the secretariat, finds nothing; the council may not ask at all.
    for other in (secretariat,):
        client.force_login(other)
        assert client.get(download).status_code == 404
        assert client.get(reverse("reports:workbook_status", args=[job.pk])).status_code == 404
        assert f"workbook-{job.pk}" not in client.get(PAGE).content.decode()
    client.force_login(council)
    assert client.get(download).status_code == 403
    assert client.post(f"{REQUEST}?as_of=2021-12-31").status_code == 403
    client.logout()
    assert client.get(download).status_code == 302


def test_a_workbook_expires_and_its_file_is_deleted(client, manager, demo, large):
    job = _ask(client, manager)
    tasks.workbook_job_build(str(job.pk))
    path = workbook_jobs.workbook_job_path(job)
    assert path.exists()
    job.refresh_from_db()
    assert timedelta(hours=23, minutes=59) < job.expires_at - job.finished_at <= timedelta(hours=24)
    download = reverse("reports:workbook_download", args=[job.pk])
    assert client.get(download).status_code == 200

    WorkbookJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(download).status_code == 404
    assert f"workbook-{job.pk}" not in client.get(PAGE).content.decode()
    assert path.exists(), "until the purge runs"
    call_command("purge_workbooks", stdout=(out := __import__("io").StringIO()))
    assert out.getvalue().strip() == "期限切れのファイルを1件削除しました。"
    assert not path.exists()
    assert not WorkbookJob.objects.exists()


def test_a_job_purged_before_the_worker_reached_it_is_skipped(client, manager, demo, large):
    job = _ask(client, manager)
    WorkbookJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert workbook_jobs.workbook_jobs_expire() == 1
    assert tasks.workbook_job_build(str(job.pk)) == "gone"


def test_a_blank_as_of_is_frozen_when_asked(client, manager, demo, large):
    from django.http import QueryDict

    from reports.filters import MeasureProgressFilter

    job = _ask(client, manager, query="department=")
    filterset = MeasureProgressFilter(QueryDict(""))
    assert filterset.is_valid()
    assert job.query == f"plan={seed_plan().pk}&as_of={filterset.as_of_date.isoformat()}"


def test_asking_for_a_small_workbook_downloads_it_at_once(client, manager, demo, large, settings):
    settings.REPORTS_BACKGROUND_MEASURES = 10
    client.force_login(manager)
    response = client.post(f"{REQUEST}?as_of=2021-12-31")
    assert response.status_code == 302
    assert response["Location"] == f"{XLSX}?plan={seed_plan().pk}&as_of=2021-12-31"
    assert not WorkbookJob.objects.exists()


def test_with_the_immediate_backend_the_link_is_there_on_return(client, manager, demo, large, settings):
    settings.TASKS = IMMEDIATE
    job = _ask(client, manager)
    assert job.status == WorkbookJob.Status.DONE
    page = client.get(f"{PAGE}?{job.query}").content.decode()
    assert f'href="{reverse("reports:workbook_download", args=[job.pk])}" download>ダウンロード</a>' in page


def test_the_database_worker_builds_it(client, manager, demo, large, settings, transactional_db):
    settings.TASKS = DATABASE
    job = _ask(client, manager)
    assert _status(client, job)["status"] == "queued"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    status = _status(client, job)
    assert status["status"] == "done", status
    response = client.get(status["download_url"])
    assert response.status_code == 200
    assert open_workbook(_content(response)).sheetnames[1] == "施策別進捗"


def test_a_workbook_queued_under_the_tasks_old_name_is_still_built(
    client, manager, demo, large, settings, transactional_db
):
    """The queue stores a task by its path: one queued before the tasks were renamed (issue 23) runs."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE
    job = _ask(client, manager)
    assert DBTaskResult.objects.get().task_path == "reports.tasks.workbook_job_build_task"
    DBTaskResult.objects.update(task_path="reports.tasks.build_workbook_task")
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert _status(client, job)["status"] == "done"


# ---- The worker is stopped: a request that never starts is told, on /reports/ and to the secretariat --

NOT_STARTED = (
    "1分以上たっても作成が始まっていません。作成を受け持つ処理(ワーカー)が止まっているか、"
    "ほかのファイルの作成が続いている可能性があります。"
    "しばらく待っても始まらないときは、事務局(システム管理者)にお知らせください。"
)


def _asked_ago(client, user, seconds: int, query="as_of=2021-12-31") -> WorkbookJob:
    """A request made ``seconds`` ago that the worker has not touched since (the dummy backend runs nothing)."""
    client.force_login(user)
    assert client.post(f"{REQUEST}?{query}").status_code == 302
    job = WorkbookJob.objects.filter(requested_by=user).order_by("-requested_at").first()
    WorkbookJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def test_a_request_not_started_after_a_minute_says_the_worker_may_be_stopped(client, manager, demo, large):
    job = _asked_ago(client, manager, 61)
    page = client.get(f"{PAGE}?{job.query}").content.decode()
    assert "作成待ち" in page
    assert NOT_STARTED in page
    # The page's script polls the status: the notice comes with it, and goes once the worker starts.
    status = _status(client, job)
    assert (status["status"], status["percent"], status["notice"]) == ("queued", 0, NOT_STARTED)
    WorkbookJob.objects.filter(pk=job.pk).update(status=WorkbookJob.Status.RUNNING, measures_done=1)
    assert _status(client, job)["notice"] == ""
    assert NOT_STARTED not in client.get(f"{PAGE}?{job.query}").content.decode()


def test_a_request_of_30_seconds_ago_is_only_waiting(client, manager, demo, large):
    job = _asked_ago(client, manager, 30)
    page = client.get(f"{PAGE}?{job.query}").content.decode()
    assert "作成待ち" in page
    assert NOT_STARTED not in page
    assert _status(client, job)["notice"] == ""


def test_a_finished_or_failed_request_is_never_announced(client, manager, demo, large):
    job = _asked_ago(client, manager, 600)
    for finished in (WorkbookJob.Status.DONE, WorkbookJob.Status.FAILED):
        WorkbookJob.objects.filter(pk=job.pk).update(status=finished, finished_at=timezone.now())
        assert NOT_STARTED not in client.get(f"{PAGE}?{job.query}").content.decode()
        assert _status(client, job)["notice"] == ""


def test_the_secretariat_is_told_on_the_admins_front_page(client, manager, secretariat, demo, large):
    oldest = _asked_ago(client, manager, 300)
    _asked_ago(client, manager, 61, query="as_of=2021-11-30")
    _asked_ago(client, secretariat, 30, query="as_of=2021-10-31")  # still within its minute
    started = _asked_ago(client, secretariat, 600, query="as_of=2021-09-30")
    WorkbookJob.objects.filter(pk=started.pk).update(status=WorkbookJob.Status.RUNNING)

    client.force_login(secretariat)
    page = client.get(reverse("admin:index")).content.decode()
    assert (
        "Excelファイルの作成依頼が2件、1分以上作成待ちのままです"
        f"(いちばん古い依頼は{fiscal.wareki_datetime(oldest.requested_at)})。"
        "大きなExcelファイルを作成する処理(ワーカー)が止まっている可能性があります。"
        "システム管理者に、ワーカー(manage.py db_worker)が動いているか確かめるよう依頼してください。"
    ) in page


def test_the_admins_front_page_says_nothing_while_the_worker_keeps_up(
    client, manager, secretariat, demo, large
):
    _asked_ago(client, manager, 30)
    client.force_login(secretariat)
    page = client.get(reverse("admin:index")).content.decode()
    assert "作成待ちのまま" not in page
