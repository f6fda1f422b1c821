"""The catalogue that harvesters read: DCAT in JSON-LD, with its @context inline (nothing fetched).

CKAN's ckanext-dcat (its RDF parser reads JSON-LD through rdflib) takes, per distribution, the
title, description, licence (dct:license), modified date, media type (a literal dcat:mediaType,
which it matches against CKAN's formats, with dct:format as the label) and the download URL.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from .datasets import LICENSE_NAME, LICENSE_URL, Dataset

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
JSONLD_CONTENT_TYPE = "application/ld+json; charset=utf-8"
# (format label, media type, file name attribute) of each distribution.
FORMATS = (("CSV", "text/csv", "csv_url"), ("JSON", "application/json", "json_url"))


def _text(value: str) -> dict:
    return {"@value": value, "@language": "ja"}


def _date(value: date | None) -> dict | None:
    return {"@value": value.isoformat(), "@type": "xsd:date"} if value else None


def _publisher() -> dict:
    return {
        "@type": "foaf:Organization",
        "foaf:name": _text(settings.OPENDATA_LOCAL_GOVERNMENT_NAME),
        "dct:identifier": settings.OPENDATA_LOCAL_GOVERNMENT_CODE,
    }


def _license() -> dict:
    return {"@id": LICENSE_URL, "@type": "dct:LicenseDocument", "rdfs:label": _text(LICENSE_NAME)}


def _without_empty(node: dict) -> dict:
    return {key: value for key, value in node.items() if value is not None}


def catalog_document(
    *, entries: list[tuple[Dataset, date | None, dict]], page_url: str, catalog_url: str
) -> dict:
    """The catalogue: ``entries`` are (dataset, modified, {"csv_url", "json_url", "page_url"}) with absolute URLs."""
    datasets = []
    for dataset, modified, urls in entries:
        distributions = [
            _without_empty(
                {
                    "@id": urls[attribute],
                    "@type": "dcat:Distribution",
                    "dct:title": _text(f"{dataset.title}({label})"),
                    "dct:description": _text(
                        f"{dataset.description} 形式: {label}。列の説明は {page_url} にあります。"
                    ),
                    "dct:license": _license(),
                    "dct:modified": _date(modified),
                    "dcat:mediaType": media_type,
                    "dct:format": label,
                    "dcat:downloadURL": {"@id": urls[attribute]},
                    "dcat:accessURL": {"@id": urls[attribute]},
                }
            )
            for label, media_type, attribute in FORMATS
        ]
        datasets.append(
            _without_empty(
                {
                    "@id": f"{page_url}#{dataset.slug}",
                    "@type": "dcat:Dataset",
                    "dct:identifier": dataset.slug,
                    "dct:title": _text(dataset.title),
                    "dct:description": _text(dataset.description),
                    "dct:publisher": _publisher(),
                    "dct:license": _license(),
                    "dct:modified": _date(modified),
                    "dct:language": "ja",
                    "dcat:landingPage": {"@id": page_url},
                    "dcat:distribution": distributions,
                }
            )
        )
    newest = [modified for _, modified, _ in entries if modified]
    return _without_empty(
        {
            "@context": CONTEXT,
            "@id": catalog_url,
            "@type": "dcat:Catalog",
            "dct:title": _text("文京区官民データ活用推進計画 進捗状況 オープンデータ"),
            "dct:description": _text(
                "文京区官民データ活用推進計画の施策・年度目標・進捗報告と策定スケジュールのオープンデータ。"
            ),
            "dct:publisher": _publisher(),
            "dct:license": _license(),
            "dct:modified": _date(max(newest)) if newest else None,
            "foaf:homepage": {"@id": page_url},
            "dcat:dataset": datasets,
        }
    )
