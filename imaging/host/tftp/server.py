"""lntftpd: one loop serves every transfer (docs/boot-services.md says why).

The listening socket only takes requests; each read gets its own UDP socket on a new port
(RFC 1350's transfer ID) and nothing else: the loop calls it when a packet is waiting, and
one timer for all transfers resends a block not acknowledged in time. A thousand clients
booting at once cost a thousand sockets, no thread or process each, and no timer or future
per block. A bad request, a client that vanishes or a menu that fails ends that transfer
alone."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Coroutine

from ..bootclients import FAILED, NOT_FOUND, REFUSED, BootClient, BootError
from . import packets
from .files import Content, TftpFiles, in_memory

log = logging.getLogger("labnet.tftpd")
DEFAULT_TIMEOUT = 1.0  # seconds before a block is sent again, unless the client asks
RETRIES = 5
MAX_TRANSFERS = 4096  # past this a request is refused at once, never queued
MAX_NETASCII = 16 << 20  # netascii is converted in memory
TICK = 0.1  # how often the one timer looks for blocks to send again
# The listening socket's buffers: a storm's thousand requests arrive at once, and the
# kernel's default (208 KB, about 270 requests) would drop the rest for a 1 s client retry.
SOCKET_BUFFER = 4 << 20
RECHECK = 2.0  # seconds between looks at the mirror for menus to render ahead
ERROR_CODES = {
    NOT_FOUND: packets.NOT_FOUND,
    REFUSED: packets.ACCESS_VIOLATION,
    FAILED: packets.NOT_DEFINED,
}

# Called once per answered request: (peer address, file name, client or None, error or None).
RequestHook = Callable[[str, str, BootClient | None, str | None], None]


class Transfer:
    """One read: OACK or DATA 1, then the next block on each ACK, until a short block."""

    __slots__ = (
        "server", "sock", "peer", "content", "options", "block", "last", "tries", "due",
        "timeout",
    )  # fmt: skip

    def __init__(
        self,
        server: TftpServer,
        sock: socket.socket,
        peer: tuple[str, int],
        content: Content,
        options: packets.Options,
    ):
        self.server, self.sock, self.peer, self.content = server, sock, peer, content
        self.options = options
        self.timeout = options.timeout or DEFAULT_TIMEOUT
        self.block = 0  # the block last sent, counted from 1 without wrapping
        self.last: bytes = b""
        self.tries = 0
        self.due = 0.0  # when the last packet is sent again

    def start(self) -> None:
        oack = self.options.oack(self.content.size)
        if oack is None:
            self._send_block(1)
        else:
            self._send(oack)

    def readable(self) -> None:
        """One packet waiting on the transfer's socket: a client has one in flight, and the
        loop calls again while more wait (a second recvfrom would mostly find none)."""
        try:
            data, addr = self.sock.recvfrom(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            log.info("%s unreachable: %s", self.peer[0], exc)
            self.finish()
            return
        self._received(data, addr)

    def _received(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr[:2] != self.peer[:2]:
            self._sendto(packets.error(packets.UNKNOWN_TID, "unknown transfer ID"), addr)
            return
        try:
            opcode, number = packets.parse_reply(data)
        except packets.PacketError as exc:
            self._fail(exc.code, str(exc))
            return
        if opcode == packets.ERROR:
            log.info("%s ended the transfer: error %d", self.peer[0], number)
            self.finish()
            return
        if number != self.block & 0xFFFF:
            return  # a duplicate ACK: the timer resends, never the ACK (Sorcerer's Apprentice)
        if self.block and len(self.last) - 4 < self.options.block_size:
            self.finish()  # the last block is acknowledged
        else:
            self._send_block(self.block + 1)

    def _send_block(self, block: int) -> None:
        size = self.options.block_size
        try:
            payload = self.content.read((block - 1) * size, size)
        except OSError as exc:
            self._fail(packets.NOT_DEFINED, f"read error: {exc.strerror}")
            return
        self.block = block
        self._send(packets.data(block, payload))

    def _send(self, packet: bytes) -> None:
        self.last, self.tries = packet, 0
        self._transmit(time.monotonic())

    def _transmit(self, now: float) -> None:
        self.due = now + self.timeout
        self._sendto(self.last, self.peer)

    def _sendto(self, packet: bytes, addr: tuple[str, int]) -> None:
        try:
            self.sock.sendto(packet, addr)
        except (BlockingIOError, InterruptedError):
            pass  # the socket's buffer is full: the timer sends it again
        except OSError as exc:
            log.info("%s unreachable: %s", self.peer[0], exc)
            self.finish()

    def tick(self, now: float) -> None:
        """Send the last packet again if it is due; end the transfer after RETRIES."""
        if now < self.due:
            return
        self.tries += 1
        if self.tries > RETRIES:
            log.info("%s stopped answering at block %d", self.peer[0], self.block)
            self.finish()
        else:
            self._transmit(now)

    def _fail(self, code: int, message: str) -> None:
        self._sendto(packets.error(code, message), self.peer)
        self.finish()

    def finish(self) -> None:
        if self.sock.fileno() < 0:
            return
        self.server.ended(self)
        self.content.close()
        self.sock.close()


class TftpServer:
    """The listening socket: parse each request, start its transfer on a new port."""

    def __init__(self, files: TftpFiles, on_request: RequestHook | None = None):
        self.files = files
        self.on_request = on_request
        self.transfers: dict[tuple[str, int], Transfer] = {}  # by peer: one at a time each
        self.sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self, sock: socket.socket) -> None:
        self.sock, self._loop = sock, asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._readable)

    def close(self) -> None:
        for transfer in list(self.transfers.values()):
            transfer.finish()
        if self.sock is not None and self._loop is not None:
            self._loop.remove_reader(self.sock.fileno())
            self.sock.close()

    def _readable(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # an ICMP error for an earlier answer: nothing to do
            self._request(data, addr)

    def _request(self, data: bytes, peer: tuple[str, int]) -> None:
        if peer in self.transfers:
            # The client sent its request again before our answer reached it: the transfer
            # under way answers it (and resends), a second one would double the storm.
            return
        if len(self.transfers) >= MAX_TRANSFERS:
            self._sendto(packets.error(packets.NOT_DEFINED, "server busy"), peer)
            return
        content, client, name = None, None, ""
        try:
            request = packets.parse_request(data)
            name, mode = request.filename, request.mode
            if request.opcode == packets.WRQ:
                raise packets.PacketError(packets.ACCESS_VIOLATION, "writes are refused")
            options = packets.negotiate(request)
            content, client = self.files.open(request.filename, peer[0])
            if mode == "netascii":
                content = _as_netascii(content)
        except packets.PacketError as exc:
            self._refuse(peer, name, exc.code, str(exc))
            return
        except BootError as exc:
            self._refuse(peer, name, ERROR_CODES[exc.kind], str(exc), client)
            return
        except Exception:  # one request's surprise must not stop the server
            log.exception("request for %r from %s", name[:80], peer[0])
            self._refuse(peer, name, packets.NOT_DEFINED, "internal error")
            return
        self._report(peer, name, client, None)
        try:
            sock = socket.socket(self.sock.family, socket.SOCK_DGRAM)
        except OSError as exc:
            content.close()
            log.error("no socket for a transfer to %s: %s", peer[0], exc)
            return
        try:
            sock.setblocking(False)
            sock.bind((self.sock.getsockname()[0], 0))
        except OSError as exc:
            sock.close()
            content.close()
            log.error("no socket for a transfer to %s: %s", peer[0], exc)
            return
        transfer = Transfer(self, sock, peer, content, options)
        self.transfers[peer] = transfer
        self._loop.add_reader(sock.fileno(), transfer.readable)
        if self._timer is None:
            self._timer = self._loop.call_later(TICK, self._tick)
        transfer.start()

    def ended(self, transfer: Transfer) -> None:
        """A transfer's end, before its socket closes."""
        self._loop.remove_reader(transfer.sock.fileno())
        if self.transfers.get(transfer.peer) is transfer:
            del self.transfers[transfer.peer]

    def _tick(self) -> None:
        now = time.monotonic()
        for transfer in list(self.transfers.values()):
            transfer.tick(now)
        self._timer = self._loop.call_later(TICK, self._tick) if self.transfers else None

    def _refuse(
        self,
        peer: tuple[str, int],
        name: str,
        code: int,
        message: str,
        client: BootClient | None = None,
    ) -> None:
        log.info("refused %r from %s: %s", name[:80], peer[0], message)
        self._report(peer, name, client, message)
        # The error goes from the listening port: no transfer ID was given yet.
        self._sendto(packets.error(code, message), peer)

    def _sendto(self, packet: bytes, peer: tuple[str, int]) -> None:
        try:
            self.sock.sendto(packet, peer)
        except OSError as exc:  # a full buffer or an unreachable peer: the client asks again
            log.info("no answer sent to %s: %s", peer[0], exc)

    def _report(
        self, peer: tuple[str, int], name: str, client: BootClient | None, problem: str | None
    ) -> None:
        if self.on_request:
            self.on_request(peer[0], name[:200], client, problem)


