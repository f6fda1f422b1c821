"""The API read by clients nobody here wrote, made from the schema /api/schema/ serves (issue 22).

An integrator does not read our serializers: they generate a client from the schema and trust
it. Three such consumers walk the API (tests/api_walk.py: every list and detail the router
offers, a followed ``next``, an unknown id, a bad filter, every write and its refusals) as a
visitor and as each role, and each says what it could not read:

- openapi-python-client generates a typed client; every answer must parse into its models (an
  error too, never ``None``), with every field received typed (nothing left in
  ``additional_properties``), every query parameter the server reads an argument of its function,
  and every identifier it writes plain ASCII.
- datamodel-code-generator generates pydantic models that forbid extra fields; every answer must
  validate against the model of the response the schema declares for its status.
- openapi-core validates every request and every answer against the schema.
- openapi-typescript writes the schema's types, and tsc checks an openapi-fetch program against
  them (tests/ts_client/consumer.ts).

And every refusal the walk meets says in Japanese what went wrong, as a client shows it.

What fails here is what an integrator's client gets wrong; docs/api.md, "Tests".
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import typing
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import attrs
import pydantic
import pytest
from django.test import Client as DjangoClient
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.request.exceptions import SecurityValidationError
from rest_framework.authtoken.models import Token
from werkzeug.datastructures import Headers, ImmutableMultiDict

from . import api_walk
from .api_walk import ROLES, STAFF, STAFF_REPORT_FIELDS, Answer, Step

# Every test reads the schema the server serves, and the server counts each request in the
# database (the throttle): each needs the test database, even one that only reads generated code.
pytestmark = pytest.mark.django_db

PACKAGE = "bunkyo_api_client"
ROOT = Path(__file__).resolve().parent.parent
# scripts/ensure_npm_packages.sh (make browser) installs these from scripts/ts_client/package-lock.json.
TS_CLIENT = ROOT / "build" / "ts_client" / "node_modules"
TS_CONSUMER = Path(__file__).resolve().parent / "ts_client" / "consumer.ts"


class Findings:
    """What a consumer could not read, each said once, with the requests it was seen in."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}

    def add(self, finding: str, example: object = "") -> None:
        examples = self.seen.setdefault(finding, [])
        if example and str(example) not in examples:
            examples.append(str(example))

    def __bool__(self) -> bool:
        return bool(self.seen)

    def __repr__(self) -> str:
        return f"<{len(self.seen)} findings>"

    def report(self, found_by: str) -> str:
        lines = []
        for finding, examples in self.seen.items():
            lines.append(f"- {finding}")
            if examples:
                more = f" (and {len(examples) - 2} more)" if len(examples) > 2 else ""
                lines.append(f"    seen in: {'; '.join(examples[:2])}{more}")
        return f"{len(self.seen)} problems found by {found_by}:\n" + "\n".join(lines)


# ---- The schema as served, and the clients made from it (once per test process) ---------------------


@pytest.fixture(scope="session")
def served_schema(django_db_setup, django_db_blocker) -> dict:
    """What GET /api/schema/?format=json answers a visitor (the throttle counts it, in the database)."""
    with django_db_blocker.unblock():
        response = DjangoClient().get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:300]
    return response.json()


