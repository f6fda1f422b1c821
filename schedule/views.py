"""The schedule as a page: the seed document's table, and one page per meeting or report. Read-only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from core.pages import bad_request, read_only_page

from .forms import ScheduleYearForm
from .models import ScheduledItem
from .selectors import ITEM_MARKS, schedule_default_fiscal_year, schedule_fiscal_years, schedule_grid

VIEW_PERMISSION = "schedule.view_scheduleditem"


@read_only_page(VIEW_PERMISSION)
def table(request):
    form = ScheduleYearForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
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


@read_only_page(VIEW_PERMISSION)
def item_detail(request, pk):
    item = get_object_or_404(ScheduledItem.objects.select_related("body", "body__parent", "phase"), pk=pk)
    return render(
        request, "schedule/item_detail.html", {"item": item, "mark": ITEM_MARKS.get(item.status, "●")}
    )
