"""The catalogue that harvesters read: DCAT-AP 3 in JSON-LD, with its @context inline (nothing fetched).

Two readers decide its shape, and the tests run both (tests/test_opendata_dcat.py):

- **DCAT-AP 3** (SEMICeu's SHACL shapes, mandatory and recommended): media types, file types,
  languages, themes and places are IRIs of their vocabularies (IANA, the EU file-type, language and
  data-theme authorities), and every node is typed as the shapes' ranges ask (``dct:MediaType``,
  ``dct:LinguisticSystem``, ``skos:Concept`` in its ``skos:inScheme``, ``vcard:Kind``, …): a portal
  reads the catalogue without the vocabularies, so no class can be inferred.
- **CKAN's ckanext-dcat harvester** (its RDF parser reads JSON-LD through rdflib):
  - it keys a harvested dataset on its ``@id`` (the guid), so every identifier is built from
    ``settings.SITE_URL``, never from the request's host;
  - it names a dataset (the portal's URL) from its title, keeping only ASCII letters, digits and
    ``-``/``_`` (ckan.lib.munge.munge_title_to_name): a Japanese title alone becomes ``__``, and the
    next ones ``__-1``, ``__-2``. So each dataset's title ends with its ASCII ``dct:identifier`` in
    brackets, which the munging leaves as the name: 施策別の年度ごとの進捗状況(131059-measures) is
    named ``131059-measures``, unique across every body's code;
  - it finds the licence in CKAN's register by the ``dct:license`` IRI or its ``dct:title``
    (docs/api.md says how a portal registers PDL1.0);
  - it takes a media type's ``rdfs:label`` (``text/csv``) as the resource's mimetype and from it the
    format (``CSV``), where the bare IANA IRI would become the format itself;
  - it stores each ``dcat:keyword`` as a tag, and refuses the whole dataset if a tag holds a
    character outside letters, digits, space, ``-``, ``_`` and ``.``: see ``_keyword``.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings

from core.addresses import site_url
from core.fiscal import fiscal_year_bounds

from . import selectors
from .datasets import COLLECTION_TITLE, DATASETS, LICENSE_NAME, LICENSE_URL, Dataset, Published, modified_on

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
JSONLD_CONTENT_TYPE = "application/ld+json; charset=utf-8"

IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
# (label, IANA media type, EU file type, URL name) of each distribution.
FORMATS = (
    ("CSV", "text/csv", "CSV", "opendata:dataset_csv"),
    ("JSON", "application/json", "JSON", "opendata:dataset_json"),
)
# e-Stat's statistical LOD names each municipality by its 標準地域コード: the 全国地方公共団体コード
# without its check digit (13105 for 131059), as a dct:Location IRI that stays when names change.
SPATIAL_BASE = "http://data.e-stat.go.jp/lod/sac/C"


def dataset_identifier(dataset: Dataset) -> str:
    """The dataset's stable ASCII identifier: the body's code and the dataset's slug (131059-measures)."""
    return f"{settings.OPENDATA_LOCAL_GOVERNMENT_CODE}-{dataset.slug}"


def dataset_uri(dataset: Dataset) -> str:
    return f"{site_url('opendata:index')}#{dataset.slug}"


def _text(value: str) -> dict:
    return {"@value": value, "@language": "ja"}


def _date(value: date | None) -> dict | None:
    return {"@value": value.isoformat(), "@type": "xsd:date"} if value else None


def _scheme(iri: str, title: str) -> dict:
    return {"@id": iri, "@type": "skos:ConceptScheme", "dct:title": {"@value": title, "@language": "en"}}


def _concept(iri: str, label: str, scheme: dict, *types: str) -> dict:
    """A term of a controlled vocabulary, typed and labelled as its authority does."""
    return {
        "@id": iri,
        "@type": ["skos:Concept", *types],
        "skos:prefLabel": {"@value": label, "@language": "en"},
        "skos:inScheme": scheme,
    }


LANGUAGES = _scheme(f"{EU_AUTHORITY}language", "Language")
FILE_TYPES = _scheme(f"{EU_AUTHORITY}file-type", "File type")
DATA_THEMES = _scheme(f"{EU_AUTHORITY}data-theme", "Data theme")
AVAILABILITY = _scheme(f"{EU_AUTHORITY}planned-availability", "Planned availability")
LICENCE_TYPES = _scheme("http://purl.org/adms/licencetype/1.0", "Licence type")
PUBLISHER_TYPES = _scheme("http://purl.org/adms/publishertype/1.0", "Publisher type")

JAPANESE = _concept(f"{EU_AUTHORITY}language/JPN", "Japanese", LANGUAGES, "dct:LinguisticSystem")
THEME = _concept(f"{EU_AUTHORITY}data-theme/GOVE", "Government and public sector", DATA_THEMES)
STABLE = _concept(f"{EU_AUTHORITY}planned-availability/STABLE", "Stable", AVAILABILITY)
# PDL1.0 asks users to credit the source (出典の記載).
ATTRIBUTION = _concept("http://purl.org/adms/licencetype/Attribution", "Attribution", LICENCE_TYPES)
LOCAL_AUTHORITY = _concept(
    "http://purl.org/adms/publishertype/LocalAuthority", "Local Authority", PUBLISHER_TYPES
)


def _media_type(media_type: str) -> dict:
    # The label is what ckanext-dcat reads as the mimetype (and matches to the format CSV, JSON).
    return {"@id": f"{IANA_MEDIA_TYPES}{media_type}", "@type": "dct:MediaType", "rdfs:label": media_type}


def _file_type(code: str) -> dict:
    return _concept(f"{EU_AUTHORITY}file-type/{code}", code, FILE_TYPES, "dct:MediaTypeOrExtent")


