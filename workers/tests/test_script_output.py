"""A script's output is stored with its report, and shown only to administrators: it may quote
any secret the script read."""

import uuid

import pytest

from entities.reading import SECRET_MASK
from testing import hosts
from workers.models import AgentHost
from workers.services import do_make_host_token, do_record_report

OUTPUT = "iscsi password rookiscsipas set\n"


@pytest.fixture
def reported(db):
    hosts.host("server", "odie")
    do_make_host_token("odie")
    run = {"file": "iscsi", "command": "/etc/init.d/iscsi reload", "exit_status": 0}
    report = {
        "id": str(uuid.uuid4()),
        "kind": "sync",
        "seq": 3,
        "scripts": [{**run, "output": OUTPUT}],
    }
    return do_record_report(AgentHost.objects.get(name="odie"), report)


def test_the_output_is_stored(reported):
    assert reported.scripts[0]["output"] == OUTPUT


def test_the_agent_page_shows_the_output_to_administrators_only(reported, viewer, editor, admin):
    for client in (viewer, editor):
        page = client.get("/agents/odie/").content.decode()
        assert "/etc/init.d/iscsi reload" in page and "shown to administrators" in page
        assert "rookiscsipas" not in page
    assert "rookiscsipas" in admin.get("/agents/odie/").content.decode()


def test_the_api_shows_the_output_to_administrators_only(reported, viewer, editor, admin):
    for client in (viewer, editor):
        [run] = client.get("/api/v1/agents/odie/reports/").json()["results"][0]["scripts"]
        assert run["command"] == "/etc/init.d/iscsi reload" and run["output"] == SECRET_MASK
    [run] = admin.get("/api/v1/agents/odie/reports/").json()["results"][0]["scripts"]
    assert run["output"] == OUTPUT
