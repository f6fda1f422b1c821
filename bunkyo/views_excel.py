"""/reports/: the manager's Excel progress workbook, chosen with the shared filters and downloaded."""

from __future__ import annotations

from django.shortcuts import render

from measures.filters import MeasureProgressFilter
from measures.pages import read_only_page

from . import roles
from .workbook import ProgressExport, progress_workbook_response


def _page(request, filterset: MeasureProgressFilter, *, status: int = 200):
    valid = filterset.is_valid()
    context = {
        "filter": filterset,
        "plan": filterset.selected_plan if valid else None,
        "measure_count": filterset.qs.count() if valid else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/index.html", context, status=status)


@read_only_page(roles.EXPORT_PERMISSION)
def report_page(request):
    return _page(request, MeasureProgressFilter(request.GET))


@read_only_page(roles.EXPORT_PERMISSION)
def progress_xlsx(request):
    filterset = MeasureProgressFilter(request.GET)
    if not filterset.is_valid():
        # The same page, the errors beside the fields they concern: a bookmark gone stale is fixable.
        return _page(request, filterset, status=400)
    return progress_workbook_response(ProgressExport.from_filter(filterset))
