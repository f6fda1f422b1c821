"""Large workbooks, built in the background so that no request runs longer than a worker may: the
WorkbookJobs, who sees them, and their state.

/reports/ asks here whether a workbook is large (more measures than settings.REPORTS_BACKGROUND_MEASURES);
if so the person asks for it (workbook_job_create), the worker (manage.py db_worker, Django's tasks
framework with its database backend) builds it (reports.tasks.workbook_job_build), reporting how many
measures it has written, and the person downloads it from /reports/ until it expires
(REPORTS_WORKBOOK_KEEP_HOURS, workbook_jobs_expire). Only the person who asked sees the job or its file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min, QuerySet
from django.http import QueryDict
from django.utils import timezone

from core import clock, fiscal
from core.worker import WaitingJobs

from .filters import MeasureProgressFilter
from .models import WorkbookJob
from .workbook import ProgressExport

# Told beside a request WorkbookJob.is_waiting_too_long, on /reports/ and by its status for the
# page's script. Both causes are named: with one worker, a request also waits behind a large one.
NOT_STARTED_NOTICE = (
    "1分以上たっても作成が始まっていません。作成を受け持つ処理(ワーカー)が止まっているか、"
    "ほかのファイルの作成が続いている可能性があります。"
    "しばらく待っても始まらないときは、事務局(システム管理者)にお知らせください。"
)


def workbook_is_large(measure_count: int) -> bool:
    """Whether a workbook of this many measures is built in the background rather than in the request."""
    return measure_count > settings.REPORTS_BACKGROUND_MEASURES


def _kept_for() -> timedelta:
    return timedelta(hours=settings.REPORTS_WORKBOOK_KEEP_HOURS)


def workbook_job_path(job: WorkbookJob) -> Path:
    """Where the job's file is written (never served as a static file)."""
    return Path(settings.REPORTS_WORKBOOK_DIR) / f"{job.pk}.xlsx"


# ---- selectors ------------------------------------------------------------------------------------


def workbook_jobs_of_user(user) -> QuerySet[WorkbookJob]:
    """The person's own workbooks that have not expired, newest first."""
    return WorkbookJob.objects.filter(requested_by=user, expires_at__gt=clock.now())


def workbook_job_of_user(user, job_id) -> WorkbookJob | None:
    """The job if it is this person's and has not expired; None otherwise (someone else's looks like none)."""
    return workbook_jobs_of_user(user).filter(pk=job_id).first()


def workbook_jobs_waiting_too_long() -> WaitingJobs | None:
    """The requests of everyone, unexpired, still 作成待ち a minute after being asked for; None when
    there are none. For the secretariat (the admin's front page). One query."""
    now = clock.now()
    waiting = WorkbookJob.objects.waiting_too_long(now).filter(expires_at__gt=now)
    found = waiting.aggregate(count=Count("pk"), since=Min("requested_at"))
    return WaitingJobs(**found) if found["count"] else None


def workbook_job_status(job: WorkbookJob) -> dict:
    """What the progress display needs, as JSON."""
    from django.urls import reverse

    return {
        "id": str(job.pk),
        "status": job.status,
        "status_label": job.get_status_display(),
        "percent": job.percent,
        "measures_done": job.measures_done,
        "measure_count": job.measure_count,
        "download_url": reverse("reports:workbook_download", args=[job.pk])
        if job.status == WorkbookJob.Status.DONE
        else None,
        "expires_at": timezone.localtime(job.expires_at).isoformat(),
        "expires_label": fiscal.wareki_datetime(job.expires_at),
        "notice": NOT_STARTED_NOTICE if job.is_waiting_too_long else "",
    }


def workbook_job_query(filterset: MeasureProgressFilter) -> str:
    """The filters' query string with the plan and the 基準日 as chosen now, so that the file built
    later covers what the person saw (a blank 基準日 means today, which may be tomorrow by then)."""
    data = QueryDict(mutable=True)
    data["plan"] = str(filterset.selected_plan.pk)
    data["as_of"] = filterset.as_of_date.isoformat()
    for name in filterset.form.fields:  # the filters' own fields: no CSRF token, nothing else
        values = [value for value in filterset.data.getlist(name) if value != ""]
        if values and name not in data:
            data.setlist(name, values)
    return data.urlencode()


# ---- services -------------------------------------------------------------------------------------


def workbook_job_create(*, user, filterset: MeasureProgressFilter) -> WorkbookJob:
    """Queue the workbook of a valid filter set for the worker, for ``user`` alone."""
    from .tasks import workbook_job_build_task  # the task module imports this one

    workbook_jobs_expire()
    export = ProgressExport.from_filter(filterset)
    now = clock.now()
    job = WorkbookJob.objects.create(
        requested_by=user,
        query=workbook_job_query(filterset),
        filename=export.filename,
        ascii_filename=export.ascii_filename,
        measure_count=filterset.qs.count(),
        requested_at=now,
        expires_at=now + _kept_for(),
    )
    workbook_job_build_task.enqueue(str(job.pk))
    job.refresh_from_db()  # an immediate backend (tests, development) has built it already
    return job


def workbook_job_start(*, job_id: str) -> WorkbookJob | str:
    """The worker takes a job 作成待ち: it becomes 作成中. Otherwise its status, or "gone" when it has
    expired and been deleted."""
    job = WorkbookJob.objects.filter(pk=job_id).first()
    if job is None or job.status != WorkbookJob.Status.QUEUED:
        return "gone" if job is None else job.status  # expired and purged, or already built
    WorkbookJob.objects.filter(pk=job.pk).update(status=WorkbookJob.Status.RUNNING)
    return job


def workbook_job_progress(*, job: WorkbookJob, measures_done: int) -> None:
    """How many measures the worker has written, for the progress bar."""
    WorkbookJob.objects.filter(pk=job.pk).update(measures_done=measures_done)


def workbook_job_finish(*, job: WorkbookJob, failed: bool = False) -> str:
    """The worker is done with a job: 完了, kept for REPORTS_WORKBOOK_KEEP_HOURS from now, or 失敗.
    Returns the status."""
    now = clock.now()
    jobs = WorkbookJob.objects.filter(pk=job.pk)
    if failed:
        jobs.update(status=WorkbookJob.Status.FAILED, finished_at=now)
        return WorkbookJob.Status.FAILED
    jobs.update(status=WorkbookJob.Status.DONE, finished_at=now, expires_at=now + _kept_for())
    return WorkbookJob.Status.DONE


def workbook_jobs_expire(now=None) -> int:
    """Delete the jobs past their time and their files. Returns how many jobs were deleted."""
    now = now or clock.now()
    expired = list(WorkbookJob.objects.filter(expires_at__lte=now))
    for job in expired:
        workbook_job_path(job).unlink(missing_ok=True)
        workbook_job_path(job).with_suffix(".part").unlink(missing_ok=True)
    WorkbookJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)
