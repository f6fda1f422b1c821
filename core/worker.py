"""What every job of the background worker (manage.py db_worker) shares: how soon it is expected to
start, and how a page tells the secretariat that jobs are waiting longer than that.

Both a large workbook (reports.WorkbookJob) and an Excel upload (rounds.ProgressImport) wait in the
same queue for the same worker, so they share the rule; it knows neither, so it lives in core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A running worker (manage.py db_worker --interval 2) starts a job within seconds, unless it is busy
# with another; a job still waiting after this long is announced to the person who asked and to the
# secretariat (the admin's front page): the worker may be stopped.
START_EXPECTED_WITHIN = timedelta(minutes=1)


@dataclass(frozen=True)
class WaitingJobs:
    """Everyone's jobs that the worker has not started in time: how many, and the oldest's time."""

    count: int
    since: datetime
