from django.urls import path

from . import views

app_name = "schedule"

urlpatterns = [
    path("", views.table, name="table"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("calendar.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/", views.calendar_subscription, name="calendar_subscription"),
]
