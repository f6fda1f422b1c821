"""The site's URLs plus /bench/empty/: a view rendering an empty template, the floor every page is set against."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

EMPTY = engines["django"].from_string("")


def empty(request):
    return HttpResponse(EMPTY.render({}, request))


urlpatterns = [
    path("bench/empty/", empty, name="bench_empty"),
    path("", include("bunkyo.urls")),
]
