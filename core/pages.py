"""What every read-only page of the site shares: who may open it, and how bad input is answered.

Used by the report pages, the schedule's pages and the project's own pages alike.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# What one person was shown is theirs: no shared cache (a proxy) may serve it to the next person,
# and no browser keeps it on disk (ward PCs are shared). The admin says the same with never_cache.
private_page = cache_control(private=True, no_store=True)


def read_only_page(permission: str | None = None):
    """GET and HEAD only; anonymous visitors go to the login page; signed in without ``permission``
    (when one is named): 403. Every answer, the page or its 400, is ``Cache-Control: private, no-store``."""

    def decorate(view):
        if permission is not None:
            view = permission_required(permission, raise_exception=True)(view)
        return private_page(require_safe(login_required(view)))

    return decorate


def form_errors(*forms) -> list[tuple[str, str]]:
    """(field label, message) for every error of the given forms, in field order."""
    errors = []
    for form in forms:
        for name, messages in form.errors.items():
            field = form.fields.get(name)
            label = str(field.label) if field is not None else ""
            errors.extend((label, message) for message in messages)
    return errors


def bad_request(request, *forms):
    """Input a person typed or bookmarked is wrong: say what and how to fix it, with status 400."""
    return render(request, "bad_request.html", {"errors": form_errors(*forms)}, status=400)
