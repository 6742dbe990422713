"""The agent end to end with real parts: a live Django server, the broker (Redis database 15,
flushed, or RabbitMQ), the central worker finding the hosts a commit affects, and each host's
agent as a real process consuming its queue, installing into a temporary LABNET_ROOT."""

from __future__ import annotations

import os
import re
import signal
from functools import partial
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test.testcases import QuietWSGIRequestHandler
from pytest_django.live_server_helper import LiveServer

from entities import services
from entities.models import Entity, Value
from nms.models import Host as NmsHost
from testing import hosts, live
from testing.agents import AgentProcess, read
from testing.live import RABBITMQ, free_port, rabbitmq_answers, wait_for
from workers.models import AgentReport
from workers.services import do_make_host_token

REDIS = "redis://127.0.0.1:6379/15"
NO_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there
MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"
ODIE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOdieOdieOdie root@odie"
BROKEN = "<Template>\n<varVal><entity>nobody</entity>room</varVal>\n</Template>"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def reusable_server(thread, connections_override=None):
    return thread.server_class(
        (thread.host, thread.port),
        QuietWSGIRequestHandler,
        allow_reuse_address=True,
        connections_override=connections_override,
    )


class WebServer:
    """A live server on a fixed loopback port that can be stopped and started again."""

    def __init__(self):
        self.port = free_port()
        self.server: LiveServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = LiveServer(f"127.0.0.1:{self.port}", start=False)
        # The agent's closed connections leave the port in TIME_WAIT: allow rebinding it.
        self.server.thread._create_server = partial(reusable_server, self.server.thread)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()
        self.server = None


@pytest.fixture(params=[REDIS, RABBITMQ], ids=["redis", "rabbitmq"])
def broker(request) -> str:
    """The broker every process of the test uses: each test runs on Redis and on RabbitMQ."""
    if request.param == RABBITMQ and not rabbitmq_answers():
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    with live.broker(request.param):
        yield request.param


@pytest.fixture
def central(broker, tmp_path) -> Path:
    """The central worker's log."""
    log = tmp_path / "central.log"
    with live.central_worker(broker, log):
        yield log


@pytest.fixture
def campus(settings, tmp_path, broker, central):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.host("server", "odie", room="EN1018", dept="cs", site="mun")
    hosts.host("server", "nermal", room="EN2000", dept="math", site="mun")
    hosts.managed_file("motd", "/etc/motd", {"default_server": (MOTD, True)})
    hosts.managed_file(
        "issue",
        "/etc/issue",
        {"odie@host_server": ("odie's own\n", False), "default": ("everyone\n", False)},
    )
    web = WebServer()
    web.start()
    agents: list[AgentProcess] = []

    def start(host: str, poll: float = 30.0, agent_broker: str = broker) -> AgentProcess:
        token = do_make_host_token(host)
        agent = AgentProcess(host, web.url, token, tmp_path, poll, agent_broker)
        agents.append(agent)
        return agent

    yield web, start
    for agent in agents:
        agent.stop()
    if web.server is not None:
        web.stop()


def set_room(host: str, room: str) -> None:
    entity = Entity.objects.get(entity_type__name="server", name=host)
    services.do_set_values(entity, {"room": [room]}, user="tests")


def reported(host: str, **lookups) -> AgentReport | None:
    return AgentReport.objects.filter(host__name=host, **lookups).first()


