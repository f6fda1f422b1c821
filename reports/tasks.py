"""The background tasks of /reports/ (Django's tasks framework; the worker is manage.py db_worker)."""

from __future__ import annotations

from django_tasks import task

from .exports import build_workbook


@task()
def build_workbook_task(job_id: str) -> str:
    """Build one large workbook (reports.exports.build_workbook)."""
    return build_workbook(job_id)
