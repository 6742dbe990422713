"""The TFTP and HTTP requests lntftpd and menuserver saw lately, per client: kept in memory
by the server, written now and then to a JSON file the agent reads and reports (the boot page
of the web tool shows them). Recording costs a request one append under a lock; finding the
client of a plain file's read (pxelinux.0 names no client) by its address happens when the
file is written, off the request's path. No Django here."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

from core.files import write_atomic

from .bootclients import BootClient, BootError, ClientIndex

log = logging.getLogger("labnet.boot")
TFTP, HTTP = "tftp", "http"
KEPT_PER_CLIENT = 20
MAX_CLIENTS = 4096  # the clients kept; the one heard from least lately goes first
MAX_PENDING = 100_000  # requests not yet sorted by client; more in one interval are dropped
MAX_PATH = 200
MAX_PROBLEM = 200
FLUSH_SECONDS = 5.0


class RequestLog:
    """One server's recent requests. record() is called once per answered request;
    flush() sorts them by client and writes path when anything was added."""

    def __init__(self, path: Path, index: ClientIndex, protocol: str):
        self.path, self.index, self.protocol = path, index, protocol
        self._lock = threading.Lock()
        self._pending: list[tuple[float, str, str, str, str | None]] = []
        self._recent: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()
        self._dropped = 0

    def record(self, peer: str, name: str, client: BootClient | None, problem: str | None) -> None:
        """The server's request hook: (peer address, file or URL, client or None, error)."""
        row = (time.time(), peer, name[:MAX_PATH], client.name if client else "", problem)
        with self._lock:
            if len(self._pending) < MAX_PENDING:
                self._pending.append(row)
            else:
                self._dropped += 1

    def flush(self) -> bool:
        """Sort the requests since the last flush by client and write the file; False when
        there was nothing new."""
        with self._lock:
            pending, self._pending = self._pending, []
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.warning(
                "%d %s requests not recorded: more than %d in one interval",
                dropped,
                self.protocol,
                MAX_PENDING,
            )
        added = False
        names: dict[str, str] = {}
        for seen, peer, path, client, problem in pending:
            client = client or names.get(peer) or names.setdefault(peer, self._client_at(peer))
            if not client:
                continue  # an address no client has: nobody's boot page shows it
            rows = self._recent.pop(client, None) or deque(maxlen=KEPT_PER_CLIENT)
            rows.append(
                {
                    "client": client,
                    "protocol": self.protocol,
                    "path": path,
                    "peer": peer,
                    "problem": (problem or "")[:MAX_PROBLEM],
                    "time": seen,
                }
            )
            self._recent[client] = rows  # moved to the end: heard from most lately
            added = True
        while len(self._recent) > MAX_CLIENTS:
            self._recent.popitem(last=False)
        if added:
            rows = [row for kept in self._recent.values() for row in kept]
            write_atomic(self.path, json.dumps(rows).encode(), sync=False)
        return added

    def _client_at(self, peer: str) -> str:
        try:
            found = self.index.by_ip(peer)
        except BootError:  # its mirror file is unreadable right now
            return ""
        return found.name if found else ""

    def start(self, interval: float = FLUSH_SECONDS) -> threading.Thread:
        """Flush every interval seconds on a thread of its own, for the server's life."""

        def flushing() -> None:
            while True:
                time.sleep(interval)
                try:
                    self.flush()
                except OSError as exc:
                    log.error("recent requests not written to %s: %s", self.path, exc)

        thread = threading.Thread(target=flushing, name="boot-requests", daemon=True)
        thread.start()
        return thread


def read_requests(path: Path) -> list[dict[str, Any]]:
    """The rows a server last wrote; [] when it wrote none yet or the file is not its."""
    try:
        rows = json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return []
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
