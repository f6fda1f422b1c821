"""/api/measures/ as every role reads it, one file per URL and role, to compare two builds byte for byte.

    .venv/bin/python benchmarks/http_load.py --prepare /tmp/api.sqlite3   # the demo data (once)
    .venv/bin/python benchmarks/api_bodies.py /tmp/api.sqlite3 /tmp/bodies-after
    diff -r /tmp/bodies-before /tmp/bodies-after                          # nothing: the same

A visitor, http_load's superuser and one user per group (made in a copy of the database), each
with 29 query strings of the list (the scope, the filters, pages and sizes, orderings, bad input)
and four of two measures' details. Each file holds the URL, the status, Content-Type and
Cache-Control, then the body; /api/schema/ is written too (schema.json).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(source: str, out: str) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bunkyo-api-bodies-"))
    shutil.copy(source, scratch / "db.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from measures.models import Department, Keyword, Measure, Plan, ProgressStatus, Purpose, Technology

    plan = Plan.objects.order_by("pk").first()
    purpose = Purpose.objects.order_by("pk").first().pk
    queries = [
        *("", f"?plan={plan.pk}", "?as_of=2020-03-31", "?as_of=令和2年3月31日", "?fiscal_year=2020"),
        *("?fiscal_year=令和2年度", "?page_size=2", "?page_size=2&page=2", "?page_size=2&page=3"),
        *("?page_size=500", "?ordering=-number", "?ordering=id", "?ordering=title", "?format=json"),
        f"?department={Department.objects.order_by('pk').first().pk}",
        f"?keyword={Keyword.objects.order_by('pk').first().pk}",
        f"?status={ProgressStatus.objects.order_by('pk').first().pk}",
        f"?technology={Technology.objects.order_by('pk').first().pk}",
        *(f"?purpose={purpose}", f"?objective={purpose}", "?evaluation=A", "?evaluation=Z"),
        *("?updated_since=2020-01-01", "?as_of=2019-06-30&fiscal_year=2019", "?as_of=bad", "?plan=999"),
        *("?fiscal_year=1990", "?page=9", "?page_size=0"),
    ]
    ids = list(Measure.objects.order_by("pk").values_list("pk", flat=True)[:2])
    urls = [f"/api/measures/{q}" for q in queries] + [
        f"/api/measures/{pk}/{q}"
        for pk in ids
        for q in ("", "?as_of=2020-03-31", "?fiscal_year=2021", "?as_of=x")
    ]
    users = get_user_model().objects
    people = {"visitor": None, "superuser": users.get(username="bench")}
    for group in Group.objects.order_by("pk"):
        person = users.create_user(f"role-{group.pk}", password="not-used")
        person.groups.add(group)
        people[person.username] = person
    Path(out).mkdir(parents=True, exist_ok=True)
    for who, person in people.items():
        client = Client()
        if person is not None:
            client.force_login(person)
        for url in urls:
            response = client.get(url, HTTP_ACCEPT="application/json")
            head = (
                f"{url}\n{response.status_code} {response['Content-Type']} {response.get('Cache-Control')}\n"
            )
            name = f"{who}-{hashlib.sha1(url.encode()).hexdigest()[:10]}"
            (Path(out) / name).write_bytes(head.encode() + response.content)
    (Path(out) / "schema.json").write_bytes(Client().get("/api/schema/?format=json").content)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{len(people) * len(urls)} responses and the schema in {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
