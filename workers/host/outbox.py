"""Reports waiting for the web server: one file each in an outbox folder of the agent's state,
delivered oldest first as soon as the server answers, so nothing is lost while it is away."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from core.files import write_atomic

from .client import ApiClient, ApiError, ApiUnavailable

log = logging.getLogger("labnet.agent")
# The server refuses the report itself: malformed (400), over its size cap (413) or
# unprocessable (422). Sent again it would get the same answer, ahead of every later report.
NEVER_TAKEN = frozenset({400, 413, 422})


def deliver(
    client: ApiClient, outbox: Path, endpoint: str, report: dict[str, Any], keep: int | None = None
) -> None:
    """Queue report, then post the queue to endpoint oldest first, stopping at the first the
    server cannot take; keep bounds the queue to its newest reports. A report the server
    refuses for what it holds (NEVER_TAKEN: malformed, too large) is logged and dropped:
    sending it again would not change the answer; any other refusal (a token not yet valid,
    a host not yet known, a rate limit) keeps it. Each goes with its age, the seconds it
    waited: the server dates it by its own clock."""
    outbox.mkdir(parents=True, exist_ok=True)
    write_atomic(outbox / f"{time.time_ns():020d}-{uuid.uuid4()}.json", json.dumps(report).encode())
    queued = sorted(outbox.glob("*.json"))
    if keep is not None and len(queued) > keep:
        for path in queued[:-keep]:
            path.unlink()
        queued = queued[-keep:]
    for path in queued:
        try:
            client.post(endpoint, {**json.loads(path.read_text()), "age": _age(path)})
        except ApiUnavailable:
            return
        except ApiError as exc:
            if exc.status not in NEVER_TAKEN:  # the token, the host, a rate: kept for later
                log.warning("report %s not taken, kept: %s", path.name, exc)
                return
            log.error("report %s refused: %s", path.name, exc)
        path.unlink()


def _age(path: Path) -> float:
    """Seconds since the report was queued (its file name starts with the time, in ns)."""
    return max(time.time_ns() - int(path.name.split("-", 1)[0]), 0) / 1e9
