from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from measures.selectors import plan_current, plan_overview


@login_required
def home(request):
    plan = plan_current()
    return render(
        request, "bunkyo/home.html", {"plan": plan, "purposes": plan_overview(plan) if plan else []}
    )
