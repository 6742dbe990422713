"""The agent's collections: the first waits for the mirror; a report the web server cannot
take waits in the agent's outbox, a day's worth at most, and arrives oldest first with its
age once the server answers."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from nms.host import agent as nms_agent
from nms.host.agent import Collection, scheduled
from nms.models import Host, Sample
from testing import nms as factories
from workers.host.client import ApiError, ApiUnavailable
from workers.host.mirror import LocalMirror
from workers.host.registry import Job
from workers.host.worker import Periodic
from workers.services import do_make_host_token


class Recorder:
    """An API client that only notes where the agent posted."""

    def __init__(self):
        self.posted: list[str] = []

    def post(self, path: str, body: Any) -> None:
        self.posted.append(path)


class WebServer:
    """The web server as the agent's API client meets it, in this process; `up` says whether
    it answers."""

    def __init__(self, token: str):
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        self.up = True
        self.posted: list[str] = []

    def post(self, path: str, body: Any) -> Any:
        if not self.up:
            raise ApiUnavailable("connection refused")
        self.posted.append(path)
        answer = self.api.post(f"/api/v1/{path}", body, format="json")
        if answer.status_code >= 400:
            raise ApiError(answer.status_code, answer.content.decode())
        return answer.json()


def collection(tmp_path: Path, server: WebServer | Recorder) -> Collection:
    etc = tmp_path / "etc"
    return Collection(
        "guernsey", LocalMirror(etc, etc / ".agent" / "last_seq"), etc / ".agent", server
    )


@pytest.fixture
def server(db) -> WebServer:
    factories.demo_levels()
    return WebServer(do_make_host_token("guernsey"))


def queued(c: Collection) -> int:
    return len(list(c.outbox.glob("*.json")))


def test_no_collection_before_the_mirror_is_there(tmp_path, server):
    c = collection(tmp_path, server)
    assert c.run() is None
    assert (server.posted, Host.objects.exists()) == ([], False)
    c.mirror.set_last_seq(1)
    assert "loadaverage" in c.run()["reports"]
    assert Host.objects.get().name == "guernsey"


def test_the_schedule_collects_as_soon_as_the_mirror_is_there(tmp_path, monkeypatch):
    monkeypatch.setattr(nms_agent, "MIRROR_WAIT", 0.05)
    server = Recorder()
    c = collection(tmp_path, server)
    schedule = Periodic(Job("nms-collection", lambda: scheduled(c)))
    schedule.start()
    try:
        time.sleep(0.3)
        assert server.posted == []
        c.mirror.set_last_seq(1)
        deadline = time.monotonic() + 10
        while not server.posted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.posted == ["nms/hosts/guernsey/reports/"]
    finally:
        schedule.stop()
        schedule.join(5)


def test_reports_kept_while_the_server_is_away_arrive_oldest_first(tmp_path, server):
    c = collection(tmp_path, server)
    c.mirror.set_last_seq(1)
    server.up = False
    kept = [c.run()["time"] for _ in range(3)]
    assert (queued(c), Host.objects.exists()) == (3, False)
    server.up = True
    last = c.run()["time"]
    assert queued(c) == 0
    # Dated by the server's clock less the age the agent measured: where they were taken.
    assert near(first_sample(), kept[0])
    assert near(Host.objects.get().collected, last)


def test_the_outbox_keeps_a_days_worth_of_the_newest_reports(tmp_path, server, monkeypatch):
    monkeypatch.setattr(nms_agent, "KEPT_SECONDS", 600.0)  # two reports of 300 s
    c = collection(tmp_path, server)
    c.mirror.set_last_seq(1)
    server.up = False
    kept = [c.run()["time"] for _ in range(3)]
    assert queued(c) == 2
    server.up = True
    c.run()  # the queue holds at most two: this report and the newest kept
    assert near(first_sample(), kept[2])


def first_sample() -> datetime:
    return Sample.objects.filter(category="loadaverage").earliest("time").time


def near(time: datetime, iso: str) -> bool:
    return abs(time - parse_datetime(iso)) < timedelta(seconds=1)
