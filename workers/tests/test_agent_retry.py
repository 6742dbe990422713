"""A file whose content the web server did not send is fetched again on the agent's next poll,
not a day later at the sanity pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from testing import hosts
from workers.host.agent import Agent
from workers.host.client import ApiError, ApiUnavailable
from workers.host.settings import AgentSettings
from workers.services import do_make_host_token

MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"


class WebServer:
    """The REST API as the agent's client meets it, in this process; `files_up` says whether
    file contents are served."""

    def __init__(self, token: str):
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        self.files_up = True

    def _answer(self, answer) -> bytes:
        if answer.status_code >= 500:
            raise ApiUnavailable(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise ApiError(answer.status_code, answer.content.decode())
        return b"".join(answer.streaming_content) if answer.streaming else answer.content

    def get(self, path: str, params: Any = None, timeout: float | None = None) -> Any:
        return json.loads(self._answer(self.api.get(f"/api/v1/{path}", params)))

    def get_bytes(self, path: str, params: Any = None, timeout: float | None = None) -> bytes:
        if not self.files_up and path.startswith("files/"):
            raise ApiUnavailable("connection reset")
        return self._answer(self.api.get(f"/api/v1/{path}", params))

    def post(self, path: str, body: Any) -> Any:
        return self._answer(self.api.post(f"/api/v1/{path}", body, format="json"))


@pytest.fixture
def agent(db, settings, tmp_path) -> Agent:
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    hosts.host("server", "odie", room="EN1018")
    hosts.managed_file("motd", "/etc/motd", {"default": (MOTD, True)})
    token = do_make_host_token("odie")
    agent = Agent(
        AgentSettings("odie", "http://unused", token, "", tmp_path / "root", tmp_path / "etc")
    )
    agent.client = WebServer(token)
    agent.register()
    return agent


def test_file_not_fetched_is_installed_on_the_next_poll(agent):
    agent.client.files_up = False
    first = agent.sync()
    assert [e["file"] for e in first["errors"]] == ["motd"]
    assert not (agent.paths.root / "etc/motd").exists()

    agent.client.files_up = True
    again = agent.sync()
    assert again is not None and again["errors"] == []
    assert (agent.paths.root / "etc/motd").read_text() == "welcome to EN1018.\n"
    assert agent.sync() is None
