"""/reports/: the manager's Excel progress workbook, chosen with the shared filters and downloaded."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from measures.filters import MeasureProgressFilter

from . import roles
from .workbook import ProgressExport, progress_workbook_response


def _exporters_only(view):
    """Managers and the secretariat: others signed in get 403, anonymous visitors the login page."""
    return require_safe(
        login_required(permission_required(roles.EXPORT_PERMISSION, raise_exception=True)(view))
    )


def _page(request, filterset: MeasureProgressFilter, *, status: int = 200):
    valid = filterset.is_valid()
    context = {
        "filter": filterset,
        "plan": filterset.selected_plan if valid else None,
        "measure_count": filterset.qs.count() if valid else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/index.html", context, status=status)


@_exporters_only
def report_page(request):
    return _page(request, MeasureProgressFilter(request.GET))


@_exporters_only
def progress_xlsx(request):
    filterset = MeasureProgressFilter(request.GET)
    if not filterset.is_valid():
        # The same page, the errors beside the fields they concern: a bookmark gone stale is fixable.
        return _page(request, filterset, status=400)
    return progress_workbook_response(ProgressExport.from_filter(filterset))
