from django.urls import path

from . import views

app_name = "schedule"

urlpatterns = [
    path("", views.table, name="table"),
    path("items/<int:pk>/", views.item_detail, name="item"),
]
