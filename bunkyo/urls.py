from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("timeline/", views.timeline, name="timeline"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("reports/", include("reports.urls")),
    path("schedule/", include("schedule.urls")),
    path("api/", include("bunkyo.api")),
    path("opendata/", include("opendata.urls")),
    path("rounds/", include("rounds.urls")),
    path("", include("opendata.public_urls")),
]

handler404 = "bunkyo.views.page_not_found"
