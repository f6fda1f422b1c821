"""Open data as a program reads it: a Frictionless Data Package tells frictionless and pandas each
column's type, so the 全国地方公共団体コード 131059 is read as the text "131059", not a number.

The programs read the files the server sends: the live server, at the address the package names.
"""

from __future__ import annotations

import frictionless
import pytest

from opendata.datasets import DATASETS

from .test_opendata import published  # noqa: F401 (the fixture)

CODE = "全国地方公共団体コード"


@pytest.mark.xfail(strict=True, reason="issue 22 item 8: no datapackage.json yet")
def test_frictionless_reads_the_code_as_the_text_131059(live_server, published, settings):  # noqa: F811
    settings.SITE_URL = live_server.url
    package = frictionless.Package(f"{live_server.url}/opendata/datapackage.json")
    assert [resource.name for resource in package.resources] == [d.slug for d in DATASETS]
    for resource in package.resources:
        rows = resource.read_rows()
        assert rows and {row[CODE] for row in rows} == {"131059"}, resource.name
