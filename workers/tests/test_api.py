"""Host tokens: read the configuration, write only their own reports and agent variables."""

import json
import uuid

import pytest
from rest_framework.test import APIClient

from entities.models import Change, Entity
from entities.reading import SECRET_MASK
from entities.services import do_set_values
from testing import factories, hosts
from workers.models import AgentHost, HostRead
from workers.services import do_make_host_token


@pytest.fixture
def agent(db):
    hosts.host("server", "odie", room="EN1018")
    hosts.host("server", "nermal")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('odie')}")
    return client


def streamed(answer) -> dict:
    assert answer.status_code == 200
    return json.loads(b"".join(answer.streaming_content))


def report(**fields):
    return {"id": str(uuid.uuid4()), "kind": "sync", "seq": 3, **fields}


def test_host_token_reads_configuration_and_the_mirror(agent):
    assert agent.get("/api/v1/entities/server/nermal/").status_code == 200
    data = streamed(agent.get("/api/v1/mirror/", {"entity": "server/odie"}))
    [odie] = data["entities"]
    assert odie["variables"]["room"][0][:2] == [1, "EN1018"]
    assert data["latest"] > 0


def test_host_token_cannot_change_configuration(agent):
    answer = agent.patch(
        "/api/v1/entities/server/odie/", {"values": {"room": ["X"]}}, format="json"
    )
    assert answer.status_code == 403


def test_reports_only_for_its_own_host(agent):
    assert agent.post("/api/v1/agents/odie/register/").status_code == 200
    assert agent.post("/api/v1/agents/odie/reports/", report(), format="json").status_code == 201
    denied = agent.post("/api/v1/agents/nermal/reports/", report(), format="json")
    assert denied.status_code == 403
    assert agent.get("/api/v1/agents/odie/reports/").status_code == 403


def test_report_records_seq_reads_and_is_kept_once(agent):
    body = report(reads=[["room", "EN1018"], ["printer", "*"]], errors=[{"message": "x"}])
    agent.post("/api/v1/agents/odie/reports/", body, format="json")
    agent.post("/api/v1/agents/odie/reports/", body, format="json")
    odie = AgentHost.objects.get(name="odie")
    assert odie.last_seq == 3 and odie.reports.count() == 1
    assert set(HostRead.objects.values_list("entity_type", "entity")) == {
        ("room", "EN1018"),
        ("printer", ""),
    }


def test_a_report_without_reads_keeps_them_and_new_reads_replace_only_what_differs(agent):
    post = lambda body: agent.post("/api/v1/agents/odie/reports/", body, format="json")  # noqa: E731
    post(report(reads=[["room", "EN1018"], ["server", "nermal"]]))
    kept = HostRead.objects.get(entity="nermal").pk
    assert post(report(seq=4)).status_code == 201
    assert set(HostRead.objects.values_list("entity_type", "entity")) == {
        ("room", "EN1018"),
        ("server", "nermal"),
    }
    post(report(seq=5, reads=[["server", "nermal"], ["printer", "*"]]))
    assert set(HostRead.objects.values_list("entity_type", "entity")) == {
        ("server", "nermal"),
        ("printer", ""),
    }
    assert HostRead.objects.get(entity="nermal").pk == kept
    post(report(seq=6, reads=[]))
    assert not HostRead.objects.exists()


def test_a_report_id_is_the_host_own(agent):
    body = report(errors=[{"message": "odie's secret error"}])
    agent.post("/api/v1/agents/odie/reports/", body, format="json")
    nermal = APIClient()
    nermal.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('nermal')}")
    answer = nermal.post("/api/v1/agents/nermal/reports/", {**body, "errors": []}, format="json")
    assert answer.status_code == 201
    assert answer.json()["host"] == "nermal" and answer.json()["errors"] == []
    assert AgentHost.objects.get(name="nermal").reports.count() == 1


@pytest.fixture
def served(agent):
    """odie serves hawk (its `server`) and lark (its `appserver`), not owl; each server has a
    secret of its own."""
    server, client = hosts.host_type("server"), hosts.host_type("client")
    factories.variable(server, "bmc_password", secret=True)
    factories.variable(client, "iscsi_password", secret=True)
    for variable in ("server", "appserver"):
        factories.variable(client, variable, reference_type=server)
    hosts.host("server", "megatron")
    for server in ("odie", "nermal"):
        do_set_values(Entity.objects.get(name=server), {"bmc_password": [f"{server}BMC"]})
    hosts.host("client", "hawk", server="odie", iscsi_password="hawkPassword")
    hosts.host("client", "lark", server="megatron", appserver="odie", iscsi_password="larkPassword")
    hosts.host("client", "owl", server="megatron", iscsi_password="owlsPassword")
    return agent


