"""/opendata/: public, no sign-in. Only published plans (Plan.published) are served, to everyone
alike: a signed-in user gets the same files as an anonymous visitor, never an unpublished plan's
data (that stays behind the sign-in, in /reports/).

Every view is counted with the API, in one count per visitor's address or user's account
(core.api_throttling): a program that reads the files is refused past the same limit as on /api/."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.addresses import site_url
from core.api_throttling import throttled
from core.pages import private_page

from . import catalog as dcat
from .datapackage import package_descriptor
from .datasets import DATASETS, DATASETS_BY_SLUG, LICENSE_URL, Dataset, Published, modified_on
from .formats import CSV_CONTENT_TYPE, JSON_CONTENT_TYPE, csv_lines, json_chunks, metadata


def _urls(dataset: Dataset) -> dict:
    """The dataset's published addresses, from SITE_URL (core.addresses), never the request's Host."""
    return {
        "csv_url": site_url("opendata:dataset_csv", dataset.slug),
        "json_url": site_url("opendata:dataset_json", dataset.slug),
        "page_url": site_url("opendata:index"),
        "catalog_url": site_url("opendata:catalog"),
    }


def _published() -> Published:
    """What is public; 404 while no plan is published."""
    published = Published.read()
    if not published.plans:
        raise Http404("公開している計画はありません。")
    return published


def _published_dataset(slug: str) -> tuple[Dataset, Published]:
    """The dataset and what is public; 404 for an unknown dataset or while no plan is published."""
    dataset = DATASETS_BY_SLUG.get(slug)
    if dataset is None:
        raise Http404("そのデータセットはありません。")
    return dataset, _published()


def _file_headers(response, request, dataset: Dataset, filename: str) -> None:
    # CSV has no place for metadata that keeps the table a plain table: the licence and the
    # column dictionary are named here (RFC 8288 links), on /opendata/ and in the catalogue.
    page = site_url("opendata:index")
    response["Link"] = f'<{LICENSE_URL}>; rel="license", <{page}#{dataset.slug}>; rel="describedby"'
    response["Content-Disposition"] = f'attachment; filename="{filename}"'


@throttled(every_row=True)
@require_safe
def dataset_csv(request, dataset: str):
    dataset, published = _published_dataset(dataset)
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(dataset, published)), content_type=CSV_CONTENT_TYPE
    )
    _file_headers(response, request, dataset, dataset.csv_filename)
    return response


@throttled(every_row=True)
@require_safe
def dataset_json(request, dataset: str):
    dataset, published = _published_dataset(dataset)
    modified = modified_on(dataset, published)
    urls = _urls(dataset)
    meta = metadata(dataset, published, modified=modified, urls=urls)
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in json_chunks(dataset, published, meta)),
        content_type=JSON_CONTENT_TYPE,
    )
    _file_headers(response, request, dataset, dataset.json_filename)
    return response


# Counted once, as the catalogue: it describes the files and holds none of their rows.
@throttled
@require_safe
def datapackage(request):
    return JsonResponse(
        package_descriptor(_published()),
        content_type=JSON_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


@throttled
@require_safe
def catalog(request):
    document = dcat.catalog_document(Published.read())
    return JsonResponse(
        document,
        content_type=dcat.JSONLD_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


# The page shows the header's user name to a signed-in visitor: not for a shared cache.
@throttled
@private_page
@require_safe
def index(request):
    published = Published.read()
    datasets = []
    if published.plans:
        datasets = [
            {
                "dataset": d,
                "identifier": dcat.dataset_identifier(d),
                "modified": modified_on(d, published),
                "urls": _urls(d),
            }
            for d in DATASETS
        ]
    return render(
        request,
        "opendata/index.html",
        {
            "published": published,
            "datasets": datasets,
            "catalog_url": site_url("opendata:catalog"),
            "datapackage_url": site_url("opendata:datapackage"),
            "license_url": LICENSE_URL,
            "publisher": settings.OPENDATA_LOCAL_GOVERNMENT_NAME,
        },
    )
