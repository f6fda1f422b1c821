"""The catalogue (/opendata/catalog.jsonld) as a portal harvests it.

A European or Japanese portal checks it against the DCAT-AP 3 shapes (SEMICeu's SHACL, vendored in
tests/data/dcat-ap-3/) and harvests it with CKAN's ckanext-dcat. Both are run here on the catalogue
the site serves: pyshacl with the official shapes, and ckanext-dcat's own parser in its own locked
environment (build/ckan-venv, scripts/ensure_ckan.sh, tests/ckan_harvest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SH

from measures.models import Keyword, Measure, Plan
from opendata.datasets import DATASETS, LICENSE_URL

from .conftest import ROOT
from .factories import seed_plan

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SHAPES = ROOT / "tests" / "data" / "dcat-ap-3"
CKAN_PYTHON = ROOT / "build" / "ckan-venv" / "bin" / "python"
SITE = "https://opendata.example.jp"


@pytest.fixture
def published(demo, settings) -> Plan:
    """The ward's plan, with its demo progress, marked 公開 by the secretariat; the site's address set."""
    settings.SITE_URL = SITE
    plan = seed_plan()
    Plan.objects.filter(pk=plan.pk).update(published=True)
    plan.refresh_from_db()
    return plan


def catalogue(client, **extra) -> str:
    response = client.get("/opendata/catalog.jsonld", **extra)
    assert response.status_code == 200
    return response.content.decode()


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="json-ld")


def _shapes(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(SHAPES / name, format="turtle")
    return graph


def _results(data: Graph, shapes: Graph) -> list[tuple[str, str, str, str]]:
    """(severity, focus node, path, message) of each result the report gives (not the details of
    an sh:node result, which carry the inner shape's severity, not the one the property shape sets)."""
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    rows = []
    for result in report.objects(report.value(predicate=RDF.type, object=SH.ValidationReport), SH.result):
        rows.append(
            (
                str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
                str(report.value(result, SH.resultMessage)),
            )
        )
    return sorted(rows)


MANDATORY = ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl", "deprecateduris.ttl")
RECOMMENDED = ("shapes_recommended.ttl",)


def test_the_catalogue_passes_the_dcat_ap_3_shapes_mandatory_and_recommended(client, published):
    data = _graph(catalogue(client))
    results = _results(data, _shapes(*MANDATORY, *RECOMMENDED))
    violations = [r for r in results if r[0] == "Violation"]
    assert violations == [], "\n".join(map(str, violations))
    # The recommended properties are all there (recommended shapes report warnings) but the place's
    # bounding box and centroid: no geometry of the ward is published with a source to cite here.
    spatial = "http://data.e-stat.go.jp/lod/sac/C13105"
    assert [(r[1], r[2]) for r in _results(data, _shapes(*RECOMMENDED))] == [
        (spatial, "http://www.w3.org/ns/dcat#bbox"),
        (spatial, "http://www.w3.org/ns/dcat#centroid"),
    ]


def test_media_types_formats_and_languages_are_the_vocabularies_iris(client, published):
    graph = _graph(catalogue(client))
    media_types, formats = set(), set()
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        media_types.add(graph.value(distribution, DCAT.mediaType))
        formats.add(graph.value(distribution, DCT["format"]))
    assert media_types == {
        URIRef("http://www.iana.org/assignments/media-types/text/csv"),
        URIRef("http://www.iana.org/assignments/media-types/application/json"),
    }
    assert formats == {
        URIRef("http://publications.europa.eu/resource/authority/file-type/CSV"),
        URIRef("http://publications.europa.eu/resource/authority/file-type/JSON"),
    }
    japanese = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
    for node in [*graph.subjects(RDF.type, DCAT.Dataset), *graph.subjects(RDF.type, DCAT.Catalog)]:
        assert list(graph.objects(node, DCT.language)) == [japanese]


def test_each_dataset_has_the_plans_keywords_period_place_theme_and_contact(client, published):
    graph = _graph(catalogue(client))
    keywords = set(Keyword.objects.filter(measures__plan=published).values_list("name", flat=True))
    assert {"オープンデータ", "アイデアソン・ハッカソン"} <= keywords
    # As typed, but for the characters CKAN refuses in a tag (it would refuse the dataset): a space.
    keywords = {k.replace("・", " ") for k in keywords}
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == len(DATASETS)
    for dataset in datasets:
        assert keywords <= {str(k) for k in graph.objects(dataset, DCAT.keyword)}
        assert graph.value(dataset, DCAT.theme) == URIRef(
            "http://publications.europa.eu/resource/authority/data-theme/GOVE"
        )
        assert graph.value(dataset, DCT.spatial) == URIRef("http://data.e-stat.go.jp/lod/sac/C13105")
        period = graph.value(dataset, DCT.temporal)
        start, end = (
            graph.value(period, DCAT.startDate).toPython(),
            graph.value(period, DCAT.endDate).toPython(),
        )
        # The plan runs FY2019-FY2021; the schedule's datasets start with its drafting year, FY2018.
        assert (start, end) in {(date(2019, 4, 1), date(2022, 3, 31)), (date(2018, 4, 1), date(2022, 3, 31))}
        contact = graph.value(dataset, DCAT.contactPoint)
        assert "情報政策課" in str(graph.value(contact, VCARD.fn))


@pytest.mark.parametrize(
    "request_as",
    [
        {"HTTP_HOST": "localhost"},
        {"HTTP_HOST": "127.0.0.1:8000"},
        {"HTTP_HOST": "localhost", "secure": True, "HTTP_X_FORWARDED_PROTO": "https"},
    ],
    ids=["localhost", "127.0.0.1", "https"],
)
def test_identifiers_are_the_same_whatever_host_the_catalogue_is_read_through(client, published, request_as):
    """A harvester keys on the @ids: read through another host name or behind the proxy, they stay."""
    text = catalogue(client, **request_as)
    assert text == catalogue(client)
    graph = _graph(text)
    assert list(graph.subjects(RDF.type, DCAT.Catalog)) == [URIRef(f"{SITE}/opendata/catalog.jsonld")]
    for dataset in DATASETS:
        node = URIRef(f"{SITE}/opendata/#{dataset.slug}")
        assert (node, RDF.type, DCAT.Dataset) in graph
        assert str(graph.value(node, DCT.identifier)) == f"131059-{dataset.slug}"
        downloads = {str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(node, DCAT.distribution)}
        assert downloads == {f"{SITE}/opendata/{dataset.slug}.csv", f"{SITE}/opendata/{dataset.slug}.json"}
    for host in ("localhost", "127.0.0.1", "testserver"):
        assert host not in text


def test_the_page_names_each_datasets_identifier_as_the_catalogue_does(client, published):
    page = client.get("/opendata/").content.decode()
    graph = _graph(catalogue(client))
    for dataset in DATASETS:
        identifier = str(graph.value(URIRef(f"{SITE}/opendata/#{dataset.slug}"), DCT.identifier))
        assert f"<td>{identifier}</td>" in page
    assert "DCAT-AP 3" in page


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OPENDATA_CONTACT_URL", "www.city.bunkyo.lg.jp"), ("OPENDATA_CONTACT_EMAIL", "情報政策課")],
)
def test_a_contact_point_a_reader_could_not_use_stops_start_up(variable, value):
    result = subprocess.run(
        [sys.executable, "-c", "import bunkyo.settings"],
        cwd=ROOT,
        env={**os.environ, variable: value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"{variable} must be" in result.stderr


def test_the_contact_points_address_is_published_when_set(client, published, settings):
    settings.OPENDATA_CONTACT_EMAIL = "johoseisaku@example.jp"
    contacts = {c for _, _, c in _graph(catalogue(client)).triples((None, VCARD.hasEmail, None))}
    assert contacts == {URIRef("mailto:johoseisaku@example.jp")}


# ---- CKAN (ckanext-dcat), in its own environment ------------------------------------------------


def ckan_unavailable(reason: str) -> None:
    """Skip, saying why; in CI (CI=true) CKAN is required, so fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true では CKAN のテストを省略できません: {reason}", pytrace=False)
    pytest.skip(reason)


def ckan_harvest(response, tmp_path) -> list[dict]:
    """What ckanext-dcat's harvester hands to CKAN's package_create for the catalogue served, with
    what CKAN's name and tag validators say of each dataset (tests/ckan_harvest.py)."""
    if not CKAN_PYTHON.exists():
        ckan_unavailable(f"{CKAN_PYTHON} がありません。make ckan (scripts/ensure_ckan.sh) が作ります。")
    path = tmp_path / "catalog.jsonld"
    path.write_bytes(response.content)
    content_type = response["Content-Type"].split(";")[0]  # as the harvester reads it
    result = subprocess.run(
        [str(CKAN_PYTHON), str(ROOT / "tests" / "ckan_harvest.py"), str(path), content_type],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _extra(package: dict, key: str):
    return next((e["value"] for e in package["extras"] if e["key"] == key), None)


def test_ckan_harvests_each_dataset_with_an_ascii_name_the_licence_and_the_keywords(
    client, published, tmp_path
):
    # Keywords as the secretariat may type them, which CKAN would refuse as tags (and the dataset with them).
    measure = Measure.objects.filter(plan=published).first()
    for name in ("窓", "データ連携(API)", "AI/IoT"):
        measure.keywords.add(Keyword.objects.create(name=name, order=99))
    harvested = ckan_harvest(client.get("/opendata/catalog.jsonld"), tmp_path)
    assert len(harvested) == len(DATASETS)
    # CKAN's validators accept every name and tag: package_create would store each dataset.
    assert [h["errors"] for h in harvested] == [{}] * len(DATASETS)
    packages = {_extra(h["package"], "identifier"): h["package"] for h in harvested}
    assert set(packages) == {f"131059-{d.slug}" for d in DATASETS}
    keywords = {
        k.replace("・", " ")
        for k in Keyword.objects.filter(measures__plan=published).values_list("name", flat=True)
    }
    for dataset in DATASETS:
        package = packages[f"131059-{dataset.slug}"]
        # The portal's URL is the stable identifier, not "__", "__-1", … from a Japanese title.
        assert package["name"] == f"131059-{dataset.slug}"
        # The licence as the portal registered it (docs/ckan-licenses.json), not "".
        assert package["license_id"] == "PDL-1.0"
        assert package["title"] == f"{dataset.title}(131059-{dataset.slug})"
        assert package["notes"] == dataset.description
        # The harvest id: the same whatever host the catalogue was read through.
        assert _extra(package, "guid") == f"{SITE}/opendata/#{dataset.slug}"
        tags = {t["name"] for t in package["tags"]}
        assert keywords - {"窓", "データ連携(API)", "AI/IoT"} <= tags
        assert {"データ連携 API", "AI IoT"} <= tags and "窓" not in tags
        assert _extra(package, "spatial_uri") == "http://data.e-stat.go.jp/lod/sac/C13105"
        assert _extra(package, "contact_name") == "文京区 企画政策部 情報政策課"
        resources = {r["format"]: r for r in package["resources"]}
        assert set(resources) == {"CSV", "JSON"}
        assert resources["CSV"]["url"] == f"{SITE}/opendata/{dataset.slug}.csv"
        assert resources["CSV"]["mimetype"] == "text/csv"
        assert resources["JSON"]["url"] == f"{SITE}/opendata/{dataset.slug}.json"
        assert resources["JSON"]["mimetype"] == "application/json"
        for resource in resources.values():
            assert resource["license"] == LICENSE_URL
            assert resource["name"] and resource["description"] and resource["modified"]
