"""menuserver: HTTP for iPXE clients (guide 3.3.5). `GET /ipxe?mac=<mac>` answers the
client's `ipxe_menu` template rendered from the mirror, `GET /boot/<file>` a file of the
boot directory (with Range), `GET /login?user=<uid>` what a Windows client's login script
maps for the user (imaging.host.logins). A client with a windowsImage also gets "make this
client's COW target" on one queue, worked one at a time by one thread (the guide's rule
against congesting LVM); what making a target means is the hook registered with
set_cow_maker."""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .bootclients import FAILED, NOT_FOUND, REFUSED, BootClient, BootError, ClientIndex, render_menu
from .bootfiles import open_boot_file
from .logins import BAD_REQUEST, UNAVAILABLE, DirectoryAccess, login_answer

log = logging.getLogger("labnet.menuserver")
MAX_QUEUED = 10_000  # more than an appserver's clients: a full queue refuses, never blocks
CHUNK = 256 * 1024
RANGE_ERROR = "range not satisfiable"
STATUS = {
    NOT_FOUND: HTTPStatus.NOT_FOUND,
    REFUSED: HTTPStatus.FORBIDDEN,
    FAILED: HTTPStatus.INTERNAL_SERVER_ERROR,
    RANGE_ERROR: HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
    BAD_REQUEST: HTTPStatus.BAD_REQUEST,
    UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

CowMaker = Callable[[BootClient], None]
# Called once per answered request: (peer address, path, client or None, error or None),
# as lntftpd's RequestHook.
RequestHook = Callable[[str, str, BootClient | None, str | None], None]
_cow_maker: CowMaker | None = None


def set_cow_maker(maker: CowMaker | None) -> None:
    """Register what makes a client's COW target (the Windows 7 boot's iSCSI work); None
    while no module provides one, and then nothing is queued."""
    global _cow_maker
    _cow_maker = maker


class CowQueue:
    """The one queue of COW target requests; a client already waiting is not queued twice."""

    def __init__(self) -> None:
        self._queue: queue.Queue[BootClient] = queue.Queue(MAX_QUEUED)
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="cow-targets", daemon=True)
        self._worker.start()

    def add(self, client: BootClient) -> bool:
        """Queue client; False when a maker is not registered, it waits already or the
        queue is full."""
        if _cow_maker is None:
            return False
        with self._lock:
            if client.name in self._waiting:
                return False
            try:
                self._queue.put_nowait(client)
            except queue.Full:
                log.error("COW target queue full: %s not queued", client.name)
                return False
            self._waiting.add(client.name)
        return True

    def join(self) -> None:
        """Return once every queued request has been worked."""
        self._queue.join()

    def _work(self) -> None:
        while True:
            client = self._queue.get()
            with self._lock:
                self._waiting.discard(client.name)
            try:
                if _cow_maker is not None:
                    _cow_maker(client)
            except Exception:  # one client's failure must not stop the queue
                log.exception("COW target of %s failed", client.name)
            finally:
                self._queue.task_done()


class MenuServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a boot storm connects at once: no SYN dropped for a backlog

    def __init__(
        self,
        address: tuple[str, int],
        host: str,
        etc: Path,
        boot_dir: Path,
        directory: DirectoryAccess | None = None,
    ):
        super().__init__(address, MenuHandler)
        self.host, self.etc, self.boot_dir = host, etc, boot_dir
        self.directory = directory or DirectoryAccess()  # for /login (imaging.host.logins)
        self.index = ClientIndex(etc)
        self.cow_queue = CowQueue()
        self.on_request: RequestHook | None = None


class MenuHandler(BaseHTTPRequestHandler):
    server: MenuServer
    server_version = "labnet-menuserver"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        url = urlsplit(self.path)
        self.boot_client: BootClient | None = None  # set by _ipxe, for on_request
        self.problem: str | None = None  # set by _error
        try:
            if url.path == "/ipxe":
                self._ipxe(parse_qs(url.query).get("mac", [""])[0], body)
            elif url.path == "/login":
                user = parse_qs(url.query).get("user", [""])[0]
                self._login(user, body)
            elif url.path.startswith("/boot/"):
                self._file(unquote(url.path[len("/boot/") :]), body)
            else:
                raise BootError(f"no page {url.path[:80]}", NOT_FOUND)
        except BootError as exc:
            self._error(STATUS[exc.kind], str(exc))
        except BrokenPipeError:
            pass
        if self.server.on_request:
            self.server.on_request(self.client_address[0], url.path, self.boot_client, self.problem)

    def _ipxe(self, mac: str, body: bool) -> None:
        if not mac:
            self._error(HTTPStatus.BAD_REQUEST, "give ?mac=aa:bb:cc:dd:ee:ff")
            return
        try:
            client = self.server.index.by_mac(mac)
        except BootError as exc:
            if exc.kind == REFUSED:  # a MAC in the wrong form
                self._error(HTTPStatus.BAD_REQUEST, str(exc))
                return
            raise
        self.boot_client = client
        script = render_menu(
            self.server.index, self.server.boot_dir, self.server.host, client, "ipxe_menu"
        )
        if client.windows_image:
            self.server.cow_queue.add(client)
        self._send(HTTPStatus.OK, "text/plain; charset=utf-8", script, body)

    def _login(self, user: str, body: bool) -> None:
        client = self.server.index.by_ip(self.client_address[0])
        answer = login_answer(
            self.server.etc, self.server.host, self.server.directory, client, user
        )
        self._send(HTTPStatus.OK, "text/plain; charset=utf-8", answer, body)

    def _file(self, name: str, body: bool) -> None:
        fd, size = open_boot_file(self.server.boot_dir, name)
        try:
            start, end = self._range(size)
            status = HTTPStatus.OK if (start, end) == (0, size) else HTTPStatus.PARTIAL_CONTENT
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(end - start))
            if status == HTTPStatus.PARTIAL_CONTENT:
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
            self.end_headers()
            while body and start < end:
                chunk = os.pread(fd, min(CHUNK, end - start), start)
                if not chunk:
                    break
                self.wfile.write(chunk)
                start += len(chunk)
        finally:
            os.close(fd)

    def _range(self, size: int) -> tuple[int, int]:
        """[start, end) of the Range header (one range), or the whole file."""
        header = self.headers.get("Range")
        if header is None:
            return 0, size
        match = _RANGE.match(header.strip())
        if match is None or match.groups() == ("", ""):
            raise BootError(f"range {header[:40]!r} is not bytes=START-END", RANGE_ERROR)
        first, last = match.groups()
        if first == "":
            start, end = max(size - int(last), 0), size
        else:
            start = int(first)
            end = min(int(last) + 1, size) if last else size
        if start >= size or start >= end:
            raise BootError(
                f"range {header[:40]!r} is outside the file's {size} bytes", RANGE_ERROR
            )
        return start, end

    def _send(self, status: HTTPStatus, kind: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _error(self, status: HTTPStatus, message: str) -> None:
        log.info("%s %s: %d %s", self.client_address[0], self.path[:120], status, message)
        self.problem = message
        self._send(
            status, "text/plain; charset=utf-8", (message + "\n").encode(), self.command != "HEAD"
        )

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("%s " + format, self.client_address[0], *args)
