"""An authdns server's zones served by a real NSD on a loopback port: dig gets the
configuration's answers, and after a change in the configuration the agent's next pass
installs a zone with a higher serial that NSD serves once told to reload."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from entities.models import Entity
from entities.services import do_set_values
from testing.live import free_port, wait_for
from workers.host.agent import Agent
from workers.host.dns import serial_of
from workers.host.functions.authdns import ZONE_DIR
from workers.host.settings import AgentSettings
from workers.services import do_make_host_token

from .campus import server
from .test_agent_certificates import JsonWebServer

NSD, DIG = shutil.which("nsd") or "/usr/sbin/nsd", shutil.which("dig")
pytestmark = pytest.mark.skipif(
    not (Path(NSD).exists() and DIG), reason="nsd and dig (dnsutils) are not installed"
)


@pytest.fixture
def agent(db, settings, tmp_path) -> Agent:
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    server("odie", "192.0.2.12", functions=["authdns"], cname=["www"])
    server("keeper", "198.51.100.7", domain="math.example.edu")
    token = do_make_host_token("odie")
    agent = Agent(
        AgentSettings("odie", "http://unused", token, "", tmp_path / "root", tmp_path / "etc")
    )
    agent.client = JsonWebServer(token)
    return agent


@pytest.fixture
def nsd(agent, tmp_path):
    agent.sanity()
    port = free_port()
    zones = agent.paths.root / ZONE_DIR.lstrip("/")
    conf = tmp_path / "nsd.conf"
    conf.write_text(
        f'server:\n\tip-address: 127.0.0.1@{port}\n\tport: {port}\n\tusername: ""\n'
        f'\tchroot: ""\n\tdatabase: ""\n\tzonesdir: {zones}\n\tpidfile: {tmp_path}/nsd.pid\n'
        f"\txfrdfile: {tmp_path}/xfrd.state\n\tzonelistfile: {tmp_path}/zone.list\n"
        f"\tlogfile: {tmp_path}/nsd.log\n\tverbosity: 1\n"
        f"remote-control:\n\tcontrol-enable: no\n"
        f"include: {zones}/zones.conf\n"
    )
    process = subprocess.Popen([NSD, "-d", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: dig(port, "cs.example.edu", "SOA"), timeout=20, what="nsd answering")
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def dig(port: int, name: str, kind: str = "A") -> str:
    done = subprocess.run(
        [DIG, "@127.0.0.1", "-p", str(port), name, kind, "+short", "+time=1", "+tries=1"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def test_dig_gets_the_configurations_answers_and_its_changes(agent, nsd):
    port, process = nsd
    assert dig(port, "odie.cs.example.edu") == "192.0.2.12"
    assert dig(port, "www.cs.example.edu") == "odie.cs.example.edu.\n192.0.2.12"
    assert dig(port, "12.2.0.192.in-addr.arpa", "PTR") == "odie.cs.example.edu."
    assert dig(port, "keeper.math.example.edu") == "198.51.100.7"
    zone = agent.paths.root / ZONE_DIR.lstrip("/") / "math.example.edu.zone"
    serial = serial_of(zone.read_text())

    keeper = Entity.objects.get(entity_type__name="server", name="keeper")
    do_set_values(keeper, {"ip": ["198.51.100.8"], "cname": ["files"]}, user="tests")
    report = agent.sync()
    assert f"{ZONE_DIR}/math.example.edu.zone" in [c["path"] for c in report["files_changed"]]
    assert serial_of(zone.read_text()) > serial
    process.send_signal(signal.SIGHUP)  # NSD reads changed zone files again
    wait_for(lambda: dig(port, "keeper.math.example.edu") == "198.51.100.8", timeout=20)
    assert dig(port, "files.math.example.edu") == "keeper.math.example.edu.\n198.51.100.8"
    assert dig(port, "8.100.51.198.in-addr.arpa", "PTR") == "keeper.math.example.edu."
