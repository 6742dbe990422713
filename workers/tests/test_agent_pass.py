"""One agent pass through the REST API in this process: a file that fails is reported and the
others installed; the stored sequence number moves only once a pass has finished."""

from __future__ import annotations

import pytest

from entities.models import Entity
from entities.services import do_set_values
from testing import hosts
from workers.host.agent import Agent
from workers.host.files import HostFiles
from workers.host.settings import AgentSettings
from workers.models import AgentReport, HostRead
from workers.services import do_make_host_token
from workers.tests.test_agent_retry import MOTD, WebServer

CLOCK = "<Template><line><ts>12345678901234567890123</ts></line></Template>"


@pytest.fixture
def agent(db, settings, tmp_path) -> Agent:
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.host("server", "odie", room="EN1018")
    hosts.managed_file("clock", "/etc/clock", {"default": (CLOCK, True)})
    hosts.managed_file("motd", "/etc/motd", {"default": (MOTD, True)}, script="echo reloaded")
    token = do_make_host_token("odie")
    agent = Agent(
        AgentSettings("odie", "http://unused", token, "", tmp_path / "root", tmp_path / "etc")
    )
    agent.client = WebServer(token)
    agent.register()
    return agent


def test_a_file_that_fails_unexpectedly_is_reported_and_the_others_installed(agent, monkeypatch):
    render = HostFiles.render

    def overflowing(self, file, *args):
        if file.name == "clock":
            raise OverflowError("Python int too large to convert to C int")
        return render(self, file, *args)

    monkeypatch.setattr(HostFiles, "render", overflowing)
    report = agent.sync()
    assert (agent.paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert [s["output"] for s in report["scripts"]] == ["reloaded\n"]
    stored = AgentReport.objects.get(host__name="odie")
    assert stored.errors == [
        {
            "file": "clock",
            "instance": "default",
            "message": "unexpected OverflowError; the agent's log has the details",
        }
    ]
    assert agent.mirror.last_seq() == report["seq"] == stored.seq


def test_a_pass_that_stops_is_pulled_again_and_installs_what_it_missed(agent, monkeypatch):
    first = agent.sync()
    assert [e["file"] for e in first["errors"]] == ["clock"]  # its <ts>, every pass
    assert agent.mirror.last_seq() == first["seq"]
    do_set_values(Entity.objects.get(name="odie"), {"room": ["EN2036"]}, user="tests")

    def disk_full(self, only=None):
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(HostFiles, "apply", disk_full)
        with pytest.raises(OSError):
            agent.sync()
    assert agent.mirror.last_seq() == first["seq"]
    assert (agent.paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"

    again = agent.sync()
    assert again["seq"] > first["seq"] and agent.mirror.last_seq() == again["seq"]
    assert (agent.paths.root / "etc/motd").read_text() == "welcome to EN2036.\n"
    assert [c["file"] for c in again["files_changed"]] == ["motd"]
    assert agent.sync() is None


def test_a_change_renders_only_the_files_that_read_its_variable(agent):
    first = agent.sync()
    assert ["server", "odie"] in first["reads"]
    odie = Entity.objects.get(name="odie")
    do_set_values(odie, {"description": ["the file server"]}, user="tests")
    unread = agent.sync()
    assert unread["files_read"] == 0 and unread["errors"] == []
    do_set_values(odie, {"room": ["EN2036"]}, user="tests")
    room = agent.sync()
    assert (agent.paths.root / "etc/motd").read_text() == "welcome to EN2036.\n"
    assert room["files_read"] == 1 and [c["file"] for c in room["files_changed"]] == ["motd"]
    # What the files read did not change: the reports leave them out, the web server keeps them.
    assert "reads" not in unread and "reads" not in room
    assert HostRead.objects.filter(host__name="odie", entity="odie").exists()
    # A variable deciding which instance odie gets is read by every file.
    do_set_values(odie, {"dept": ["cs"]}, user="tests")
    assert agent.sync()["files_read"] == 1  # motd; clock fails before it is installed
    assert "reads" in agent.sanity()
