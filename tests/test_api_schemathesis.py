"""Schemathesis sends generated requests to every operation of /api/schema/, reads and writes,
as the secretariat (token), and checks that none is a server error and every answer matches the
schema. Few examples per operation and derandomized, so it is quick and the same on every run."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from bunkyo.wsgi import application

from .factories import seed_plan


def _old_many_protocol() -> None:
    """hypothesis-jsonschema 0.23.1 (schemathesis's generator of objects) still calls
    ``many.more()``, which the locked Hypothesis 6.170 replaced by ``with many(…) as e: for _ in e``.
    The old call, made of the new protocol, until a release of hypothesis-jsonschema follows."""
    from hypothesis.internal.conjecture.utils import many

    if hasattr(many, "more"):
        return

    def more(self) -> bool:
        if self._depth is None:
            self.__enter__()
            self._old_protocol = iter(self)
        if next(self._old_protocol, StopIteration) is StopIteration:
            self.__exit__(None)
            return False
        return True

    many.more = more


_old_many_protocol()


def _schema() -> dict:
    """The document /api/schema/ serves, generated the same way (no request, no database)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


# Generated examples only: the coverage phase's exhaustive edge cases take minutes per write.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)
schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)


@pytest.fixture
def keep_the_test_connection():
    """Requests go straight to the WSGI application, whose request signals close the database
    connection after each one; inside the test's transaction that closes it for good (PostgreSQL).
    Django's own test client unhooks the same handler while it runs a request; so does this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(demo, secretariat, keep_the_test_connection):
    plan = seed_plan()
    plan.published = True
    plan.save()
    return Token.objects.create(user=secretariat).key


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_breaks_the_api_or_its_schema(case, token):
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
