from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("timeline/", views.timeline, name="timeline"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # 進捗のExcel取込 moved from reports to rounds (issue 24): the secretariat's bookmarks still work.
    re_path(
        r"^admin/reports/progressimport/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/rounds/progressimport/%(rest)s", permanent=True, query_string=True),
        name="progress_import_moved",
    ),
    path("admin/", admin.site.urls),
    path("reports/", include("reports.urls")),
    path("schedule/", include("schedule.urls")),
    path("api/", include("bunkyo.api")),
    path("opendata/", include("opendata.urls")),
    path("rounds/", include("rounds.urls")),
    path("", include("opendata.public_urls")),
]

handler404 = "bunkyo.views.page_not_found"
