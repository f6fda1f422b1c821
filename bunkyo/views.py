from django.shortcuts import render

from core.pages import read_only_page
from measures.selectors import plan_current, plan_overview

from .timeline import recent_changes

TIMELINE_LIMIT = 100


@read_only_page()
def home(request):
    plan = plan_current()
    return render(
        request, "bunkyo/home.html", {"plan": plan, "purposes": plan_overview(plan) if plan else []}
    )


@read_only_page("measures.change_measure")
def timeline(request):
    """Recent changes across the plan, for the secretariat."""
    return render(
        request,
        "bunkyo/timeline.html",
        {"entries": recent_changes(limit=TIMELINE_LIMIT), "limit": TIMELINE_LIMIT},
    )
