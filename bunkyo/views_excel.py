"""Placeholder until issue 3 lands: the Excel report page and download."""

from django.http import Http404


def report_page(request):
    raise Http404


def progress_xlsx(request):
    raise Http404
