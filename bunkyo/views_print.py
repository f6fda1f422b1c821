"""The council's printable pages: read-only, A4, the same filter parameters as the Excel report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from measures.filters import MeasureProgressFilter
from measures.models import Measure

from . import roles
from .forms import PrintOptionsForm
from .printing import council_report_build, measure_report_build


def _errors_of(*forms) -> list[tuple[str, str]]:
    """(field label, message) for every error of the given forms, in field order."""
    errors = []
    for form in forms:
        for name, messages in form.errors.items():
            field = form.fields.get(name)
            label = str(field.label) if field is not None else ""
            errors.extend((label, message) for message in messages)
    return errors


def _bad_request(request, *forms):
    """Input a person typed or bookmarked is wrong: say what and how to fix it, with status 400."""
    return render(request, "bunkyo/bad_request.html", {"errors": _errors_of(*forms)}, status=400)


def _read_only(view):
    """Signed-in readers with the print permission, GET and HEAD only: these pages change nothing."""
    return require_safe(
        login_required(permission_required(roles.PRINT_PERMISSION, raise_exception=True)(view))
    )


@_read_only
def council_report(request):
    filterset = MeasureProgressFilter(request.GET)
    filters_valid = filterset.is_valid()
    as_of = filterset.as_of_date if "as_of" not in filterset.form.errors else None
    options = PrintOptionsForm(request.GET, as_of=as_of)
    if not (options.is_valid() and filters_valid):
        return _bad_request(request, filterset.form, options)
    report = council_report_build(filterset=filterset, since=options.cleaned_data["since"])
    return render(
        request, "reports/print.html", {"report": report, "filter_forms": [filterset.form, options]}
    )


@_read_only
def measure_report(request, pk):
    measure = get_object_or_404(Measure.objects.select_related("plan", "purpose"), pk=pk)
    # The measure's own plan, whatever the query string says: its years are the ones to check.
    data = request.GET.copy()
    data["plan"] = str(measure.plan_id)
    filterset = MeasureProgressFilter(data)
    if not filterset.is_valid():
        return _bad_request(request, filterset.form)
    report = measure_report_build(measure=measure, filterset=filterset)
    return render(request, "reports/print_measure.html", {"report": report})
