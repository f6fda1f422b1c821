from django.shortcuts import render

from core.pages import read_only_page
from measures.selectors import plan_current, today

from .home import home_page_build
from .timeline import recent_changes

TIMELINE_LIMIT = 100


@read_only_page()
def home(request):
    """The plan's progress at a glance, and the pages the user's role may open."""
    plan = plan_current()
    page = home_page_build(user=request.user, plan=plan, on=today()) if plan else None
    return render(request, "bunkyo/home.html", {"plan": plan, "home": page})


@read_only_page("measures.change_measure")
def timeline(request):
    """Recent changes across the plan, for the secretariat."""
    return render(
        request,
        "bunkyo/timeline.html",
        {"entries": recent_changes(limit=TIMELINE_LIMIT), "limit": TIMELINE_LIMIT},
    )
