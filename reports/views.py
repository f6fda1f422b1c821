"""/reports/: the manager's Excel workbook and the council's printable pages, all read-only.

Each view validates the shared filters, hands them to a builder (workbook, printing) and renders.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.pages import bad_request, private_page, read_only_page
from core.xlsx import XLSX_CONTENT_TYPE, attachment
from measures.models import Measure
from measures.permissions import EXPORT_PROGRESS, PRINT_PROGRESS

from . import workbook_jobs
from .filters import MeasureProgressFilter
from .forms import PrintOptionsForm
from .printing import council_report_build, grade_chart_for, measure_report_build
from .workbook import ProgressExport, progress_workbook_response


def _report_page(request, filterset: MeasureProgressFilter, *, measure_count: int | None = None, asked=False):
    """The filter form with the scope it selects; wrong filters: the reasons beside the fields, status 400
    (the same answer as the workbook and the printable pages give for the same query string).

    Below it, the person's workbooks being built in the background or ready to download.
    ``asked``: the person asked to download a workbook too large to build in the request.
    """
    valid = filterset.is_valid()
    if valid and measure_count is None:
        measure_count = filterset.qs.count()
    context = {
        "filter": filterset,
        "plan": filterset.selected_plan if valid else None,
        "measure_count": measure_count,
        "large": valid and workbook_jobs.workbook_is_large(measure_count),
        "asked_large": asked,
        "background_measures": settings.REPORTS_BACKGROUND_MEASURES,
        "keep_hours": settings.REPORTS_WORKBOOK_KEEP_HOURS,
        "chart": grade_chart_for(filterset) if valid else None,
        "as_of": filterset.as_of_date if valid else None,
        "query": request.GET.urlencode(),
        "jobs": list(workbook_jobs.workbook_jobs_of_user(request.user)[:10]),
        "not_started_notice": workbook_jobs.NOT_STARTED_NOTICE,
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
    measure_count = filterset.qs.count()
    if workbook_jobs.workbook_is_large(measure_count):
        # Too large to build before a worker's timeout: the page offers to build it in the background.
        return _report_page(request, filterset, measure_count=measure_count, asked=True)
    return progress_workbook_response(ProgressExport.from_filter(filterset))


@private_page
@require_POST
@login_required
@permission_required(EXPORT_PROGRESS, raise_exception=True)
def workbook_request(request):
    """Queue a large workbook for the worker; back to /reports/, where its progress shows.

    The filters come in the query string, as for the download itself; the body carries the CSRF token.
    """
    filterset = MeasureProgressFilter(request.GET)
    if not filterset.is_valid():
        return bad_request(request, filterset.form)
    query = workbook_jobs.workbook_job_query(filterset)
    if not workbook_jobs.workbook_is_large(filterset.qs.count()):
        return redirect(f"{reverse('reports:progress_xlsx')}?{query}")  # small: downloaded at once
    job = workbook_jobs.workbook_job_create(user=request.user, filterset=filterset)
    return redirect(f"{reverse('reports:index')}?{query}#workbook-{job.pk}")


def _own_job(request, job_id):
    """The person's own unexpired job; anyone else's, or an expired one, is not found."""
    job = workbook_jobs.workbook_job_of_user(request.user, job_id)
    if job is None:
        raise Http404("このファイルはありません。保存期間を過ぎたか、ほかの人が作成したものです。")
    return job


@read_only_page(EXPORT_PROGRESS)
def workbook_status(request, job_id):
    """How far a background workbook has got, for the progress bar on /reports/ (JSON)."""
    return JsonResponse(workbook_jobs.workbook_job_status(_own_job(request, job_id)))


@read_only_page(EXPORT_PROGRESS)
def workbook_download(request, job_id):
    """The finished workbook, to the person who asked for it only."""
    job = _own_job(request, job_id)
    path = workbook_jobs.workbook_job_path(job)
    if job.status != job.Status.DONE or not path.exists():
        raise Http404("このファイルはまだ作成されていません。")
    response = FileResponse(path.open("rb"), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(job.filename, job.ascii_filename)
    return response


@read_only_page(PRINT_PROGRESS)
def council_report(request):
    """The council's report, rendered afresh for each request (docs/PERFORMANCE.md)."""
    filterset = MeasureProgressFilter(request.GET)
    filters_valid = filterset.is_valid()
    as_of = filterset.as_of_date if "as_of" not in filterset.form.errors else None
    options = PrintOptionsForm(request.GET, as_of=as_of)
    if not (options.is_valid() and filters_valid):
        return bad_request(request, filterset.form, options)
    report = council_report_build(filterset=filterset, since=options.cleaned_data["since"])
    context = {"report": report, "filter_forms": [filterset.form, options]}
    return render(request, "reports/print.html", context)


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