@pytest.fixture(scope="session")
def schema_file(served_schema, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    path.write_text(json.dumps(served_schema, ensure_ascii=False), encoding="utf-8")
    return path


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(command[:4])} … failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def generated_client(schema_file, tmp_path_factory):
    """openapi-python-client's package for the served schema, imported."""
    root = tmp_path_factory.mktemp("openapi_python_client")
    config = root / "config.yaml"
    # No post hooks: they would run ruff on the generated code, which is not ours to lint.
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n", encoding="utf-8")
    output = _run(
        sys.executable, "-m", "openapi_python_client", "generate",
        "--path", str(schema_file), "--meta", "none",
        "--output-path", str(root / PACKAGE), "--config", str(config),
    )  # fmt: skip
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        modules = {
            info.name: importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, f"{PACKAGE}.")
        }
        yield GeneratedClient(package, modules, output)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def pydantic_models(served_schema, tmp_path_factory):
    """datamodel-code-generator's pydantic v2 models of the served schema, extra fields forbidden,
    with a model for every response (an inline response schema is first named in components)."""
    root = tmp_path_factory.mktemp("datamodel_code_generator")
    schema, responses = _responses_named(served_schema)
    (root / "schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    _run(
        sys.executable, "-m", "datamodel_code_generator",
        "--input", str(root / "schema.json"), "--input-file-type", "openapi",
        "--output", str(root / "api_models.py"), "--output-model-type", "pydantic_v2.BaseModel",
        "--extra-fields", "forbid", "--strict-nullable", "--target-python-version", "3.11",
        "--formatters", "builtin", "--disable-timestamp",
    )  # fmt: skip
    spec = importlib.util.spec_from_file_location("bunkyo_api_models", root / "api_models.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield PydanticModels(module, responses)
    del sys.modules[spec.name]


@pytest.fixture(scope="session")
def openapi(served_schema) -> OpenAPI:
    return OpenAPI.from_dict(served_schema)


# ---- The people and the data ------------------------------------------------------------------------


@pytest.fixture
def walk_data(demo, secretariat, manager, council) -> api_walk.WalkData:
    return api_walk.walk_data(secretariat)


@pytest.fixture
def tokens(secretariat, manager, council) -> dict[str, str | None]:
    users = {"secretariat": secretariat, "manager": manager, "council": council}
    return {"anonymous": None, **{role: Token.objects.create(user=user).key for role, user in users.items()}}


def _users(request) -> dict:
    return {role: request.getfixturevalue(role) for role in STAFF}


def _json(response) -> Any:
    if response.get("Content-Type", "").startswith("application/json") and response.content:
        return response.json()
    return None


def _django_send(client: DjangoClient, headers: dict[str, str], check) -> api_walk.Send:
    """Each step through Django's test client, then ``check(step, response, body sent)``."""

    def send(step: Step) -> Answer:
        query = f"?{urlencode(step.query)}" if step.query else ""
        body = b"" if step.body is None else json.dumps(step.body).encode()
        extra = {"content_type": "application/json"} if step.body is not None else {}
        response = client.generic(step.method.upper(), step.path + query, body, headers=headers, **extra)
        check(step, response, body)
        return Answer(response.status_code, _json(response))

    return send


# ---- 1. openapi-python-client -----------------------------------------------------------------------


@attrs.define
class GeneratedClient:
    package: Any
    modules: dict[str, Any]
    output: str

    def operations(self) -> dict[tuple[str, str], Any]:
        """(method, path) → the generated module of that operation, read from its _get_kwargs."""
        found = {}
        for name, module in self.modules.items():
            if ".api." in name and hasattr(module, "sync_detailed"):
                source = Path(module.__file__).read_text(encoding="utf-8")
                method = re.search(r'"method": "(\w+)"', source).group(1)
                url = re.search(r'"url": f?"([^"]+)"', source).group(1)
                found[method, url] = module
        return found

    def arguments(self, module) -> dict[str, str]:
        """The generated function's arguments and their annotations (as written, a string)."""
        import inspect

        return {
            name: parameter.annotation
            for name, parameter in inspect.signature(module.sync_detailed).parameters.items()
            if name != "client"
        }

    def model(self, name: str):
        return getattr(self.package.models, name, None)


def _kinds(generated: GeneratedClient, annotation) -> list:
    """The types an argument's annotation allows (the API modules hold types, the models strings)."""
    if isinstance(annotation, str):
        names = [name.strip() for name in annotation.split("|")]
        builtins = {"int": int, "str": str, "datetime.date": date, "datetime.datetime": datetime}
        return [builtins.get(name) or generated.model(name) or name for name in names]
    return list(typing.get_args(annotation)) or [annotation]


def _typed(generated: GeneratedClient, annotation, value):
    """A walk's value (text and numbers, as in a URL) as the generated function's argument type."""
    kinds = _kinds(generated, annotation)
    if isinstance(value, str):
        if date in kinds:
            return date.fromisoformat(value)
        if datetime in kinds:
            return datetime.fromisoformat(value)
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, Enum):
                return kind(value)
        if int in kinds and value.lstrip("-").isdigit():
            return int(value)
    if isinstance(value, int) and str in kinds and int not in kinds:
        return str(value)
    return value


def _body_model(generated: GeneratedClient, annotation, body: dict):
    for kind in _kinds(generated, annotation):
        if hasattr(kind, "from_dict"):
            return kind.from_dict(body)
    raise TypeError(f"no model for a body annotated {annotation}")


