"""What a visitor who is not signed in reads from /api/: the published plan, and nothing else.

Beside the published plan lies an unpublished one, the next plan (令和4〜6年度), drafted in the
published plan's last year. Everything in it is named with a canary word, and so is the drafting
schedule of its year. Every API URL is asked for as a browser asks (Accept: text/html,
?format=api) and as a program does (application/json), and no canary may appear anywhere in what
is answered: not in a list, a filter's choices, an error, the schema, nor the documentation page.
Internal notes (備考) of the schedule never reach a visitor either.
"""

from __future__ import annotations

import base64
from datetime import date
from urllib.parse import urlencode

import pytest

from measures.models import Department, Keyword, Measure, Plan, ProgressReport, Purpose, Technology
from schedule.models import Body, Phase, PublicCommentPeriod, ScheduledItem

from .factories import add_report, add_target, make_plan, seed_plan

CANARY = "カナリア"
NOTE = "内部メモ:課長の了解前"


@pytest.fixture
def canary(demo, secretariat):
    """The published demo plan, and an unpublished next plan whose every name holds the canary."""
    published = seed_plan()
    published.published = True
    published.save()
    plan = make_plan(name=f"{CANARY}計画", first=2022, last=2024)
    purpose = Purpose.objects.create(plan=plan, code="エ", text=f"{CANARY}目的", order=9)
    purpose.keywords.add(Keyword.objects.create(name=f"{CANARY}目的語"))
    measure = Measure.objects.create(
        plan=plan, purpose=purpose, number=1, title=f"{CANARY}施策", description=f"{CANARY}の説明", order=1
    )
    measure.departments.add(Department.objects.create(name=f"{CANARY}課"))
    measure.keywords.add(Keyword.objects.create(name=f"{CANARY}語"))
    measure.technologies.add(Technology.objects.create(name=f"{CANARY}技術"))
    add_target(measure, 2022, 10, text=f"{CANARY}目標", indicator=f"{CANARY}指標")
    add_report(measure, 2022, date(2022, 9, 30), narrative=f"{CANARY}実績", author=secretariat)
    # The next plan's drafting, in FY2021: the published plan's last year.
    body = Body.objects.create(name=f"{CANARY}委員会", kind=Body.Kind.COMMITTEE, order=99)
    phase = Phase.objects.create(fiscal_year=2021, name=f"{CANARY}段階", first_month=4, last_month=9)
    ScheduledItem.objects.create(
        body=body, fiscal_year=2021, planned_month=6, subject=f"{CANARY}の骨子", phase=phase
    )
    PublicCommentPeriod.objects.create(
        body=body, fiscal_year=2021, planned_start_month=12, subject=f"{CANARY}計画(案)"
    )
    # Notes on the published schedule, meant for the secretariat only.
    ScheduledItem.objects.filter(fiscal_year=2018).update(notes=NOTE)
    PublicCommentPeriod.objects.filter(fiscal_year=2018).update(notes=NOTE)
    return plan


LISTS = (
    "/api/plans/",
    "/api/purposes/",
    "/api/measures/",
    "/api/annual-targets/",
    "/api/progress-reports/",
    "/api/departments/",
    "/api/keywords/",
    "/api/technologies/",
    "/api/bodies/",
    "/api/phases/",
    "/api/scheduled-items/",
    "/api/public-comments/",
)
AS_A_BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
AS_A_PROGRAM = {"HTTP_ACCEPT": "application/json"}


def _visitor_urls(client, canary: Plan) -> list[str]:
    """The root, every list and the detail of its first public row, the schema and its page; and
    each list asked for the next plan's records by id, which must be refused without naming them."""
    urls = ["/api/", "/api/schema/", "/api/schema/?format=json", "/api/docs/"]
    for url in LISTS:
        urls.append(url)
        rows = client.get(url, **AS_A_PROGRAM).json()["results"]
        assert rows, f"{url} shows the published plan to a visitor"
        urls.append(f"{url}{rows[0]['id']}/")
    measure = canary.measures.get()
    ids = {
        "plan": canary.pk,
        "purpose": measure.purpose_id,
        "measure": measure.pk,
        "department": measure.departments.get().pk,
        "keyword": measure.keywords.get().pk,
        "technology": measure.technologies.get().pk,
        "body": Body.objects.get(name__startswith=CANARY).pk,
        "phase": Phase.objects.get(name__startswith=CANARY).pk,
    }
    urls += [f"{url}?{name}={pk}" for url in LISTS for name, pk in ids.items()]
    return urls


