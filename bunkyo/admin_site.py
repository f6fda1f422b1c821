"""The admin site, its menu ordered by the secretariat's work rather than by character code.

Progress first (施策, 進捗報告 …), then the drafting schedule, then the settings that change
rarely (所管課, 進捗状況, 評価基準 …), then accounts and sign-in logs as Django lists them.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import render

# (section title, app label, model names in order; "app.model" for another app's). A model of the
# app that no section names is added at the end of its app's last section, so a new model is never hidden.
MENU = (
    (
        "計画・施策・進捗",
        "measures",
        ("measure", "progressreport", "rounds.progressimport", "annualtarget", "plan", "purpose"),
    ),
    ("策定スケジュール", "schedule", ("scheduleditem", "publiccommentperiod", "body", "phase")),
    (
        "設定(所管課・キーワード・評価基準など)",
        "measures",
        ("department", "keyword", "technology", "progressstatus", "evaluationscale", "evaluationgrade"),
    ),
)


class BunkyoAdminSite(admin.AdminSite):
    site_header = "文京区官民データ活用推進計画 進捗管理"
    site_title = "文京区官民データ活用推進計画 進捗管理"
    index_title = "管理メニュー"

    def login(self, request, extra_context=None):
        """A manager or council member who opens /admin/ is told it is the secretariat's, in plain
        Japanese, with the way back (Django's login page would ask them to sign in as someone else)."""
        if request.user.is_authenticated and not self.has_permission(request):
            return render(
                request, "admin/not_for_this_role.html", {"site_header": self.site_header}, status=403
            )
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        """The menu, below what the secretariat should know at once: large workbooks and Excel uploads
        the worker has not started in time (reports.workbook_jobs.workbook_jobs_waiting_too_long,
        rounds.progress_imports.progress_imports_waiting_too_long), as when it is stopped."""
        # Imported here: INSTALLED_APPS names this module, which is read before any model is.
        from reports.workbook_jobs import workbook_jobs_waiting_too_long
        from rounds.progress_imports import progress_imports_waiting_too_long

        waiting = {
            "waiting_workbooks": workbook_jobs_waiting_too_long(),
            "waiting_uploads": progress_imports_waiting_too_long(),
        }
        return super().index(request, {**waiting, **(extra_context or {})})

    def menu_section(self, app_label: str, model_name: str) -> tuple[str, str] | None:
        """(section title, app label of its page) of the menu section that lists a model, for the
        breadcrumbs of a page the menu places outside its own app (進捗のExcel取込 under 計画・施策・進捗)."""
        for title, label, names in MENU:
            if f"{app_label}.{model_name}" in names or (app_label == label and model_name in names):
                return title, label
        return None

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:  # one app's own page: Django's order
            return apps
        by_label = {app["app_label"]: app for app in apps}
        models = {
            (app["app_label"], model["object_name"].lower()): model for app in apps for model in app["models"]
        }
        sections, placed = [], set()
        for title, label, names in MENU:
            app = by_label.get(label)
            if app is None:  # the user may not see this app at all
                continue
            keys = [tuple(name.split(".")) if "." in name else (label, name) for name in names]
            chosen = [models[key] for key in keys if key in models]
            placed |= set(keys)
            if chosen:
                sections.append({**app, "name": title, "models": chosen})
        menu_apps = {label for _, label, _ in MENU}
        # An app whose every model a section lists has no menu of its own.
        listed_elsewhere = {
            app["app_label"]
            for app in apps
            if app["app_label"] not in menu_apps
            and all((app["app_label"], m["object_name"].lower()) in placed for m in app["models"])
        }
        for label in menu_apps & by_label.keys():
            rest = [m for m in by_label[label]["models"] if (label, m["object_name"].lower()) not in placed]
            if rest:
                last = next(s for s in reversed(sections) if s["app_label"] == label)
                last["models"] = last["models"] + rest
        for section in sections:
            for model in section["models"]:
                # The Excel upload's menu entry opens the upload page, where the work begins;
                # its list of past uploads is linked from there.
                if model["object_name"] == "ProgressImport" and model.get("add_url"):
                    model["admin_url"] = model["add_url"]
        return sections + [app for app in apps if app["app_label"] not in menu_apps | listed_elsewhere]


class BunkyoAdminConfig(AdminConfig):
    """django.contrib.admin, with the site above (INSTALLED_APPS names this instead)."""

    default_site = "bunkyo.admin_site.BunkyoAdminSite"
