from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalog, name="catalog"),
    # Before the datasets' JSON files, whose pattern the name would match.
    path("datapackage.json", views.datapackage, name="datapackage"),
    path("<slug:dataset>.csv", views.dataset_csv, name="dataset_csv"),
    path("<slug:dataset>.json", views.dataset_json, name="dataset_json"),
]
