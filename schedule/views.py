"""The schedule as a page: the seed document's table, and one page per meeting or report. Read-only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .forms import ScheduleYearForm
from .models import ScheduledItem
from .selectors import ITEM_MARKS, schedule_default_fiscal_year, schedule_fiscal_years, schedule_grid

VIEW_PERMISSION = "schedule.view_scheduleditem"


def _read_only(view):
    """Signed-in readers with the view permission, GET and HEAD only: these pages change nothing."""
    return require_safe(login_required(permission_required(VIEW_PERMISSION, raise_exception=True)(view)))


@_read_only
def table(request):
    form = ScheduleYearForm(request.GET)
    if not form.is_valid():
        errors = [
            (str(form.fields[name].label), message)
            for name, messages in form.errors.items()
            for message in messages
        ]
        return render(request, "bunkyo/bad_request.html", {"errors": errors}, status=400)
    fiscal_year = form.cleaned_data["fiscal_year"] or schedule_default_fiscal_year()
    return render(
        request,
        "schedule/table.html",
        {
            "grid": schedule_grid(fiscal_year=fiscal_year),
            "years": schedule_fiscal_years(),
            "marks": ITEM_MARKS,
        },
    )


@_read_only
def item_detail(request, pk):
    item = get_object_or_404(ScheduledItem.objects.select_related("body", "body__parent", "phase"), pk=pk)
    return render(
        request, "schedule/item_detail.html", {"item": item, "mark": ITEM_MARKS.get(item.status, "●")}
    )