def _untyped(value, where: str):
    """(where, class, keys) for every parsed object holding fields its class does not declare."""
    if attrs.has(type(value)):
        fields = attrs.fields_dict(type(value))
        extra = getattr(value, "additional_properties", None)
        # dict[str, Any]: whatever the schema left undeclared; a map the schema types is typed.
        if extra and "Any" in str(fields["additional_properties"].type):
            yield where, type(value).__name__, sorted(extra)
        for name in fields:
            if name != "additional_properties":
                yield from _untyped(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for item in value:
            yield from _untyped(item, f"{where}[]")


def _report_objects(step: Step, body, parsed) -> list[tuple[dict, Any]]:
    """The progress reports of an answer: (the JSON object, what the client parsed it into)."""
    if not step.template.startswith("/api/progress-reports/") or not isinstance(body, dict):
        return []
    if "results" in body:
        return list(zip(body["results"], getattr(parsed, "results", []) or [], strict=False))
    return [(body, parsed)] if "measure" in body else []


def _operation(step: Step) -> str:
    return f"{step.method.upper()} {step.template}"


def _client_send(generated: GeneratedClient, client, role: str, problems: Findings) -> api_walk.Send:
    operations = generated.operations()

    def send(step: Step) -> Answer:
        module = operations.get((step.method, step.template))
        if module is None:
            problems.add(
                f"{_operation(step)}: the generated client has no function for it "
                "(the schema does not declare the operation)",
                step,
            )
            response = client.get_httpx_client().request(
                step.method, step.path, params=step.query, json=step.body
            )
            return Answer(response.status_code, response.json() if response.content else None)
        arguments = generated.arguments(module)
        kwargs = {name: _typed(generated, arguments[name], value) for name, value in step.path_params.items()}
        typed = True
        for name, value in step.query.items():
            if name in arguments:
                kwargs[name] = _typed(generated, arguments[name], value)
            else:
                typed = False
                problems.add(
                    f"{_operation(step)}: the server reads the query parameter {name}, but the generated "
                    f"{module.__name__.rsplit('.', 1)[1]}() takes no argument {name} (the schema does not declare it)",
                    step,
                )
        if step.body is not None:
            try:
                kwargs["body"] = _body_model(generated, arguments["body"], step.body)
            except (KeyError, TypeError, ValueError) as error:
                typed = False  # a body the model cannot hold: only the walk's refused bodies
                if step.expected[0] < 400:
                    problems.add(
                        f"{_operation(step)}: the generated request model cannot hold the body: {error!r}",
                        step,
                    )
        if typed:
            response = module.sync_detailed(client=client, **kwargs)
        else:  # sent as it is, and parsed by the generated function's own parser
            raw = client.get_httpx_client().request(step.method, step.path, params=step.query, json=step.body)
            response = module._build_response(client=client, response=raw)
        body = json.loads(response.content) if response.content else None
        _check_parsed(step, role, int(response.status_code), body, response.parsed, problems)
        return Answer(int(response.status_code), body)

    return send


def _check_parsed(step: Step, role: str, status: int, body, parsed, problems: Findings) -> None:
    if parsed is None:
        problems.add(
            f"{_operation(step)}: the answer {status} is parsed to None by the generated client: "
            f"the schema declares no {status} response",
            step,
        )
        return
    for where, model, keys in _untyped(parsed, "answer"):
        problems.add(
            f"{_operation(step)} ({status}): field(s) {', '.join(keys)} received but not typed by the "
            f"generated client ({model}, in {where}, kept them in additional_properties)",
            step,
        )
    if role in STAFF and 200 <= status < 300:
        for row, model in _report_objects(step, body, parsed):
            declared = attrs.fields_dict(type(model)) if attrs.has(type(model)) else {}
            for field in STAFF_REPORT_FIELDS:
                if field not in row:
                    problems.add(
                        f"{_operation(step)}: the API sent {role} no {field} on a progress report", step
                    )
                elif field not in declared:
                    problems.add(
                        f"{_operation(step)}: progress report field {field} received but not typed by "
                        f"the generated client ({type(model).__name__} has no {field})",
                        step,
                    )


@pytest.mark.parametrize("role", ROLES)
def test_the_generated_python_client_reads_every_answer_typed(
    role, generated_client, walk_data, tokens, live_server
):
    client_module = generated_client.modules[f"{PACKAGE}.client"]
    if role == "anonymous":
        client = client_module.Client(base_url=live_server.url)
    else:
        client = client_module.AuthenticatedClient(
            base_url=live_server.url, token=tokens[role], prefix="Token"
        )
    problems = Findings()
    # Closed before the test ends: a kept-alive connection would keep a server thread on the
    # test's database connection after its flush.
    with client:
        api_walk.walk(role, _client_send(generated_client, client, role, problems), walk_data)
    assert not problems, problems.report(f"openapi-python-client, walking the API as {role}")


def _identifiers(generated: GeneratedClient):
    """(what, where) for every module, class and enum member name the generator wrote."""
    for name, module in generated.modules.items():
        yield name.rsplit(".", 1)[1], f"module {name}"
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == name:
                yield value.__name__, f"class {value.__name__} ({name})"
                if issubclass(value, Enum):
                    for member in value.__members__:
                        yield member, f"member {member} of the enum {value.__name__} ({name})"


def test_the_generated_python_client_names_everything_in_ascii(generated_client, served_schema):
    """An integrator types these names: a Japanese one (an enum named after a parameter's title,
    say) is a module and a class nobody can type or import from every tool.

    Except the packages that group the operations, which openapi-python-client names after the
    schema's tags: those are Japanese on purpose (Swagger UI shows them, issue 22), and Python
    imports them (``from bunkyo_api_client.api.計画 import plans_list``); docs/api.md says so."""
    tags = {  # as the generator writes a package name: without ・ and the like
        re.sub(r"\W", "", tag)
        for item in served_schema["paths"].values()
        for operation in item.values()
        for tag in operation.get("tags", [])
    }
    problems = Findings()
    for name, where in _identifiers(generated_client):
        if where == f"module bunkyo_api_client.api.{name}" and name in tags:
            continue
        if not name.isascii():
            problems.add(f"the generated {where}: the name {name} is not ASCII")
    members = [
        member
        for module in generated_client.modules.values()
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Enum) and value is not Enum
        for member in value.__members__
    ]
    assert members, "the walk over the generated models found no enum (ItemStatusEnum is one)"
    assert not problems, problems.report("openapi-python-client's names")