SERVED_SECRETS = {
    ("server", "odie", "bmc_password"): "odieBMC",
    ("server", "nermal", "bmc_password"): SECRET_MASK,
    ("client", "hawk", "iscsi_password"): "hawkPassword",
    ("client", "lark", "iscsi_password"): "larkPassword",
    ("client", "owl", "iscsi_password"): SECRET_MASK,
}


def test_a_host_mirror_holds_the_secrets_of_the_host_and_its_clients_only(served):
    data = streamed(served.get("/api/v1/mirror/"))
    secrets = {
        (e["type"], e["name"], variable): values[0][1]
        for e in data["entities"]
        for variable, values in e["variables"].items()
        if variable in ("bmc_password", "iscsi_password")
    }
    assert secrets == SERVED_SECRETS
    owl = served.get("/api/v1/entities/client/owl/").json()
    assert owl["values"]["iscsi_password"] == [SECRET_MASK]


def test_a_host_change_feed_holds_the_secrets_of_the_host_and_its_clients_only(served):
    since = Change.objects.order_by("-seq").first().seq
    for _, name, variable in SERVED_SECRETS:
        do_set_values(Entity.objects.get(name=name), {variable: ["ChangedSecrt"]})
    feed = served.get("/api/v1/changes/", {"since": since}).json()["changes"]
    shown = {(c["entity_type"], c["entity"], c["variable"]): c["old_value"] for c in feed}
    assert shown == SERVED_SECRETS
    assert {c["new_value"] for c in feed} == {"ChangedSecrt", SECRET_MASK}
    assert {c["entity"] for c in feed if c["new_value"] == SECRET_MASK} == {"nermal", "owl"}


def test_an_oversized_report_is_refused_and_nothing_is_stored(agent):
    body = report(errors=[{"message": "x" * 1000}] * 2200)
    answer = agent.post("/api/v1/agents/odie/reports/", body, format="json")
    assert answer.status_code == 400
    assert "is longer than 2,097,152" in answer.json()["report"][0]
    assert not AgentHost.objects.get(name="odie").reports.exists()


def test_agent_sets_its_own_ssh_key_and_nothing_else(agent):
    key = {"values": {"ssh_key": ["ssh-ed25519 AAAA root@odie"]}}
    assert agent.post("/api/v1/agents/odie/variables/", key, format="json").status_code == 200
    other = {"values": {"room": ["X"]}}
    assert agent.post("/api/v1/agents/odie/variables/", other, format="json").status_code == 400
    assert agent.post("/api/v1/agents/nermal/variables/", key, format="json").status_code == 403


def test_people_read_reports(agent, viewer):
    agent.post("/api/v1/agents/odie/reports/", report(), format="json")
    assert viewer.get("/api/v1/agents/odie/reports/").json()["count"] == 1
    page = viewer.get("/agents/odie/").content.decode()
    assert "Change feed #3" in page


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ({"limit": "0"}, "limit", "0 is not from 1 to 2000"),
        ({"limit": "2001"}, "limit", "2001 is not from 1 to 2000"),
        ({"limit": "ten"}, "limit", "'ten' is not a whole number from 1 to 2000"),
        ({"after": "-1"}, "after", "'-1' is not a whole number from 0"),
        ({"after": "odie"}, "after", "'odie' is not a whole number from 0"),
        ({"entity": "server/odie", "after": "3"}, "after", "pages only the whole mirror"),
    ],
)
def test_a_mirror_page_out_of_bounds_or_a_bad_cursor_is_refused(agent, query, parameter, message):
    answer = agent.get("/api/v1/mirror/", query)
    assert answer.status_code == 400
    assert answer.json()[parameter][0].startswith(message)


def test_the_mirror_comes_in_pages_after_the_cursor(agent):
    first = streamed(agent.get("/api/v1/mirror/", {"limit": "1"}))
    second = streamed(agent.get("/api/v1/mirror/", {"limit": "1", "after": first["next"]}))
    last = streamed(agent.get("/api/v1/mirror/", {"after": second["next"]}))
    names = [e["name"] for page in (first, second, last) for e in page["entities"]]
    assert names == ["odie", "nermal"]
    assert last["next"] is None and last["entities"] == []
