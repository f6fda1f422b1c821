"""The background tasks of /reports/ and of the Excel upload (Django's tasks framework; the worker is
manage.py db_worker)."""

from __future__ import annotations

from django_tasks import task

from .exports import build_workbook
from .services import progress_import_read


@task()
def build_workbook_task(job_id: str) -> str:
    """Build one large workbook (reports.exports.build_workbook)."""
    return build_workbook(job_id)


@task()
def read_progress_import_task(upload_id: int) -> str:
    """Read the files of one Excel upload into its preview (reports.services.progress_import_read)."""
    return progress_import_read(upload_id=upload_id)
