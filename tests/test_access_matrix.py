"""Every URL the project serves has an access rule, checked for every role.

The URL patterns are enumerated through the resolver. A pattern with no rule below fails the
test, so a new page cannot be added without deciding who may see it.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from measures.models import Measure, Plan, ProgressReport
from rounds.models import ProgressImport
from schedule.models import ScheduledItem

from .factories import add_report

ROLES = ("anonymous", "council", "manager", "department", "secretariat", "superuser")
LOGIN = "login"  # a redirect to /accounts/login/
ADMIN_LOGIN = "admin-login"  # a redirect to /admin/login/


def _all(status):
    return dict.fromkeys(ROLES, status)


def _signed_in(status, **overrides):
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], status), **overrides}


# The site's own pages: every named URL outside the admin, and what each role gets on GET.
SITE_RULES = {
    "home": _signed_in(200),
    "login": _all(200),
    "logout": _all(405),  # sign-out is a POST only
    "timeline": _signed_in(200, council=403, manager=403, department=403),
    "reports:index": _signed_in(200, council=403, department=403),
    "reports:progress_xlsx": _signed_in(200, council=403, department=403),
    "reports:workbook_request": _all(405),  # asking for a workbook is a POST only
    # A workbook built in the background: nobody's here (the test's id), so not found for anyone who may export.
    "reports:workbook_status": _signed_in(404, council=403, department=403),
    "reports:workbook_download": _signed_in(404, council=403, department=403),
    # 所管課担当 answers collection rounds and reads nothing else of the plan's pages.
    "reports:print": _signed_in(200, department=403),
    "reports:print_measure": _signed_in(200, department=403),
    "schedule:table": _signed_in(200, department=403),
    "schedule:item": _signed_in(200, department=403),
    # A calendar app cannot follow a redirect to the login page: no session and no token is a 403.
    "schedule:calendar_feed": {**_signed_in(200, department=403), "anonymous": 403},
    "schedule:calendar_subscription": _signed_in(200, department=403),
    # Open data: a published plan's files, page, catalogue and data package, to everyone alike (tests/test_opendata.py
    # has the unpublished case: no files, 404).
    "opendata:index": _all(200),
    "opendata:catalog": _all(200),
    "opendata:datapackage": _all(200),
    "opendata:dataset_csv": _all(200),
    "opendata:dataset_json": _all(200),
    # The public pages of a published plan, the same to everyone (tests/test_public_pages.py has the
    # unpublished plan beside it: 404, exactly as a plan that does not exist).
    "public:plans": _all(200),
    "public:plan": _all(200),
    "public:plan_measures_csv": _all(200),
    "public:plan_measures_json": _all(200),
    "public:measure": _all(200),
    "public:schedule": _all(200),
    "public:accessibility": _all(200),
    "public:accessibility_results": _all(200),
    "public:sitemap": _all(200),
    "public:robots": _all(200),
}

# Collection rounds (rounds/, tests/test_rounds.py): the secretariat's list, new round, dashboard and
# review; a department's answer, to its own staff (the test's answer is 広報課's, the department
# persona's) and the secretariat. The buttons are POSTs only.
SECRETARIAT_ONLY = _signed_in(403, secretariat=200, superuser=200)
ROUNDS_RULES = {
    "rounds:index": _signed_in(403, department=200, secretariat=200, superuser=200),
    "rounds:create": SECRETARIAT_ONLY,
    "rounds:dashboard": SECRETARIAT_ONLY,
    # Editing is for a round 準備中; the fixture's round is open, so the secretariat is sent back to its
    # dashboard with the reason (tests/test_rounds_edit.py has the round 準備中: 200).
    "rounds:edit": _signed_in(403, secretariat=302, superuser=302),
    "rounds:move": _all(405),
    "rounds:remind": _all(405),
    "rounds:copy": _all(405),
    "rounds:answer": _signed_in(403, department=200, secretariat=200, superuser=200),
    "rounds:review": SECRETARIAT_ONLY,
    # The answer's Excel: its department's members, and the secretariat (any department's template).
    "rounds:answer_xlsx": _signed_in(403, department=200, secretariat=200, superuser=200),
    # Its upload into the draft is a POST only, by the department's members (tests/test_rounds_excel.py).
    "rounds:answer_upload": _all(405),
}

# The API (docs/api.md): anyone reads a published plan (the fixture publishes the ward's), each role
# what its view permissions allow (every role views both apps). Withdrawing is a POST only.
API_MODELS = {
    "plan": "measures.Plan",
    "purpose": "measures.Purpose",
    "measure": "measures.Measure",
    "annualtarget": "measures.AnnualTarget",
    "progressreport": "measures.ProgressReport",
    "department": "measures.Department",
    "keyword": "measures.Keyword",
    "technology": "measures.Technology",
    "body": "schedule.Body",
    "phase": "schedule.Phase",
    "scheduleditem": "schedule.ScheduledItem",
    "publiccommentperiod": "schedule.PublicCommentPeriod",
}
API_RULES = {
    "api:api-root": _all(200),
    "api:schema": _all(200),
    "api:docs": _all(200),
    # 所管課担当 signs in to answer rounds and has no view permission: a signed-in request is judged by
    # the person's permissions, not as a visitor's, so the plan's endpoints answer 403.
    **{f"api:{basename}-list": {**_all(200), "department": 403} for basename in API_MODELS},
    **{f"api:{basename}-detail": {**_all(200), "department": 403} for basename in API_MODELS},
    "api:progressreport-withdraw": {**_all(405), "department": 403},
    # Collection rounds: the secretariat's and the asked departments' (tests/test_rounds_api.py); a visitor
    # reads an empty list and no row; the roles without a department or the permission, nothing.
    **{
        f"api:{basename}-list": {**_all(200), "council": 403, "manager": 403}
        for basename in ("round", "answer")
    },
    **{
        f"api:{basename}-detail": {**_all(200), "anonymous": 404, "council": 403, "manager": 403}
        for basename in ("round", "answer")
    },
    "api:answer-submit": {**_all(405), "council": 403, "manager": 403},
}
ROUNDS_API_MODELS = {"round": "rounds.Round", "answer": "rounds.Answer"}

# The admin: the staff-only site. Non-staff roles are sent to the admin's login page.
NOT_STAFF = {
    "anonymous": ADMIN_LOGIN,
    "council": ADMIN_LOGIN,
    "manager": ADMIN_LOGIN,
    "department": ADMIN_LOGIN,
}
ADMIN_SITE_RULES = {
    "admin:index": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    # Staff already signed in go on; a manager or council member is told the admin is the
    # secretariat's (a Japanese page with the way home), not asked to sign in as someone else.
    "admin:login": {
        **_all(200),
        "council": 403,
        "manager": 403,
        "department": 403,
        "secretariat": 302,
        "superuser": 302,
    },
    # POST only for staff; anyone else is sent back to the admin (and from there to its login).
    "admin:logout": {
        "anonymous": 302,
        "council": 302,
        "manager": 302,
        "department": 302,
        "secretariat": 405,
        "superuser": 405,
    },
    "admin:password_change": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    "admin:password_change_done": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    "admin:autocomplete": {**NOT_STAFF, "secretariat": 403, "superuser": 403},  # needs its parameters
    "admin:jsi18n": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    "admin:view_on_site": {**NOT_STAFF, "secretariat": 404, "superuser": 404},  # no model has a public page
    "admin:app_list": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    "admin:catch_all": {**NOT_STAFF, "secretariat": 404, "superuser": 404},
    # The upload's old addresses (reports, before issue 24) send everyone on to the same page in rounds,
    # which then decides (tests/test_progress_import.py follows one).
    "progress_import_moved": _all(301),
}
# Model pages by app: the secretariat edits the plan and the schedule; only a superuser manages
# accounts and the sign-in throttling records.
ADMIN_APP_RULES = {
    "measures": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    "schedule": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    "auth": {**NOT_STAFF, "secretariat": 403, "superuser": 200},
    "axes": {**NOT_STAFF, "secretariat": 403, "superuser": 200},
    # The Excel upload of progress: whoever adds progress reports (tests/test_progress_import.py).
    "rounds": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    # django-tasks-db's queue of background tasks (large workbooks): the system administrator's.
    "django_tasks_database": {**NOT_STAFF, "secretariat": 403, "superuser": 200},
}
# Exceptions: progress reports are never deleted (withdrawn instead); axes records are read-only.
ADMIN_EXCEPTIONS = {
    "admin:measures_progressreport_delete": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
    # 取り下げ: its own short page, for the secretariat (the admin's change permission).
    "admin:measures_progressreport_withdraw": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    # An upload is never changed or deleted: its change address opens its preview, which confirms it.
    "admin:rounds_progressimport_change": {**NOT_STAFF, "secretariat": 302, "superuser": 302},
    "admin:rounds_progressimport_delete": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
    # An upload's preview, where it is confirmed or dropped.
    "admin:rounds_progressimport_preview": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    # Its state as JSON, which the preview asks while the worker reads the files.
    "admin:rounds_progressimport_status": {**NOT_STAFF, "secretariat": 200, "superuser": 200},
    # The template download needs its plan and year: without them the upload page says so.
    "admin:rounds_progressimport_template": {**NOT_STAFF, "secretariat": 400, "superuser": 400},
    "admin:axes_accessattempt_add": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
    # Tasks are queued by the application only, and kept as a record: django-tasks-db's admin reads them.
    "admin:django_tasks_database_dbtaskresult_add": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
    "admin:django_tasks_database_dbtaskresult_delete": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
    "admin:axes_accesslog_add": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
    "admin:axes_accessfailurelog_add": {**NOT_STAFF, "secretariat": 403, "superuser": 403},
}
ADMIN_MODEL_VIEW = re.compile(
    r"^admin:(?P<app>[a-z_]+?)_(?P<model>[a-z]+)_(?P<view>changelist|add|change|delete|history|simple_history|password_change)$"
)


def _patterns(patterns=None, prefix="", namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if namespace == "admin" and name is None:
                # The admin's unnamed object URL (redirects to …/change/) and its catch-all view.
                name = "catch_all" if "(?P<url>" in str(pattern.pattern) else "object_redirect"
            yield prefix + str(pattern.pattern), f"{namespace}:{name}" if namespace else name


def _rule(name: str) -> dict | None:
    if name in SITE_RULES:
        return SITE_RULES[name]
    if name in ROUNDS_RULES:
        return ROUNDS_RULES[name]
    if name in API_RULES:
        return API_RULES[name]
    if name in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[name]
    if name in ADMIN_SITE_RULES:
        return ADMIN_SITE_RULES[name]
    match = ADMIN_MODEL_VIEW.match(name)
    if match and match["app"] in ADMIN_APP_RULES:
        return ADMIN_APP_RULES[match["app"]]
    if name == "admin:object_redirect":
        return {**NOT_STAFF, "secretariat": 302, "superuser": 302}
    return None


def test_every_url_pattern_has_an_access_rule():
    missing = [f"{route} ({name})" for route, name in _patterns() if _rule(name) is None]
    assert not missing, "URLs without an access rule: " + ", ".join(missing)


@pytest.fixture
def objects(demo, secretariat, department):
    """One real object of every kind a URL can name."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    measure = Measure.objects.get(number=1)
    add_report(measure, 2021, date(2021, 12, 1))
    Plan.objects.filter(pk=measure.plan_id).update(published=True)  # its API and open data answer anyone
    AccessAttempt.objects.create(username="x", ip_address="127.0.0.1", user_agent="t", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="127.0.0.1", user_agent="t")
    AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1", user_agent="t")
    ProgressImport.objects.create(plan=measure.plan, fiscal_year=2021, uploaded_by=secretariat)
    from reports.tasks import workbook_job_build_task

    workbook_job_build_task.enqueue(
        "00000000-0000-4000-8000-000000000000"
    )  # a queued task (the database backend)
    from measures.models import Department
    from rounds.models import Round
    from rounds.services import round_create, round_transition

    # 広報課 leads 施策2 once 情報政策課 is last in the 所管課 order (rounds.services._leads).
    Department.objects.filter(name="情報政策課").update(order=99)
    round_ = round_create(
        plan=measure.plan,
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    return {
        "round": Round.objects.get(pk=round_.pk),
        "answer": round_.answers.get(department__name="広報課"),
        "group": Group.objects.first(),
        "user": secretariat,
        "measure": measure,
        "item": ScheduledItem.objects.first(),
        "measure_ct": ContentType.objects.get_for_model(Measure),
        "report": ProgressReport.objects.first(),
    }


def _api_url(name: str) -> str:
    """An API URL, by name, with the id of an object that anyone may read."""
    from django.apps import apps
    from django.urls import reverse

    basename, _, kind = name.removeprefix("api:").rpartition("-")
    if kind in ("detail", "withdraw", "submit"):
        model = {**API_MODELS, **ROUNDS_API_MODELS}[basename]
        obj = apps.get_model(model)._default_manager.order_by("pk").first()
        assert obj is not None, f"no {basename} to open {name}"
        return reverse(name, kwargs={"pk": obj.pk})
    return reverse(name)


def _concrete_url(route: str, name: str, objects) -> str:
    """Fill a pattern's parameters with real values."""
    if name == "admin:catch_all":
        return "/admin/no-such-page/"
    if name.startswith("api:"):
        return _api_url(name)
    if name == "admin:view_on_site":
        return f"/admin/r/{objects['measure_ct'].pk}/{objects['measure'].pk}/"
    if name == "admin:app_list":
        return "/admin/measures/"
    if name == "progress_import_moved":
        return "/admin/reports/progressimport/add/"
    url = "/" + route
    match = re.search(r"admin/(?P<app>\w+)/(?P<model>\w+)/", route)
    if name.endswith("_simple_history"):
        # One record of an object's change history: /admin/<app>/<model>/<id>/history/<history id>/
        from django.apps import apps

        model = apps.get_model(match["app"], match["model"])
        record = model.history.order_by("history_id").first()
        assert record is not None, f"no history of {model.__name__} to open {route}"
        return f"/admin/{match['app']}/{match['model']}/{record.id}/history/{record.history_id}/"
    if "<" in route and match:
        from django.apps import apps

        model = apps.get_model(match["app"], match["model"])
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {model.__name__} to open {route}"
        url = re.sub(r"<[^>]+>", str(obj.pk), url)
    elif name.startswith("reports:workbook_"):
        url = url.replace("<uuid:job_id>", "00000000-0000-4000-8000-000000000000")
    elif name == "reports:print_measure":
        url = url.replace("<int:pk>", str(objects["measure"].pk))
    elif name == "schedule:item":
        url = url.replace("<int:pk>", str(objects["item"].pk))
    elif name.startswith("rounds:") and "<int:pk>" in url:
        key = "answer" if name.startswith(("rounds:answer", "rounds:review")) else "round"
        url = url.replace("<int:pk>", str(objects[key].pk))
    elif name.startswith("opendata:dataset_"):
        url = url.replace("<slug:dataset>", "measures")
    elif name.startswith("public:"):
        url = url.replace("<int:plan_id>", str(objects["measure"].plan_id))
        url = url.replace("<int:number>", str(objects["measure"].number))
    assert "<" not in url and "(?P" not in url, f"cannot fill {route}"
    return url


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_its_rule_says(client, request, objects, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    wrong = []
    for route, name in _patterns():
        expected = _rule(name)[role]
        url = _concrete_url(route, name, objects)
        response = client.get(url)
        got = response.status_code
        if expected == LOGIN:
            ok = got == 302 and response["Location"].startswith("/accounts/login/")
        elif expected == ADMIN_LOGIN:
            ok = got == 302 and response["Location"].startswith("/admin/login/")
        else:
            ok = got == expected
        if not ok:
            wrong.append(f"{url} ({name}): expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES[1:])
def test_no_role_below_the_secretariat_can_change_anything_by_post(client, request, objects, role):
    """Council and managers cannot post to the admin, and the site's pages accept no POST at all."""
    client.force_login(request.getfixturevalue(role))
    measure = objects["measure"]
    before = (Measure.objects.get(pk=measure.pk).title, ProgressReport.objects.count())
    for name in SITE_RULES:
        # The calendar subscription page's POST resets the user's own feed key, and only that
        # (tests/test_schedule_calendar_feed.py).
        if name in ("login", "logout", "schedule:calendar_subscription"):
            continue
        route = next(r for r, n in _patterns() if n == name)
        response = client.post(_concrete_url(route, name, objects), {"title": "改ざん"})
        if name == "reports:workbook_request" and role not in ("council", "department"):
            # The one POST of the site's pages: it asks for a workbook and changes no plan data
            # (tests/test_workbook_background.py); a small one is sent to the download.
            assert response.status_code == 302, f"POST {name} answered {response.status_code}"
            continue
        assert response.status_code in (403, 405), f"POST {name} answered {response.status_code}"
    if role in ("council", "manager"):
        response = client.post(f"/admin/measures/measure/{measure.pk}/change/", {"title": "改ざん"})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert (Measure.objects.get(pk=measure.pk).title, ProgressReport.objects.count()) == before


@pytest.mark.parametrize(
    "url",
    [
        "/reports/print/measures/999999/",
        "/schedule/items/999999/",
        "/admin/measures/measure/999999/change/",
        "/admin/measures/progressreport/999999/history/",
        "/admin/schedule/scheduleditem/999999/change/",
        "/opendata/no-such-dataset.csv",
        "/plans/999999/",
        "/plans/999999/measures/1/",
    ],
)
def test_an_unknown_id_in_a_url_answers_404(client, superuser, url, seeded):
    client.force_login(superuser)
    assert client.get(url).status_code == 404


# The background workbook's status and file answer 200 only to the person who asked; their headers
# are checked in tests/test_workbook_background.py.
SIGNED_IN_PAGES = [
    name
    for name, rule in {**SITE_RULES, **ROUNDS_RULES}.items()
    if rule["anonymous"] == LOGIN and not name.startswith("reports:workbook_") and rule["superuser"] == 200
]


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_no_signed_in_page_may_be_kept_by_a_browser_or_a_proxy(client, superuser, objects, name):
    """What one person saw must not be served to the next from a shared cache, nor left in the
    browser's cache on a shared ward PC: every page behind the sign-in says ``private, no-store``."""
    client.force_login(superuser)
    route = next(r for r, n in _patterns() if n == name)
    response = client.get(_concrete_url(route, name, objects))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "url", ["/reports/?as_of=bad", "/reports/progress.xlsx?as_of=bad", "/reports/print/?as_of=bad"]
)
def test_the_answer_to_a_bad_filter_is_not_kept_either(client, superuser, url):
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 400
    assert response["Cache-Control"] == "private, no-store"