def _as_netascii(content: Content) -> Content:
    if content.size > MAX_NETASCII:
        content.close()
        raise BootError(f"file larger than {MAX_NETASCII} bytes for netascii mode", FAILED)
    data = content.read(0, content.size)
    content.close()
    return in_memory(packets.netascii(data))


def new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop when installed (requirements.txt pins it: its loop in C costs a block
    less than asyncio's, docs/boot-services.md has the figures), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(main: Coroutine[object, object, None]) -> None:
    """Run lntftpd's main loop (new_loop's)."""
    with asyncio.Runner(loop_factory=new_loop) as runner:
        runner.run(main)


def listening_socket(address: str, port: int) -> socket.socket:
    """A non-blocking UDP socket bound to address:port, with buffers for a storm."""
    family, kind, proto, _, where = socket.getaddrinfo(address, port, type=socket.SOCK_DGRAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setblocking(False)
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)  # the kernel may cap it
        sock.bind(where)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot bind {address}:{port}: {exc.strerror}") from None
    return sock


async def render_ahead(files: TftpFiles) -> None:
    """Keep every served client's menu rendered: at the start and after each change to the
    mirror's client folders, variable definitions or templates, one menu at a time between
    requests (a request checks its menu's files itself, so this only saves it the render)."""
    while True:
        if files.menus.mirror_changed():
            for _ in files.menus.render_ahead():
                await asyncio.sleep(0)
        await asyncio.sleep(RECHECK)


async def serve(
    files: TftpFiles,
    address: str,
    port: int,
    on_request: RequestHook | None = None,
    started: Callable[[tuple[str, int]], None] | None = None,
) -> None:
    """Serve until cancelled; started gets the bound address (port 0 picks one)."""
    server = TftpServer(files, on_request)
    server.start(listening_socket(address, port))
    if started:
        started(server.sock.getsockname()[:2])
    try:
        await render_ahead(files)
    finally:
        server.close()
