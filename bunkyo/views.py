from django.shortcuts import render
from django.views import defaults

from core.api import no_route_response
from core.clock import today
from core.pages import read_only_page
from measures.selectors import plan_current

from .forms import TimelineFilterForm
from .home import home_page_build
from .timeline import timeline_kinds, timeline_page, timeline_people


@read_only_page()
def home(request):
    """The plan's progress at a glance, and the pages the user's role may open."""
    plan = plan_current()
    page = home_page_build(user=request.user, plan=plan, on=today()) if plan else None
    return render(request, "bunkyo/home.html", {"plan": plan, "home": page})


@read_only_page("measures.change_measure")
def timeline(request):
    """Changes across the plan, for the secretariat: by kind, person and days, a page at a time.
    Wrong filters: the form again with the reasons, status 400 (as /reports/ answers)."""
    form = TimelineFilterForm(request.GET, kinds=timeline_kinds(), people=timeline_people())
    if not form.is_valid():
        return render(request, "bunkyo/timeline.html", {"form": form}, status=400)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": timeline_page(page=request.GET.get("page"), **form.cleaned_data),
        "query": query.urlencode(),
    }
    return render(request, "bunkyo/timeline.html", context)


def page_not_found(request, exception):
    """Django's 404 page (templates/404.html), except under /api/, where a client reads the API's
    own JSON body (core.api.no_route_response)."""
    return no_route_response(request) or defaults.page_not_found(request, exception)