def test_the_generated_list_functions_take_every_query_parameter_the_server_reads(generated_client):
    operations = generated_client.operations()
    problems = Findings()
    for endpoint in api_walk.endpoints():
        module = operations.get(("get", endpoint.list_path))
        if module is None:
            problems.add(f"GET {endpoint.list_path}: the generated client has no function for it")
            continue
        function = module.__name__.rsplit(".", 1)[1]
        for name in sorted(endpoint.query_parameters() - set(generated_client.arguments(module))):
            problems.add(
                f"GET {endpoint.list_path}: the server reads {name}, but the generated {function}() "
                f"takes no argument {name} (the schema does not declare the parameter)"
            )
    assert not problems, problems.report("openapi-python-client's list functions")


# ---- 2. datamodel-code-generator: strict pydantic models -------------------------------------------

METHODS = ("get", "put", "post", "patch", "delete")


def _class_name(*parts: str) -> str:
    return "".join(word[:1].upper() + word[1:] for part in parts for word in re.split(r"[^0-9A-Za-z]+", part))


def _responses_named(schema: dict) -> tuple[dict, dict]:
    """A copy of ``schema`` whose every JSON response is a $ref to a component (an inline one named
    after its operation and status), and (method, path, status) → that component's name."""
    copy = json.loads(json.dumps(schema))
    components = copy.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    named = {}
    for path, item in copy["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
                content = response.get("content", {}).get("application/json")
                if not content:
                    continue
                if set(content["schema"]) != {"$ref"}:
                    name = _class_name(operation["operationId"], "response", status)
                    schemas[name] = content["schema"]
                    content["schema"] = {"$ref": f"#/components/schemas/{name}"}
                named[method, path, status] = content["schema"]["$ref"].rsplit("/", 1)[1]
    return copy, named


@attrs.define
class PydanticModels:
    module: Any
    responses: dict[tuple[str, str, str], str]

    def check(self, schema: dict, step: Step, status: int, body, problems: Findings) -> None:
        operation = schema["paths"].get(step.template, {}).get(step.method)
        if operation is None:
            problems.add(f"the schema declares no {_operation(step)}", step)
            return
        key = (step.method, step.template)
        name = self.responses.get((*key, str(status))) or self.responses.get((*key, "default"))
        if name is None:
            declared = ", ".join(sorted(operation.get("responses", {})))
            problems.add(
                f"{_operation(step)} answered {status}, which the schema does not declare (it declares "
                f"{declared}): no model to read {json.dumps(body, ensure_ascii=False)[:100]} with",
                step,
            )
            return
        model = getattr(self.module, name, None)
        if model is None:
            problems.add(
                f"{_operation(step)}: datamodel-code-generator wrote no model {name} for {status}", step
            )
            return
        try:
            model.model_validate(body)
        except pydantic.ValidationError as error:
            for problem in error.errors():
                problems.add(_pydantic_problem(step, status, name, problem), step)


def _pydantic_problem(step: Step, status: int, model: str, error: dict) -> str:
    # results.0.author_name and results.7.author_name are one finding: results[].author_name
    parts = []
    for part in error["loc"]:
        if isinstance(part, int):
            parts[-1] += "[]"
        else:
            parts.append(str(part))
    where = ".".join(parts)
    if error["type"] == "extra_forbidden":
        return (
            f"{_operation(step)} ({status}): field {where} received but not declared by {model} "
            "(extra fields forbidden)"
        )
    return f"{_operation(step)} ({status}): {where}: {error['msg']} ({model})"


def _headers(role: str, tokens) -> dict[str, str]:
    return {} if role == "anonymous" else {"Authorization": f"Token {tokens[role]}"}


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_validates_against_the_strict_pydantic_model_of_its_declared_response(
    role, pydantic_models, served_schema, walk_data, tokens, client
):
    problems = Findings()

    def check(step: Step, response, sent: bytes) -> None:
        pydantic_models.check(served_schema, step, response.status_code, _json(response), problems)

    api_walk.walk(role, _django_send(client, _headers(role, tokens), check), walk_data)
    assert not problems, problems.report(
        f"datamodel-code-generator's strict models, walking the API as {role}"
    )


# ---- 3. openapi-core ---------------------------------------------------------------------------------


@attrs.define
class SentRequest:
    """What Django received, in openapi-core's request protocol (openapi_core.protocols.Request);
    the body as sent, since DRF has read Django's stream by now."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None

    @classmethod
    def of(cls, response, body: bytes) -> SentRequest:
        request = response.wsgi_request
        query = [(name, value) for name, values in request.GET.lists() for value in values]
        return cls(
            host_url=request._current_scheme_host,
            path=request.path,
            method=request.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(query),
                header=Headers(list(request.headers.items())),
                cookie=ImmutableMultiDict(dict(request.COOKIES)),
            ),
            content_type=request.META.get("CONTENT_TYPE", "") if body else "",
            body=body or None,
        )


def _explain(error: BaseException) -> str:
    """openapi-core's error and its causes, each said once (the schema validator's own messages last)."""
    kinds, said, seen = [], [], error
    while seen is not None:
        kinds.append(type(seen).__name__)
        own = str(seen).removeprefix(f"{type(seen).__name__}: ")
        for message in [own, *(e.message for e in getattr(seen, "schema_errors", ()))]:
            if message and not any(message in other for other in said):
                said.append(message)
        seen = seen.__cause__ or seen.__context__
    return f"{' ← '.join(dict.fromkeys(kinds))}: {'; '.join(said[:5])}"


def _undeclared_query(schema: dict, step: Step, problems: Findings) -> None:
    item = schema["paths"].get(step.template, {})
    parameters = item.get("parameters", []) + item.get(step.method, {}).get("parameters", [])
    declared = {p["name"] for p in parameters if p.get("in") == "query"}
    for name in step.query:
        if name not in declared:
            problems.add(
                f"{_operation(step)}: the query parameter {name}, which the server reads, is not declared",
                step,
            )


@pytest.mark.parametrize("role", ROLES)
def test_openapi_core_finds_every_request_and_answer_of_the_walk_valid(
    role, request, openapi, served_schema, walk_data, client
):
    if role != "anonymous":
        client.force_login(_users(request)[role])  # a session, as a browser's script
    problems = Findings()

    def check(step: Step, response, sent: bytes) -> None:
        _undeclared_query(served_schema, step, problems)
        incoming = SentRequest.of(response, sent)
        try:
            openapi.validate_request(incoming)
        except SecurityValidationError as error:
            if not set(step.expected) & {401, 403}:  # a write without rights may lack what it needs
                problems.add(
                    f"{_operation(step)}: the schema's security refuses this request, which the API answers: "
                    f"{_explain(error)}",
                    step,
                )
        except OpenAPIError as error:
            # The walk's bad filters and bodies are meant to be refused; the schema may say so too.
            if 400 not in step.expected:
                problems.add(
                    f"{_operation(step)}: the request is invalid for the schema: {_explain(error)}", step
                )
        try:
            openapi.validate_response(incoming, DjangoOpenAPIResponse(response))
        except OpenAPIError as error:
            problems.add(
                f"{_operation(step)}: the answer {response.status_code} is invalid for the schema: {_explain(error)}",
                step,
            )

    api_walk.walk(role, _django_send(client, {}, check), walk_data)
    assert not problems, problems.report(f"openapi-core, walking the API as {role}")


# ---- What a client shows its user ---------------------------------------------------------------------

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _messages(body) -> list[str]:
    """The messages of an error answer: its detail and each field's reasons (not the values that
    a 409's conflicts repeat, which are the data as typed)."""
    if not isinstance(body, dict):
        return []
    found = []
    for key, value in body.items():
        if key == "conflicts":
            continue
        values = value if isinstance(value, list) else [value]
        found += [text for text in values if isinstance(text, str)]
    return found


