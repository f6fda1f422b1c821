"""The council's printable pages: read-only, A4, the same filter parameters as the Excel report."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from measures.filters import MeasureProgressFilter
from measures.models import Measure
from measures.pages import bad_request, read_only_page

from . import roles
from .forms import PrintOptionsForm
from .printing import council_report_build, measure_report_build


@read_only_page(roles.PRINT_PERMISSION)
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


@read_only_page(roles.PRINT_PERMISSION)
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
