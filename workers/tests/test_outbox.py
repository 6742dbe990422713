"""The agent's outbox: a report the server cannot take now waits; only one it refuses for
what it holds (malformed, too large) is dropped."""

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


@pytest.mark.parametrize("status", [401, 403, 404, 429])
def test_a_report_the_server_cannot_take_now_is_kept_and_sent_later(tmp_path, status):
    server = Server(status)
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 1})
    server.status = 201
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 2})
    assert [r["n"] for r in server.taken] == [1, 2]
    assert all(r["age"] >= 0 for r in server.taken)


@pytest.mark.parametrize("status", [400, 413, 422])
def test_a_report_the_server_will_never_take_is_dropped_with_a_log_line(tmp_path, caplog, status):
    server = Server(status)
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 1})
    server.status = 201
    deliver(server, tmp_path, "nms/hosts/odie/reports/", {"n": 2})
    assert [r["n"] for r in server.taken] == [2]
    assert "refused" in caplog.text and list(tmp_path.iterdir()) == []