def test_changes_reach_the_files_of_the_affected_host_only(campus, central):
    web, start = campus
    odie, nermal = start("odie"), start("nermal")
    motd_odie, motd_nermal = odie.file("/etc/motd"), nermal.file("/etc/motd")
    wait_for(lambda: read(motd_odie) and read(motd_nermal), what="first install")
    assert read(motd_odie) == "welcome to EN1018.\n"
    assert read(motd_nermal) == "welcome to EN2000.\n"
    # Two hosts, two instances of one file.
    assert read(odie.file("/etc/issue")) == "odie's own\n"
    assert read(nermal.file("/etc/issue")) == "everyone\n"
    assert (odie.etc / "server" / "nermal").is_file()  # the mirror holds the whole database
    nermal_inode = motd_nermal.stat().st_ino

    # A value change is pushed (the poll is 30 s) by the central worker: the file follows
    # within seconds, well before a poll would bring it.
    set_room("odie", "EN1020")
    wait_for(lambda: read(motd_odie) == "welcome to EN1020.\n", 10, "the pushed change")
    # The central worker's fan-out sent one host a sync: odie. The worker logs its success
    # after the task returns, which may be after odie has installed the file.
    wait_for(
        lambda: re.search(
            r"workers\.fanout\[[-0-9a-f]+\] succeeded in \S+: 1$", central.read_text(), re.M
        ),
        10,
        "the fan-out's success in the central worker's log",
    )
    assert motd_nermal.stat().st_ino == nermal_inode

    # A hand edit is kept as .lnsyncsave when the next change comes.
    motd_odie.write_text("edited by hand\n")
    set_room("odie", "EN1021")
    wait_for(lambda: read(motd_odie) == "welcome to EN1021.\n", 10, "the second change")
    assert read(odie.file("/etc/motd.lnsyncsave")) == "edited by hand\n"

    # A template that does not compile cannot be committed; one that fails to render
    # leaves the installed file, and the agent reports why.
    with pytest.raises(ValidationError, match="does not compile"):
        hosts.managed_file("motd", "/etc/motd", {"default_server": ("<Template><no/>", True)})
    hosts.managed_file("motd", "/etc/motd", {"default_server": (BROKEN, True)})

    report = wait_for(lambda: reported("odie", errors__icontains="nobody"), 10, "the error")
    assert "motd" in str(report.errors)
    assert read(motd_odie) == "welcome to EN1021.\n"


def ssh_key(host: str) -> list[str]:
    values = Value.objects.filter(entity__name=host, variable__name="ssh_key")
    return list(values.values_list("value", flat=True))


def test_agent_keeps_working_while_the_web_server_is_away_then_catches_up(campus, tmp_path):
    web, start = campus
    # The host's public key, published by the agent at start as its ssh_key.
    key_file = tmp_path / "odie" / "root" / "etc" / "ssh" / "ssh_host_ed25519_key.pub"
    key_file.parent.mkdir(parents=True)
    key_file.write_text(f"{ODIE_KEY}\n")
    odie = start("odie", poll=1.0)
    motd = odie.file("/etc/motd")
    wait_for(lambda: read(motd) == "welcome to EN1018.\n", what="first install")
    wait_for(lambda: ssh_key("odie") == [ODIE_KEY], 10, "odie's ssh key in the database")
    assert ssh_key("nermal") == []

    failed = odie.syncs_failed()
    web.stop()
    set_room("odie", "EN3000")  # committed while the agent cannot read it
    wait_for(lambda: odie.syncs_failed() >= failed + 2, 10, "the push and a poll failing")
    assert odie.process.poll() is None
    assert read(motd) == "welcome to EN1018.\n"
    # The sanity pass re-renders from the mirror alone: a removed file comes back.
    motd.unlink()
    pid = int((odie.etc / ".agent" / "agent.pid").read_text())
    os.kill(pid, signal.SIGUSR2)
    wait_for(lambda: read(motd) == "welcome to EN1018.\n", 10, "the offline sanity pass")

    web.start()
    wait_for(lambda: read(motd) == "welcome to EN3000.\n", 10, "catching up")
    wait_for(
        lambda: reported("odie", kind="sanity", errors__icontains="not re-checked"),
        10,
        "the offline sanity report delivered later",
    )


def test_agent_started_while_the_broker_is_down_installs_and_reports(campus):
    web, start = campus
    odie = start("odie", poll=1.0, agent_broker=NO_BROKER)
    motd = odie.file("/etc/motd")
    wait_for(lambda: read(motd) == "welcome to EN1018.\n", 20, "the install without a broker")
    wait_for(lambda: reported("odie", kind="sanity"), 10, "the start's sanity report")
    wait_for(lambda: monitored("odie"), 20, "the monitoring report without a broker")
    set_room("odie", "EN1030")
    wait_for(lambda: read(motd) == "welcome to EN1030.\n", 10, "the poll without a broker")


def monitored(host: str) -> bool:
    return NmsHost.objects.filter(name=host).exists()
