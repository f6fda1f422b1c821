"""Placeholder until issue 4 lands: the council's printable pages."""

from django.http import Http404


def council_report(request):
    raise Http404


def measure_report(request, pk):
    raise Http404
