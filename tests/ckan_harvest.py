"""What a CKAN portal stores when its DCAT harvester reads our catalogue: ckanext-dcat's own code,
without a database, Solr or a running CKAN.

    build/ckan-venv/bin/python tests/ckan_harvest.py catalog.jsonld [content type]

Run in build/ckan-venv (scripts/ensure_ckan.sh, from requirements/ckan.txt), never in the
application's environment: CKAN's pins conflict with ours. Prints a JSON list with one
{"package": …, "errors": …} per dataset: the dict the harvester hands to CKAN's package_create,
and what CKAN's validators of a name and a tag, which need no database, say of it.

The portal is configured as docs/api.md tells one to be: Japanese by default, with the licence
register of docs/ckan-licenses.json (PDL1.0 added to CKAN's own list).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ckan.common import config

ROOT = Path(__file__).resolve().parent.parent

config.update(
    {
        "ckan.locale_default": "ja",
        "licenses_group_url": (ROOT / "docs" / "ckan-licenses.json").as_uri(),
        "ckanext.dcat.rdf.profiles": "euro_dcat_ap_3",
    }
)

from ckan.lib.navl.dictization_functions import Invalid  # noqa: E402
from ckan.logic.validators import name_validator, tag_length_validator, tag_name_validator  # noqa: E402
from ckanext.dcat.harvesters.rdf import DCATRDFHarvester  # noqa: E402
from ckanext.dcat.processors import RDFParser  # noqa: E402


class EmptyPortalHarvester(DCATRDFHarvester):
    """The DCAT harvester of a portal that holds no dataset yet."""

    @staticmethod
    def _ensure_name_is_unique(ideal_name, existing_name=None, append_type="number-sequence"):
        # The one step that asks the database which names are taken: none, on an empty portal.
        # The names this harvest takes itself are counted by gather below, as gather_stage does.
        return ideal_name


def _problems(validators, value) -> list[str]:
    problems = []
    for validator in validators:
        try:
            validator(value, {})
        except Invalid as error:
            problems.append(str(error.error))
    return problems


def gather(content: str, content_type: str) -> list[dict]:
    """DCATRDFHarvester.gather_stage on one page, less its harvest job: parse with the configured
    profiles, name each dataset from its title, de-duplicate the names and add the guid."""
    harvester = EmptyPortalHarvester()
    harvester._names_taken = []
    parser = RDFParser()
    parser.parse(content, _format=content_type)
    packages = []
    for dataset in parser.datasets():
        # From ckanext/dcat/harvesters/rdf.py, gather_stage (ckanext-dcat 2.4).
        if not dataset.get("name"):
            dataset["name"] = harvester._gen_new_name(dataset["title"])
        if dataset["name"] in harvester._names_taken:
            suffix = len([i for i in harvester._names_taken if i.startswith(dataset["name"] + "-")]) + 1
            dataset["name"] = "{}-{}".format(dataset["name"], suffix)
        harvester._names_taken.append(dataset["name"])
        guid = harvester._get_guid(dataset)
        dataset["extras"].append({"key": "guid", "value": guid})
        packages.append(dataset)
    return packages


def main(path: str, content_type: str = "application/ld+json") -> None:
    packages = gather(Path(path).read_text(encoding="utf-8"), content_type)
    out = []
    for package in packages:
        errors = {}
        if problems := _problems([name_validator], package["name"]):
            errors["name"] = problems
        for tag in package.get("tags", []):
            if problems := _problems([tag_length_validator, tag_name_validator], tag["name"]):
                errors.setdefault("tags", []).extend(problems)
        out.append({"package": package, "errors": errors})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
