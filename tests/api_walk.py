"""One walk through /api/, shared by the consumers of tests/test_api_clients.py.

The walk is built from the router (bunkyo/api.py), not from the schema: a new endpoint is walked
as soon as it is registered, whether or not the schema declares it. For each list it asks, as a
visitor or as one role, for the first page, the page its ``next`` link names, the detail of the
first row, an id that does not exist (404) and a bad ``page_size`` (400); a few lists also with
their filters. Then every write the router offers: refused to a visitor and to the roles that may
not write (403), and for the secretariat a success, a refusal (400), an unknown id (404) and a
stale ``version`` (409), as docs/api.md ("Writes") describes.

Each consumer passes a ``send`` function that makes the request its own way (a generated client,
Django's test client) and returns an :class:`Answer`; it checks what it receives against the
schema as it goes. The walk itself only follows the answers (ids, versions, ``next``) and stops
when the API answers another status than docs/api.md says, which is a fault of the API or of the
walk, not of the schema.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from rest_framework.pagination import CursorPagination

ROLES = ("anonymous", "council", "manager", "secretariat")
STAFF = ("council", "manager", "secretariat")
# What a signed-in role reads on a progress report and a visitor never does (docs/api.md).
STAFF_REPORT_FIELDS = ("author_name", "withdrawn_on", "withdrawal_reason", "withdrawn_by_name")
READS = ("get",)
UNKNOWN_ID = 0  # no row has it


@dataclasses.dataclass(frozen=True)
class Step:
    """One request of the walk: who, what, and the statuses docs/api.md says it is answered with."""

    role: str
    method: str  # lower case, as in the schema: "get", "post", "patch"
    template: str  # the path as the schema names it: "/api/progress-reports/{id}/withdraw/"
    path_params: dict[str, Any]
    query: dict[str, Any]
    body: dict[str, Any] | None
    expected: tuple[int, ...]
    why: str

    @property
    def path(self) -> str:
        return self.template.format(**self.path_params)

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.role}: {self.method.upper()} {self.path}{'?' + query if query else ''} ({self.why})"


@dataclasses.dataclass
class Answer:
    status: int
    json: Any  # the decoded body (None when there is none)


Send = Callable[[Step], Answer]


class WalkError(AssertionError):
    """The API answered another status than docs/api.md says: not a finding about the schema."""


@dataclasses.dataclass(frozen=True)
class WalkData:
    """Ids from the demo data that the walk's filters and writes use."""

    plan: int
    measure: int  # a measure of the plan with no report on (2021, 2021-12-01): the secretariat adds one
    status: int  # 進捗状況 実施中
    report: int  # a standing report that the roles without rights try to withdraw
    report_version: int
    scheduled_item: int
    scheduled_item_version: int
    answer: int  # an answer of an open collection round, which no role of the walk may submit


# Lists that only some roles read (collection rounds: the secretariat's and the departments'): the
# others are refused (403), and a visitor reads an empty list.
READERS = {"rounds": ("secretariat",), "answers": ("secretariat",)}


# ---- What the router offers ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Endpoint:
    prefix: str
    viewset: type

    @property
    def list_path(self) -> str:
        return f"/api/{self.prefix}/"

    @property
    def detail_path(self) -> str:
        return f"/api/{self.prefix}/{{id}}/"

    @property
    def cursor(self) -> bool:
        return issubclass(self.viewset.pagination_class, CursorPagination)

    def query_parameters(self) -> set[str]:
        """Every query parameter the list reads: its FilterSet's filters and form fields (the
        measures' plan, as_of and fiscal_year are ReportScopeForm's), ordering and the pagination's."""
        filterset = self.viewset.filterset_class
        names = set(filterset.base_filters) | set(filterset._meta.form.base_fields)
        if any(hasattr(backend, "ordering_param") for backend in self.viewset.filter_backends):
            names.add("ordering")
        pagination = self.viewset.pagination_class
        names.add(pagination.page_size_query_param)
        names.add(pagination.cursor_query_param if self.cursor else pagination.page_query_param)
        return names


def endpoints() -> list[Endpoint]:
    from bunkyo.api import router

    return [Endpoint(prefix, viewset) for prefix, viewset, _ in router.registry]


def operations() -> list[tuple[str, str]]:
    """Every (method, path) the router answers, with the path in the schema's form (``{id}``)."""
    from bunkyo.api import router

    found = []
    for prefix, viewset, _ in router.registry:
        for route in router.get_routes(viewset):
            methods = router.get_method_map(viewset, route.mapping)
            url = route.url.format(prefix=prefix, lookup="{id}", trailing_slash="/")
            path = "/api/" + url.removeprefix("^").removesuffix("$")
            for method in methods:
                if method in viewset.http_method_names and method not in ("head", "options"):
                    found.append((method, path))
    return found


# ---- The walk ----------------------------------------------------------------------------------


def _send(send: Send, step: Step) -> Answer:
    answer = send(step)
    if answer.status not in step.expected:
        raise WalkError(
            f"{step}: the API answered {answer.status}, not {step.expected} as docs/api.md says: "
            f"{str(answer.json)[:300]}"
        )
    return answer


