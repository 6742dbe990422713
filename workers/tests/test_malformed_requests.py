"""Malformed agent requests and the browsable API's pages get a 400 or a page, never a server
error."""

import uuid

import pytest
from rest_framework.test import APIClient

from testing import hosts
from workers.models import AgentHost
from workers.services import do_make_host_token

HUGE = 10**25


@pytest.fixture
def agent(db):
    hosts.host("server", "odie")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('odie')}")
    return client


@pytest.mark.parametrize(
    "field",
    [
        {"seq": HUGE},
        {"files_read": HUGE},
        {"files_written": HUGE},
        {"files_read": -HUGE},
        {"duration": "NaN"},
        {"duration": "Infinity"},
    ],
)
def test_a_report_with_a_number_out_of_range_is_refused(agent, field):
    body = {"id": str(uuid.uuid4()), "kind": "sync", "seq": 3, **field}
    answer = agent.post("/api/v1/agents/odie/reports/", body, format="json")
    assert answer.status_code == 400
    [name] = field
    assert name in answer.json()
    assert not AgentHost.objects.get(name="odie").reports.exists()


def test_the_browsable_api_shows_a_hosts_reports(admin, agent):
    agent.post("/api/v1/agents/odie/reports/", {"id": str(uuid.uuid4()), "kind": "sync", "seq": 3})
    answer = admin.get("/api/v1/agents/odie/reports/", HTTP_ACCEPT="text/html")
    assert answer.status_code == 200
    assert "odie" in answer.content.decode()
