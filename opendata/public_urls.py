"""The public pages, at the site's root: /plans/…, /accessibility/…, /sitemap.xml and /robots.txt."""

from django.urls import path

from . import public_views as views

app_name = "public"

urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan, name="plan"),
    path("plans/<int:plan_id>/measures.csv", views.plan_measures_csv, name="plan_measures_csv"),
    path("plans/<int:plan_id>/measures.json", views.plan_measures_json, name="plan_measures_json"),
    path("plans/<int:plan_id>/measures/<int:number>/", views.measure, name="measure"),
    path("plans/<int:plan_id>/schedule/", views.schedule, name="schedule"),
    path("accessibility/", views.accessibility_policy, name="accessibility"),
    path("accessibility/results/", views.accessibility_results, name="accessibility_results"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
]
