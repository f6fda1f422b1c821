"""Placeholder until issue 4 lands: the schedule as a page."""

from django.http import Http404


def table(request):
    raise Http404


def item_detail(request, pk):
    raise Http404
