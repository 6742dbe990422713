"""The fan-out: a commit sends one message to the central worker, which finds the hosts the
changes affect and sends each a sync."""

import base64
import json
import logging
import time

import pytest
import redis

from entities import services
from entities.models import Change, Entity
from labnet_site.celery import app
from testing import factories, hosts, live
from workers import fanout, tasks
from workers.models import AgentHost
from workers.services import do_make_host_token, do_record_report

# Committed for real, since the fan-out runs after commit; restored after, for later tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BROKER = "redis://127.0.0.1:6379/13"


@pytest.fixture
def sent(monkeypatch):
    """The hosts each commit reaches, the central task run in place of its message."""
    calls = []

    def send_task(name, args, **_):
        assert name == fanout.FANOUT_TASK
        tasks.fan_out(*args)

    monkeypatch.setattr(app, "send_task", send_task)
    monkeypatch.setattr(fanout, "enqueue_sync", lambda names, seq: calls.append(set(names)))
    return calls


@pytest.fixture
def queues():
    """The Redis database the fan-out publishes to, as a client."""
    with live.broker(BROKER):
        yield redis.Redis.from_url(BROKER)


def messages(client, queue):
    """(task name, args) of the messages waiting in queue, oldest first."""
    found = []
    for raw in reversed(client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    return found


@pytest.fixture
def campus(settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.host("server", "odie", dept="cs", site="mun", functions=["appserver"])
    hosts.host("server", "nermal", dept="math", site="mun")
    hosts.host("client", "wren", server="odie", dept="cs", site="mun")
    hosts.host("client", "jay", server="nermal", dept="math", site="mun")
    room = factories.entity_type("room", building={})
    factories.entity(room, "EN1018", building="engineering")
    for name in ("odie", "nermal", "wren", "jay"):
        do_make_host_token(name)
    return room


def report(host, reads):
    do_record_report(
        AgentHost.objects.get(name=host),
        {
            "id": f"00000000-0000-0000-0000-{abs(hash(host)) % 10**12:012d}",
            "kind": "sync",
            "seq": 1,
            "reads": reads,
        },
    )


def set_value(entity_type, name, **values):
    entity = Entity.objects.get(entity_type__name=entity_type, name=name)
    services.do_set_values(entity, {k: [v] for k, v in values.items()}, user="tests")


def test_own_entity_and_read_entities(campus, sent):
    report("nermal", [["room", "EN1018"]])
    set_value("server", "odie", room="X1")
    assert sent[-1] == {"odie"}
    set_value("room", "EN1018", building="science")
    assert sent[-1] == {"nermal"}


def test_a_client_change_also_reaches_its_appserver(campus, sent):
    set_value("client", "wren", room="X1")
    assert sent[-1] == {"wren", "odie"}


@pytest.mark.parametrize("in_list", [1000, 1])
def test_clients_reached_by_a_read_also_reach_their_appservers(campus, sent, monkeypatch, in_list):
    # in_list 1: more hosts than one IN list takes, so the registered clients are joined.
    monkeypatch.setattr(fanout, "IN_LIST", in_list)
    report("wren", [["room", "EN1018"]])
    report("jay", [["room", "EN1018"]])
    set_value("room", "EN1018", building="science")
    assert sent[-1] == {"wren", "jay", "odie", "nermal"}


def test_type_wide_reads(campus, sent):
    report("jay", [["room", "*"]])
    factories.entity(campus, "EN2000")
    assert sent[-1] == {"jay", "nermal"}


def test_unread_entity_and_hosts_without_agent_get_nothing(campus, sent):
    factories.entity(campus, "EN3000")
    hosts.host("server", "arlene")
    assert sent == []


def test_file_instance_changes_reach_who_can_get_them(campus, sent, settings):
    hosts.managed_file("motd", "/etc/motd", {"cs@dept": ("cs\n", False)})
    assert sent[-1] == {"odie", "wren"}
    hosts.managed_file("motd", "/etc/motd", {"nermal@host_server": ("n\n", False)})
    assert sent[-1] == {"nermal"}
    hosts.managed_file("motd", "/etc/motd", {"odie@appserver_client": ("c\n", False)})
    assert sent[-1] == {"odie", "wren"}
    hosts.managed_file("motd", "/etc/motd", {"default": ("all\n", False)})
    assert sent[-1] == {"odie", "nermal", "wren", "jay"}


def test_group_instance_reaches_the_group(campus, sent):
    set_value("client", "jay")  # nothing
    hosts.managed_file("motd", "/etc/motd", {})  # file_id names a fileMgr entity
    services.do_set_values(
        Entity.objects.get(name="jay"),
        tables={"Config_Files_Table": [{"file_id": "motd", "file_group": "labs"}]},
        user="tests",
    )
    hosts.managed_file("motd", "/etc/motd", {"labs": ("labs\n", False)})
    assert sent[-1] == {"jay", "nermal"}


def test_definition_change_reaches_every_agent(campus, sent):
    factories.variable(campus, "floor")
    assert sent[-1] == {"odie", "nermal", "wren", "jay"}


def test_a_commit_sends_the_central_worker_one_message_for_its_batch(campus, queues):
    entity = Entity.objects.get(name="odie")
    services.do_set_values(entity, {"room": ["X1"], "dept": ["math"]}, user="tests")
    batch = list(Change.objects.filter(entity="odie").order_by("-seq")[:2])
    assert messages(queues, "central") == [
        (fanout.FANOUT_TASK, [batch[-1].seq, batch[0].seq]),
    ]
    assert not queues.exists("host.odie")  # the request published nothing per host


def test_the_central_task_sends_each_affected_host_a_sync(campus, queues):
    set_value("client", "wren", room="X1")
    last = Change.objects.latest("seq").seq
    queues.delete("central")
    assert tasks.fan_out(last, last) == 2
    assert messages(queues, "host.wren") == [(fanout.SYNC_TASK, [last])]
    assert messages(queues, "host.odie") == [(fanout.SYNC_TASK, [last])]
    assert not queues.exists("host.nermal")


def test_a_broker_that_is_down_costs_a_log_line_not_the_commit(campus, caplog):
    with live.use_broker("redis://127.0.0.1:1/0"), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        set_value("server", "odie", room="X9")
        elapsed = time.monotonic() - started
    assert Entity.objects.get(name="odie").values.get(variable__name="room").value == "X9"
    assert "not sent" in caplog.text
    assert elapsed < 1
