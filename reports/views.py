"""/reports/: the manager's Excel workbook and the council's printable pages, all read-only.

Each view validates the shared filters, hands them to a builder (workbook, printing) and renders.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from core.pages import bad_request, read_only_page
from measures.models import Measure
from measures.permissions import EXPORT_PROGRESS, PRINT_PROGRESS

from .chart import grade_chart_for
from .filters import MeasureProgressFilter
from .forms import PrintOptionsForm
from .printing import council_report_build, measure_report_build
from .workbook import ProgressExport, progress_workbook_response


def _report_page(request, filterset: MeasureProgressFilter):
    """The filter form with the scope it selects; wrong filters: the reasons beside the fields, status 400
    (the same answer as the workbook and the printable pages give for the same query string)."""
    valid = filterset.is_valid()
    context = {
        "filter": filterset,
        "plan": filterset.selected_plan if valid else None,
        "measure_count": filterset.qs.count() if valid else None,
        "chart": grade_chart_for(filterset) if valid else None,
        "as_of": filterset.as_of_date if valid else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/index.html", context, status=200 if valid else 400)


@read_only_page(EXPORT_PROGRESS)
def report_page(request):
    return _report_page(request, MeasureProgressFilter(request.GET))


@read_only_page(EXPORT_PROGRESS)
def progress_xlsx(request):
    filterset = MeasureProgressFilter(request.GET)
    if not filterset.is_valid():
        # The same page, the errors beside the fields they concern: a bookmark gone stale is fixable.
        return _report_page(request, filterset)
    return progress_workbook_response(ProgressExport.from_filter(filterset))


@read_only_page(PRINT_PROGRESS)
def council_report(request):
    filterset = MeasureProgressFilter(request.GET)
    filters_valid = filterset.is_valid()
    as_of = filterset.as_of_date if "as_of" not in filterset.form.errors else None
    options = PrintOptionsForm(request.GET, as_of=as_of)
    if not (options.is_valid() and filters_valid):
        return bad_request(request, filterset.form, options)
    report = council_report_build(filterset=filterset, since=options.cleaned_data["since"])
    return render(
        request, "reports/print.html", {"report": report, "filter_forms": [filterset.form, options]}
    )


@read_only_page(PRINT_PROGRESS)
def measure_report(request, pk):
    measure = get_object_or_404(Measure.objects.select_related("plan", "purpose"), pk=pk)
    # The measure's own plan, whatever the query string says: its years are the ones to check.
    data = request.GET.copy()
    data["plan"] = str(measure.plan_id)
    filterset = MeasureProgressFilter(data)
    if not filterset.is_valid():
        return bad_request(request, filterset.form)
    report = measure_report_build(measure=measure, filterset=filterset)
    return render(request, "reports/print_measure.html", {"report": report})
