"""Labnet on several nodes, for real (docs/deployment.md): a MariaDB primary and its replica,
two gunicorn web processes behind nginx, two central workers on Redis, and two real agents
reaching the web processes only through nginx. One web process and one central worker are
killed while changes stream in: the agents keep syncing, and no change is lost or applied
twice, by the change log or on the agents' disks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from testing import live, nodes
from testing.agents import AgentProcess, read
from testing.live import wait_for

BROKER = "redis://127.0.0.1:6379/10"
MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"
# The motd's script: each install of the file appends it to installs.log in the agent's root.
RECORD_INSTALL = 'cat "$LABNET_FILE" >> installs.log'
STEPS = 12  # changes per host; the kills come after the fourth
POLL = 5.0  # the agents' safety net; pushes bring the changes sooner

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not nodes.available(), reason="needs mariadbd and nginx"),
]

# Run in the layout's environment: the campus of test_agent_e2e, an editor's API token and
# the two hosts' agent tokens, printed as JSON.
SEED = f"""
import json
import django

django.setup()
from rest_framework.authtoken.models import Token
from testing import factories, hosts
from workers.services import do_make_host_token

hosts.host("server", "odie", room="A0", dept="cs", site="mun")
hosts.host("server", "nermal", room="B0", dept="math", site="mun")
hosts.managed_file(
    "motd", "/etc/motd", {{"default_server": ({MOTD!r}, True)}}, script={RECORD_INSTALL!r}
)
tokens = {{host: do_make_host_token(host) for host in ("odie", "nermal")}}
tokens["editor"] = Token.objects.create(user=factories.user("editor")).key
print(json.dumps(tokens))
"""


class Api:
    """A token's client of the REST API through the proxy, keeping cookies like a browser."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, method: str, path: str, body: object = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/v1/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=15) as response:
            return json.loads(response.read())

    def room(self, host: str) -> str:
        return self.call("GET", f"entities/server/{host}/")["values"]["room"][0]

    def set_room(self, host: str, room: str) -> int:
        """Set the room, again after a failure: the same value twice is one change. The
        number of failed attempts."""
        for failed in range(40):
            try:
                self.call("PATCH", f"entities/server/{host}/", {"values": {"room": [room]}})
                return failed
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise AssertionError(f"{host}'s room {room}: {exc.read()[:500]}") from None
            except OSError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"{host}'s room {room} never went through the proxy")

    def room_changes(self, host: str) -> list[str]:
        feed = self.call("GET", "changes/?since=0&limit=10000")
        assert not feed["more"]
        return [
            c["new_value"]
            for c in feed["changes"]
            if (c["entity"], c["variable"], c["action"]) == (host, "room", "set")
        ]


def installs(agent: AgentProcess) -> list[str]:
    """The rooms of the motd each install wrote, in order."""
    text = read(agent.root / "installs.log") or ""
    return [line.removeprefix("welcome to ").removesuffix(".") for line in text.splitlines()]


def applied_once_in_order(agent: AgentProcess, rooms: list[str]) -> None:
    """The agent installed the motd for a subsequence of rooms, ending with the last: none
    twice, none out of order."""
    seen = installs(agent)
    assert seen[-1] == rooms[-1], seen
    positions = [rooms.index(room) for room in seen]
    assert positions == sorted(set(positions)), seen


def test_agents_keep_syncing_while_a_web_process_and_a_central_worker_die(tmp_path: Path):
    log_dir = tmp_path / "log"
    with (
        live.broker(BROKER),
        nodes.mariadb_pair(tmp_path / "db") as (primary, replica),
    ):
        env = nodes.labnet_env(primary, replica, BROKER, tmp_path / "var")
        nodes.manage(env, "migrate", "--no-input", "-v0")
        seeded = subprocess.run(
            [sys.executable, "-c", SEED],
            cwd=nodes.ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            text=True,
        )
        tokens = json.loads(seeded.stdout.splitlines()[-1])
        started: list[nodes.Node] = []
        agents: list[AgentProcess] = []
        try:
            webs = [nodes.start_web(f"web{n}", env, log_dir) for n in (1, 2)]
            started += webs
            centrals = [nodes.start_central(f"central{n}", env, log_dir) for n in (1, 2)]
            started += centrals
            with nodes.proxy(tmp_path / "proxy", [w.port for w in webs], tmp_path / "static") as p:
                url = f"http://127.0.0.1:{p.port}"
                odie, nermal = (
                    AgentProcess(host, url, tokens[host], tmp_path, POLL, BROKER)
                    for host in ("odie", "nermal")
                )
                agents += [odie, nermal]
                api = Api(url, tokens["editor"])
                rooms = {"odie": ["A0"], "nermal": ["B0"]}
                for agent, host in ((odie, "odie"), (nermal, "nermal")):
                    first = f"welcome to {rooms[host][0]}.\n"
                    motd = agent.file("/etc/motd")
                    wait_for(lambda m=motd, f=first: read(m) == f, 30, f"{host}'s first install")

                # A paused replica: pages and API reads lag, the change feed does not, and
                # neither do the agents nor the client that just wrote.
                replica.query("STOP SLAVE SQL_THREAD")
                writer = Api(url, tokens["editor"])
                writer.set_room("odie", "A100")
                rooms["odie"].append("A100")
                assert writer.room("odie") == "A100"  # pinned to the primary a while
                assert api.room("odie") == "A0"
                assert api.room_changes("odie") == rooms["odie"]
                wait_for(lambda: read(odie.file("/etc/motd")) == "welcome to A100.\n", 15)
                replica.query("START SLAVE SQL_THREAD")
                wait_for(lambda: api.room("odie") == "A100", 15, "the replica catching up")

                failed = 0
                for step in range(1, STEPS + 1):
                    if step == 5:
                        webs[0].kill()
                        centrals[0].kill()
                        after_kill = centrals[1].log.stat().st_size
                    for host, prefix in (("odie", "A"), ("nermal", "B")):
                        rooms[host].append(f"{prefix}{step}")
                        failed += api.set_room(host, rooms[host][-1])
                    time.sleep(0.3)

                for agent, host in ((odie, "odie"), (nermal, "nermal")):
                    last = f"welcome to {rooms[host][-1]}.\n"
                    motd = agent.file("/etc/motd")
                    wait_for(lambda m=motd, t=last: read(m) == t, 30, f"{host}'s last change")
                    applied_once_in_order(agent, rooms[host])
                    # Every change once in the change log, in order.
                    assert api.room_changes(host) == rooms[host]
                assert all(w.running() for w in (webs[1], centrals[1], p))
                # The surviving central worker pushed the changes made after the kill.
                pushed = centrals[1].log.read_bytes()[after_kill:].decode()
                assert "workers.fanout[" in pushed
                changed = primary.query("SELECT COUNT(*) FROM labnet.entities_change")
                wait_for(
                    lambda: replica.query("SELECT COUNT(*) FROM labnet.entities_change") == changed,
                    10,
                    "the replica holding every change",
                )
                print(f"{failed} requests failed and were sent again")
        finally:
            for agent in agents:
                agent.stop()
            for node in reversed(started):
                node.stop()
