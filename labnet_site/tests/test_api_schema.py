"""The API against its own OpenAPI schema (schemathesis): every operation, with requests the
schema describes and malformed ones, answers without a server error, for an administrator's
token and for a host's."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from labnet_site.wsgi import application
from testing import factories, hosts
from workers.services import do_make_host_token

# Generated examples per operation, on top of those schemathesis derives from each
# parameter's bounds: the whole schema, twice, in under half a minute.
EXAMPLES = 8


@pytest.fixture
def tokens(db) -> dict[str, str]:
    """An administrator's token and the token of odie, a server with a client."""
    hosts.host("server", "odie")
    hosts.host("client", "wren", server="odie")
    admin = factories.user("admin")
    return {"admin": Token.objects.create(user=admin).key, "host": do_make_host_token("odie")}


@pytest.fixture
def app(db, settings, tmp_path):
    """The site's WSGI application on the test's database connection (as Django's test client
    does, the connection stays open between requests: it holds the test's transaction) and a
    master store of its own."""
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield application
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_schema(app, tokens):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", app, headers={"Authorization": f"Token {tokens['admin']}"}
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    # The same requests on every run: a failure in CI is the one a developer sees.
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_the_schema_allows_is_a_server_error(case, tokens):
    for who, token in tokens.items():
        if who == "host" and "host" in (case.path_parameters or {}):
            # The agent endpoints take a host's token only for its own name: past the
            # permission check, the body is what is tried.
            case.path_parameters["host"] = "odie"
        headers = {"Authorization": f"Token {token}"}
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error], headers=headers)
