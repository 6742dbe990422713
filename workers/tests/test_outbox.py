"""The agent's outbox: a report the server cannot take now waits; only one it refuses as
malformed is dropped."""

from __future__ import annotations

from typing import Any

import pytest

from workers.host.client import ApiError
from workers.host.outbox import deliver


class Server:
    """Answers every post with `status` (201 takes it)."""

    def __init__(self, status: int):
        self.status = status
        self.taken: list[dict[str, Any]] = []

    def post(self, path: str, body: dict[str, Any]) -> None:
        if self.status >= 400:
            raise ApiError(self.status, "no")
        self.taken.append(body)


@pytest.mark.parametrize("status", [401, 403, 404, 413, 429])
def test_a_report_the_server_cannot_take_now_is_kept_and_sent_later(tmp_path, status):
    server = Server(status)
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 1})
    server.status = 201
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 2})
    assert [r["n"] for r in server.taken] == [1, 2]
    assert all(r["age"] >= 0 for r in server.taken)


def test_a_malformed_report_is_dropped(tmp_path):
    server = Server(400)
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 1})
    server.status = 201
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 2})
    assert [r["n"] for r in server.taken] == [2]