def _license() -> dict:
    # CKAN matches dct:license to its register by this IRI, else by the dct:title.
    return {
        "@id": LICENSE_URL,
        "@type": "dct:LicenseDocument",
        "dct:title": _text(LICENSE_NAME),
        "dct:type": ATTRIBUTION,
    }


def _publisher() -> dict:
    return {
        "@type": ["foaf:Agent", "foaf:Organization"],
        "foaf:name": _text(settings.OPENDATA_LOCAL_GOVERNMENT_NAME),
        "dct:identifier": settings.OPENDATA_LOCAL_GOVERNMENT_CODE,
        "dct:type": LOCAL_AUTHORITY,
    }


def _contact_point() -> dict:
    """The department that answers questions on the data (the one that issues the council's report)."""
    contact = {
        "@type": ["vcard:Kind", "vcard:Organization"],
        "vcard:fn": _text(settings.REPORT_ISSUER),
        "vcard:hasURL": {"@id": settings.OPENDATA_CONTACT_URL},
    }
    if settings.OPENDATA_CONTACT_EMAIL:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{settings.OPENDATA_CONTACT_EMAIL}"}
    return contact


def _spatial() -> dict:
    return {
        "@id": SPATIAL_BASE + settings.OPENDATA_LOCAL_GOVERNMENT_CODE[:5],
        "@type": "dct:Location",
        "skos:prefLabel": _text(settings.OPENDATA_LOCAL_GOVERNMENT_NAME),
    }


def _temporal(fiscal_years: list[int]) -> dict | None:
    """The fiscal years the rows cover, from the first one's April 1 to the last one's March 31."""
    if not fiscal_years:
        return None
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": _date(fiscal_year_bounds(min(fiscal_years))[0]),
        "dcat:endDate": _date(fiscal_year_bounds(max(fiscal_years))[1]),
    }


# CKAN's tag rule (ckan.logic.validators, tag_name_validator and tag_length_validator): word
# characters, space, - _ and ., at least 2 of them. A keyword such as マイナンバーカードの普及・活用 would
# make it refuse the whole dataset, so any other character is written as a space
# (マイナンバーカードの普及 活用), and a keyword too short for a tag is left out.
_NOT_IN_A_TAG = re.compile(r"[^\w\-. ]+")


def _keywords(names: list[str]) -> list[dict]:
    tags = [" ".join(_NOT_IN_A_TAG.sub(" ", name).split()) for name in names]
    return [_text(tag) for tag in dict.fromkeys(tags) if len(tag) >= 2]


def _document(url: str) -> dict:
    return {"@id": url, "@type": "foaf:Document"}


def _without_empty(node: dict) -> dict:
    return {key: value for key, value in node.items() if value not in (None, [])}


def _distribution(dataset: Dataset, modified: date | None, label, media_type, file_type, url_name) -> dict:
    url = site_url(url_name, dataset.slug)
    page = site_url("opendata:index")
    return _without_empty(
        {
            "@id": url,
            "@type": "dcat:Distribution",
            "dct:title": _text(f"{dataset.title}({label})"),
            "dct:description": _text(f"{dataset.description} 形式: {label}。列の説明は {page} にあります。"),
            "dct:license": _license(),
            "dct:modified": _date(modified),
            "dcat:mediaType": _media_type(media_type),
            "dct:format": _file_type(file_type),
            "dcatap:availability": STABLE,
            "dcat:downloadURL": {"@id": url},
            "dcat:accessURL": {"@id": url},
        }
    )


def _dataset(dataset: Dataset, published: Published, keywords: list[str]) -> dict:
    modified = modified_on(dataset, published)
    identifier = dataset_identifier(dataset)
    return _without_empty(
        {
            "@id": dataset_uri(dataset),
            "@type": "dcat:Dataset",
            "dct:identifier": identifier,
            # The identifier in brackets is what CKAN's name is made of (the module's docstring).
            "dct:title": _text(f"{dataset.title}({identifier})"),
            "dct:description": _text(dataset.description),
            "dct:publisher": _publisher(),
            "dcat:contactPoint": _contact_point(),
            "dct:license": _license(),
            "dct:modified": _date(modified),
            "dct:language": JAPANESE,
            "dcat:keyword": _keywords(keywords),
            "dcat:theme": THEME,
            "dct:spatial": _spatial(),
            "dct:temporal": _temporal(dataset.fiscal_years(published)),
            "dcat:landingPage": _document(site_url("opendata:index")),
            "dcat:distribution": [_distribution(dataset, modified, *fmt) for fmt in FORMATS],
        }
    )


def catalog_document(published: Published) -> dict:
    """The catalogue of what is public now: one dcat:Dataset per dataset while a plan is published."""
    datasets = []
    if published.plans:
        keywords = selectors.keywords_published()
        datasets = [_dataset(dataset, published, keywords) for dataset in DATASETS]
    modified = [m["@value"] for d in datasets if (m := d.get("dct:modified"))]
    return _without_empty(
        {
            "@context": CONTEXT,
            "@id": site_url("opendata:catalog"),
            "@type": "dcat:Catalog",
            "dct:title": _text(COLLECTION_TITLE),
            "dct:description": _text(
                "文京区官民データ活用推進計画の施策・年度目標・進捗報告と策定スケジュールのオープンデータ。"
            ),
            "dct:publisher": _publisher(),
            "dct:license": _license(),
            "dct:language": JAPANESE,
            "dct:spatial": _spatial(),
            "dct:issued": _date(selectors.first_published(published.plans)) if published.plans else None,
            "dct:modified": {"@value": max(modified), "@type": "xsd:date"} if modified else None,
            "dcat:themeTaxonomy": DATA_THEMES,
            "foaf:homepage": _document(site_url("opendata:index")),
            "dcat:dataset": datasets,
        }
    )