def _query_of(url: str) -> dict[str, Any]:
    return {key: int(value) if value.isdigit() else value for key, value in parse_qsl(urlsplit(url).query)}


def _filtered(endpoint: Endpoint, data: WalkData) -> Iterator[tuple[str, dict, tuple[int, ...], str]]:
    """A few lists and details asked for with their filters (docs/api.md, "Filters"): (path, query,
    expected statuses, why)."""
    if endpoint.prefix == "measures":
        yield (
            endpoint.list_path,
            {"plan": data.plan, "as_of": "2021-03-31", "fiscal_year": 2020},
            (200,),
            ("the plan's measures for one year as of a date"),
        )
        yield endpoint.list_path, {"fiscal_year": 2030}, (400,), "a year outside the plan"
        yield (
            endpoint.detail_path,
            {"as_of": "2020-09-30", "fiscal_year": 2019},
            (200,),
            ("one measure for one year as of a date"),
        )
    elif endpoint.prefix == "progress-reports":
        query = {"measure": data.measure, "fiscal_year": 2020, "reported_until": "2021-03-31", "page_size": 5}
        yield endpoint.list_path, query, (200,), "one measure's reports of a year, up to a date"
        yield endpoint.list_path, {"reported_until": "2020-13-45"}, (400,), "a date that is no date"
    elif endpoint.prefix == "scheduled-items":
        yield (
            endpoint.list_path,
            {"fiscal_year": 2018, "status": "held"},
            (200,),
            "the meetings held in FY2018",
        )
        yield (
            endpoint.list_path,
            {"held_until": "2018-12-31"},
            (200,),
            "the meetings held by the end of 2018",
        )


def walk_reads(role: str, send: Send, data: WalkData) -> None:
    for endpoint in endpoints():
        readers = READERS.get(endpoint.prefix)
        if readers is not None and role not in readers:
            expected, why = ((200,), "an empty list") if role == "anonymous" else ((403,), "not this role's")
            answer = _send(send, Step(role, "get", endpoint.list_path, {}, {}, None, expected, why))
            if role == "anonymous" and answer.json["results"]:
                raise WalkError(f"a visitor read {endpoint.list_path}")
            continue
        first = _send(
            send, Step(role, "get", endpoint.list_path, {}, {"page_size": 1}, None, (200,), "the first page")
        )
        rows = first.json["results"]
        if not rows:
            raise WalkError(f"{role}: {endpoint.list_path} is empty; the walk needs a row to read")
        if first.json.get("next"):
            query = _query_of(first.json["next"])
            _send(
                send,
                Step(
                    role, "get", endpoint.list_path, {}, query, None, (200,), "the page its next link names"
                ),
            )
        row = {"id": rows[0]["id"]}
        _send(send, Step(role, "get", endpoint.detail_path, row, {}, None, (200,), "the first row"))
        _send(
            send,
            Step(role, "get", endpoint.detail_path, {"id": UNKNOWN_ID}, {}, None, (404,), "an unknown id"),
        )
        bad = {"page_size": 0}
        _send(send, Step(role, "get", endpoint.list_path, {}, bad, None, (400,), "a page_size out of 1–500"))
        for path, query, expected, why in _filtered(endpoint, data):
            params = row if path == endpoint.detail_path else {}
            _send(send, Step(role, "get", path, params, query, None, expected, why))


# Every write the router offers, each with what the walk sends. A write without an entry here
# fails the walk, so a new one is walked from the day it is registered.


def _new_report(data: WalkData) -> dict:
    return {
        "measure": data.measure,
        "fiscal_year": 2021,
        "as_of": "2021-12-01",
        "status": data.status,
        "progress_percent": 60,
        "actual_value": "12.5",
        "narrative": "APIクライアントからの報告",
    }


def _withdrawal(version: int) -> dict:
    return {"withdrawn_on": "2021-12-02", "withdrawal_reason": "入力の誤り", "version": version}


def _report_create(role: str, send: Send, data: WalkData, refused: tuple[int, ...]) -> None:
    path = "/api/progress-reports/"
    if role != "secretariat":
        _send(
            send,
            Step(role, "post", path, {}, {}, _new_report(data), refused, "a report added without rights"),
        )
        return
    _send(send, Step(role, "post", path, {}, {}, _new_report(data), (201,), "a new report"))
    _send(send, Step(role, "post", path, {}, {}, _new_report(data), (400,), "the same report again"))


def _report_withdraw(role: str, send: Send, data: WalkData, refused: tuple[int, ...]) -> None:
    path = "/api/progress-reports/{id}/withdraw/"
    report = {"id": data.report}
    if role != "secretariat":
        body = _withdrawal(data.report_version)
        _send(send, Step(role, "post", path, report, {}, body, refused, "a withdrawal without rights"))
        return
    body = _withdrawal(data.report_version)
    _send(send, Step(role, "post", path, {"id": UNKNOWN_ID}, {}, body, (404,), "an unknown report"))
    _send(
        send,
        Step(role, "post", path, report, {}, {"version": data.report_version}, (400,), "no date, no reason"),
    )
    _send(send, Step(role, "post", path, report, {}, body, (200,), "a withdrawal with the version read"))
    _send(
        send, Step(role, "post", path, report, {}, body, (409,), "the same withdrawal again: a stale version")
    )
    _send(
        send,
        Step(role, "get", "/api/progress-reports/{id}/", report, {}, None, (200,), "the withdrawn report"),
    )


