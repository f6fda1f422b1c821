"""The schedule as a page: the seed document's table, and one page per meeting or report. Read-only.

Also the schedule as a calendar feed, and the page where a user finds (and resets) its subscription URL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from core.clock import today
from core.pages import bad_request, private_page, read_only_page

from .checks import schedule_check
from .feeds import feed_key_for_token, feed_token, schedule_calendar
from .forms import CalendarFeedForm, ScheduleYearForm
from .models import Body, CalendarFeedKey, ScheduledItem
from .selectors import (
    ITEM_MARKS,
    SCHEDULE_LEGEND,
    calendar_feed_entries,
    schedule_default_fiscal_year,
    schedule_fiscal_years,
    schedule_grid,
)
from .services import calendar_feed_key_reset

VIEW_PERMISSION = "schedule.view_scheduleditem"
# The checks' findings are for those who keep the schedule: the secretariat fixes them in the admin.
CHANGE_PERMISSION = "schedule.change_scheduleditem"


@read_only_page(VIEW_PERMISSION)
def table(request):
    form = ScheduleYearForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
    fiscal_year = form.cleaned_data["fiscal_year"] or schedule_default_fiscal_year()
    check = schedule_check(fiscal_year=fiscal_year) if request.user.has_perm(CHANGE_PERMISSION) else None
    return render(
        request,
        "schedule/table.html",
        {
            "grid": schedule_grid(
                fiscal_year=fiscal_year, item_levels=check.item_levels() if check else None
            ),
            "years": schedule_fiscal_years(),
            "legend": SCHEDULE_LEGEND,
            "check": check,
            # As the council report's cover: the day it is printed and who issues it.
            "issued_on": today(),
            "issuer": settings.REPORT_ISSUER,
        },
    )


@read_only_page(VIEW_PERMISSION)
def item_detail(request, pk):
    item = get_object_or_404(ScheduledItem.objects.select_related("body", "body__parent", "phase"), pk=pk)
    return render(
        request, "schedule/item_detail.html", {"item": item, "mark": ITEM_MARKS.get(item.status, "●")}
    )


def _text(message: str, status: int) -> HttpResponse:
    """A refusal a calendar app shows as it is: plain Japanese text."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


FEED_REFUSED = (
    "カレンダーを表示できません。購読URLが正しくないか、リセットされて使えなくなっています。"
    "ログインして「カレンダーの購読」の画面で、いまの購読URLを確かめてください。"
)
FEED_SIGN_IN = "カレンダーを表示するには、ログインするか、「カレンダーの購読」の画面にある購読URL(token付き)を使ってください。"
FEED_NOT_ALLOWED = "この利用者には策定スケジュールを見る権限がありません。"


@private_page
@require_safe
def calendar_feed(request):
    """Every dated item as an iCalendar event. Signed in: the session; a calendar app: ?token=.
    Anyone else gets 403, never a redirect to the login page (a calendar app cannot follow it)."""
    token = request.GET.get("token")
    if token is not None:
        key = feed_key_for_token(token)
        if key is None or not key.user.is_active:
            return _text(FEED_REFUSED, 403)
        user = key.user
    elif request.user.is_authenticated:
        user = request.user
    else:
        return _text(FEED_SIGN_IN, 403)
    if not user.has_perm(VIEW_PERMISSION):
        return _text(FEED_NOT_ALLOWED, 403)
    form = CalendarFeedForm(request.GET)
    if not form.is_valid():
        return _text(" ".join(form.errors["body"]), 400)
    body = form.cleaned_data["body"]
    items, periods = calendar_feed_entries(body=body)
    name = f"策定スケジュール({body.label})" if body else "策定スケジュール"
    content = schedule_calendar(
        items=items,
        periods=periods,
        name=name,
        url_of=lambda item: request.build_absolute_uri(reverse("schedule:item", args=[item.pk])),
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="schedule.ics"'
    return response


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def calendar_subscription(request):
    """The signed-in user's subscription URLs (all bodies, and each body), and the button that resets them."""
    if request.method == "POST":
        renewed = CalendarFeedKey.objects.filter(user=request.user).exists()
        calendar_feed_key_reset(user=request.user)
        messages.success(
            request,
            "購読URLを新しくしました。これまでの購読URLは使えません。カレンダーアプリに新しいURLを登録してください。"
            if renewed
            else "購読URLを発行しました。カレンダーアプリの「URLで購読」に登録してください。",
        )
        return redirect("schedule:calendar_subscription")
    key = CalendarFeedKey.objects.filter(user=request.user).first()
    feed_url = request.build_absolute_uri(reverse("schedule:calendar_feed"))
    urls = []
    if key is not None:
        token = feed_token(key)
        urls = [("すべての会議体", f"{feed_url}?token={token}")] + [
            (body.label, f"{feed_url}?body={body.pk}&token={token}")
            for body in Body.objects.order_by("order", "name")
        ]
    return render(
        request, "schedule/calendar_subscription.html", {"key": key, "urls": urls, "feed_url": feed_url}
    )