def test_no_name_of_an_unpublished_plan_reaches_a_visitor_however_the_api_is_asked(client, canary):
    leaks = []
    for url in _visitor_urls(client, canary):
        separator = "&" if "?" in url else "?"
        answers = [("html", client.get(url, **AS_A_BROWSER))]
        if url != "/api/docs/":  # a page, with nothing else to offer
            answers.append(("json", client.get(url, **AS_A_PROGRAM)))
        if not url.startswith(("/api/schema/", "/api/docs/")):  # DRF's own views, not its renderer
            answers.append(("format=api", client.get(f"{url}{separator}format=api")))
            answers.append(("OPTIONS", client.options(url, **AS_A_BROWSER)))
        for asked, response in answers:
            assert response.status_code in (200, 400), (url, asked, response.status_code)
            body = response.content.decode()
            if CANARY in body or NOTE in body:
                leaks.append((url, asked))
    assert leaks == [], f"{len(leaks)} answers name the unpublished plan or a note: {leaks[:40]}"


def test_a_visitor_asking_for_an_unpublished_record_by_id_is_told_the_same_as_for_no_such_record(
    client, canary
):
    measure = canary.measures.get()
    unknown = client.get("/api/progress-reports/?measure=99999")
    unpublished = client.get(f"/api/progress-reports/?measure={measure.pk}")
    assert unknown.status_code == unpublished.status_code == 400
    assert (
        unpublished.json()["errors"]
        == unknown.json()["errors"]
        == {"measure": ["指定されたものは登録されていません。一覧にあるidを指定してください。"]}
    )


def test_a_visitor_reads_the_schedule_without_its_notes_and_without_the_next_plans_drafting(client, canary):
    items = client.get("/api/scheduled-items/?page_size=500").json()["results"]
    comments = client.get("/api/public-comments/?page_size=500").json()["results"]
    assert items and comments
    assert all("notes" not in row for row in items + comments)
    # FY2021 is drafted for the next plan, which is not published: none of that year is public.
    assert {row["fiscal_year"] for row in items} == {2018}  # the seed's schedule: FY2018 only
    assert 2021 not in {row["fiscal_year"] for row in comments}
    assert client.get("/api/scheduled-items/?fiscal_year=2021").json()["results"] == []


def test_the_secretariat_still_reads_every_note_and_the_next_plans_drafting(client, canary, secretariat):
    client.force_login(secretariat)
    items = client.get("/api/scheduled-items/?fiscal_year=2018&page_size=500").json()["results"]
    assert {row["notes"] for row in items} == {NOTE}
    drafting = client.get("/api/scheduled-items/?fiscal_year=2021&page_size=500").json()["results"]
    assert f"{CANARY}の骨子" in [row["subject"] for row in drafting]
    html = client.get("/api/progress-reports/", **AS_A_BROWSER)
    assert html["Content-Type"].startswith("text/html")
    assert f"{CANARY}施策" in html.content.decode()


def _cursor(**tokens) -> str:
    """A cursor as DRF encodes one (base64 of a query string), with whatever position a visitor typed."""
    return base64.b64encode(urlencode(tokens).encode("ascii")).decode("ascii")


@pytest.mark.parametrize("url", ["/api/progress-reports/", "/api/scheduled-items/"])
@pytest.mark.parametrize("ordering", ["", "fiscal_year", "-id", "measure", "as_of", "planned_month"])
@pytest.mark.parametrize("position", ["abc", "1.5", "2021-13-40", "9" * 30, "\x00"])
def test_a_tampered_cursor_is_a_400_naming_it(client, canary, url, ordering, position):
    query = {"cursor": _cursor(o=0, r=0, p=position)}
    if ordering:
        query["ordering"] = ordering
    response = client.get(url, query)
    if response.status_code == 400 and "ordering" in response.json()["errors"]:
        return  # an ordering this list does not offer: refused for that, before the cursor is read
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "cursor": ["cursor が正しくありません。一覧の next / previous の値をそのまま使ってください。"]
    }


@pytest.mark.parametrize("ordering", ["measure", "-measure", "as_of", "fiscal_year", "-created_at"])
def test_a_visitor_pages_through_every_public_report_once_in_any_order_offered(client, canary, ordering):
    seen, url = [], f"/api/progress-reports/?page_size=3&ordering={ordering}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    public = ProgressReport.objects.filter(measure__plan__published=True, withdrawn_on=None)
    assert sorted(seen) == sorted(public.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def test_the_open_data_schedule_holds_back_the_next_plans_drafting_year(client, canary):
    for url in (
        "/opendata/schedule.csv",
        "/opendata/public-comments.csv",
        "/opendata/schedule.json",
        "/opendata/catalog.jsonld",
        "/opendata/datapackage.json",
        "/opendata/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert CANARY not in body.decode("utf-8-sig"), url


def test_a_browser_of_a_visitor_gets_json_and_of_the_staff_the_browsable_api(client, canary, manager):
    for url in ("/api/", "/api/measures/", "/api/progress-reports/?format=api"):
        response = client.get(url, **AS_A_BROWSER)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json", url
    client.force_login(manager)
    response = client.get("/api/", **AS_A_BROWSER)
    assert response["Content-Type"].startswith("text/html")