def _scheduled_item_update(role: str, send: Send, data: WalkData, refused: tuple[int, ...]) -> None:
    path = "/api/scheduled-items/{id}/"
    item = {"id": data.scheduled_item}
    read = data.scheduled_item_version
    if role != "secretariat":
        body = {"subject": "権限のない変更", "version": read}
        _send(send, Step(role, "patch", path, item, {}, body, refused, "a change without rights"))
        return
    mine = {"subject": "APIクライアントが変えた議題", "version": read}
    _send(send, Step(role, "patch", path, {"id": UNKNOWN_ID}, {}, mine, (404,), "an unknown item"))
    _send(
        send,
        Step(role, "patch", path, item, {}, {"subject": "版なし"}, (400,), "a change without its version"),
    )
    _send(send, Step(role, "patch", path, item, {}, mine, (200,), "a change with the version read"))
    theirs = {"subject": "別の職員が同じ版から変えた議題", "version": read}
    _send(
        send,
        Step(
            role, "patch", path, item, {}, theirs, (409,), "a change of the same field from a stale version"
        ),
    )


def _answer_submit(role: str, send: Send, data: WalkData, refused: tuple[int, ...]) -> None:
    """Only the department's own staff submit (tests/test_rounds_api.py): none of the walk's roles is."""
    path = "/api/answers/{id}/submit/"
    answer = {"id": data.answer}
    body = {"version": 1, "rows": []}
    if role == "secretariat":
        _send(send, Step(role, "post", path, {"id": UNKNOWN_ID}, {}, body, (404,), "an unknown answer"))
        _send(send, Step(role, "post", path, answer, {}, body, (400,), "not the department's member"))
        return
    expected = (404,) if role == "anonymous" and refused == (404,) else refused
    _send(send, Step(role, "post", path, answer, {}, body, expected, "a submission without rights"))


WRITES: dict[tuple[str, str], Callable[[str, Send, WalkData, tuple[int, ...]], None]] = {
    ("post", "/api/answers/{id}/submit/"): _answer_submit,
    ("post", "/api/progress-reports/"): _report_create,
    ("post", "/api/progress-reports/{id}/withdraw/"): _report_withdraw,
    ("patch", "/api/scheduled-items/{id}/"): _scheduled_item_update,
}


def walk_writes(role: str, send: Send, data: WalkData) -> None:
    # A visitor's write is refused before anything is read: SessionAuthentication comes first,
    # which answers 403 (TokenAuthentication would answer 401).
    refused = (401, 403) if role == "anonymous" else (403,)
    for method, path in operations():
        if method in READS:
            continue
        if (method, path) not in WRITES:
            raise WalkError(
                f"the router offers {method.upper()} {path}, which tests/api_walk.py does not walk"
            )
        WRITES[method, path](role, send, data, refused)


def walk(role: str, send: Send, data: WalkData) -> None:
    """Every read, then every write, as ``role``."""
    walk_reads(role, send, data)
    walk_writes(role, send, data)


def walk_data(secretariat) -> WalkData:
    """The demo plan published (every role and a visitor read it), and the ids the walk needs.
    One report of it withdrawn, so that the staff read a withdrawal's fields filled in."""
    from measures.models import Measure
    from measures.services import progress_report_withdraw
    from schedule.models import ScheduledItem

    from .factories import add_report, seed_plan, status

    plan = seed_plan()
    plan.published = True
    plan.save()
    withdrawn = add_report(
        Measure.objects.get(plan=plan, number=1),
        2021,
        date(2021, 12, 1),
        narrative="誤った報告",
        author=secretariat,
    )
    progress_report_withdraw(
        report=withdrawn,
        withdrawn_on=date(2021, 12, 2),
        reason="数値の誤り",
        by=secretariat,
        loaded_version=1,
    )
    # Registered on its 報告基準日 (factories.add_report), so that it may be withdrawn on 2021-12-02.
    report = add_report(
        Measure.objects.get(plan=plan, number=3), 2021, date(2021, 11, 30), author=secretariat
    )
    item = ScheduledItem.objects.filter(fiscal_year=2018).order_by("pk").first()
    from rounds.services import round_create, round_transition

    round_ = round_create(
        plan=plan, fiscal_year=2021, as_of=date(2021, 12, 31), deadline=date(2040, 6, 30), by=secretariat
    )
    round_ = round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    return WalkData(
        answer=round_.answers.order_by("pk").first().pk,
        plan=plan.pk,
        measure=Measure.objects.get(plan=plan, number=2).pk,
        status=status("実施中").pk,
        report=report.pk,
        report_version=report.version,
        scheduled_item=item.pk,
        scheduled_item_version=item.version,
    )