def test_every_refusal_a_client_shows_its_user_is_in_japanese(walk_data, tokens, client):
    """The error a client parses is what it shows: 「見つかりません」, not Django's English."""
    problems = Findings()

    def check(step: Step, response, sent: bytes) -> None:
        if response.status_code >= 400:
            for text in _messages(_json(response)):
                if not JAPANESE.search(text):
                    problems.add(
                        f"{_operation(step)} ({response.status_code}): the message {text!r} is not in Japanese",
                        step,
                    )

    for role in ROLES:
        api_walk.walk(role, _django_send(client, _headers(role, tokens), check), walk_data)
    assert not problems, problems.report("the walk's error answers")


# ---- 4. TypeScript: openapi-typescript's types and an openapi-fetch program, checked by tsc ----------


def _tool_missing(reason: str) -> None:
    """Skip, saying why; in CI (CI=true) the TypeScript consumer is required, so fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true ではこのテストを省略できません: {reason}", pytrace=False)
    pytest.skip(reason)


def test_a_typescript_program_type_checks_against_the_types_of_the_served_schema(schema_file, tmp_path):
    """tests/ts_client/consumer.ts reads the measures with their filters, a report's staff fields
    and the typed refusals; tsc must accept it against the types openapi-typescript makes."""
    node = shutil.which("node")
    if node is None or not (TS_CLIENT / "typescript" / "bin" / "tsc").exists():
        _tool_missing(
            f"node or {TS_CLIENT} is missing: make browser (scripts/ensure_npm_packages.sh) installs it"
        )
    _run(
        node,
        str(TS_CLIENT / "openapi-typescript" / "bin" / "cli.js"),
        str(schema_file),
        "-o",
        str(tmp_path / "api.d.ts"),
    )
    shutil.copy(TS_CONSUMER, tmp_path / "consumer.ts")
    options = {
        "strict": True,
        "noEmit": True,
        "skipLibCheck": True,
        "target": "es2022",
        "lib": ["es2022", "dom"],
        "module": "esnext",
        "moduleResolution": "bundler",
        "baseUrl": ".",
        "paths": {"openapi-fetch": [str(TS_CLIENT / "openapi-fetch")]},
    }
    config = {"compilerOptions": options, "files": ["consumer.ts"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    done = subprocess.run(
        [node, str(TS_CLIENT / "typescript" / "bin" / "tsc"), "-p", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    source = TS_CONSUMER.read_text(encoding="utf-8").splitlines()
    problems = Findings()
    for line in (done.stdout + done.stderr).splitlines():
        found = re.match(r"consumer\.ts\((\d+),\d+\): (.*)", line)
        if found:
            number, error = int(found[1]), found[2]
            problems.add(
                f"tests/ts_client/consumer.ts:{number} `{source[number - 1].strip()}`: {error[:240]}"
            )
        elif line.strip():
            problems.add(f"tsc: {line[:300]}")
    assert done.returncode == 0 and not problems, problems.report("tsc, against openapi-typescript's types")
