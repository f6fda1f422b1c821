"""The background task of /reports/ (Django's tasks framework; the worker is manage.py db_worker), and
the work of building a large workbook. The Excel upload's task is rounds.progress_imports.progress_import_read_task.

A queued task is stored in the database by its path (reports.tasks.<name>), so a name a task once
had stays importable below for the tasks queued before it was renamed.
"""

from __future__ import annotations

import logging
import os

from django.http import QueryDict
from django_tasks import task

import rounds.progress_imports

from .filters import MeasureProgressFilter
from .workbook import ProgressExport, write_progress_workbook
from .workbook_jobs import (
    workbook_job_finish,
    workbook_job_path,
    workbook_job_progress,
    workbook_job_start,
    workbook_jobs_expire,
)

logger = logging.getLogger(__name__)


def workbook_job_build(job_id: str) -> str:
    """The task's work: write the job's workbook to its file, telling the job how far it has got.

    The file is written under a temporary name and renamed when complete, so a download never
    sees half a file. Returns the job's status.
    """
    job = workbook_job_start(job_id=job_id)
    if isinstance(job, str):
        return job
    path = workbook_job_path(job)
    partial = path.with_suffix(".part")
    try:
        filterset = MeasureProgressFilter(QueryDict(job.query))
        if not filterset.is_valid():  # the plan was deleted meanwhile
            raise ValueError(f"the filters are no longer valid: {filterset.form.errors.as_json()}")
        path.parent.mkdir(parents=True, exist_ok=True)
        every = max(1, job.measure_count // 100)  # about a hundred updates
        write_progress_workbook(
            ProgressExport.from_filter(filterset),
            partial,
            on_progress=lambda done: workbook_job_progress(job=job, measures_done=done),
            progress_every=every,
        )
        os.replace(partial, path)
    except Exception:
        logger.exception("The workbook %s could not be built", job.pk)
        partial.unlink(missing_ok=True)
        workbook_job_finish(job=job, failed=True)
        raise
    status = workbook_job_finish(job=job)
    workbook_jobs_expire()
    return status


@task()
def workbook_job_build_task(job_id: str) -> str:
    """Build one large workbook (workbook_job_build)."""
    return workbook_job_build(job_id)


# The names the tasks had until issue 23, and the upload's task before it moved to rounds (issue 24):
# tasks queued before an upgrade are stored under them, and the worker finds them here.
build_workbook_task = workbook_job_build_task
progress_import_read_task = rounds.progress_imports.progress_import_read_task
read_progress_import_task = rounds.progress_imports.progress_import_read_task
