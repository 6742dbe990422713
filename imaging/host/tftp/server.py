"""lntftpd: one asyncio loop serves every transfer (docs/boot-services.md says why).

The listening socket only takes requests; each read gets its own UDP socket on a new port
(RFC 1350's transfer ID), a retransmission timer and nothing else, so a thousand clients
booting at once cost a thousand sockets and no thread or process each. A bad request, a
client that vanishes or a menu that fails ends that transfer alone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine

from ..bootclients import FAILED, NOT_FOUND, REFUSED, BootClient, BootError
from . import packets
from .files import Content, TftpFiles, in_memory

log = logging.getLogger("labnet.tftpd")
DEFAULT_TIMEOUT = 1.0  # seconds before a block is sent again, unless the client asks
RETRIES = 5
MAX_TRANSFERS = 4096  # past this a request is refused at once, never queued
MAX_NETASCII = 16 << 20  # netascii is converted in memory
ERROR_CODES = {
    NOT_FOUND: packets.NOT_FOUND,
    REFUSED: packets.ACCESS_VIOLATION,
    FAILED: packets.NOT_DEFINED,
}

# Called once per answered request: (peer address, file name, client or None, error or None).
RequestHook = Callable[[str, str, BootClient | None, str | None], None]


class Transfer(asyncio.DatagramProtocol):
    """One read: OACK or DATA 1, then the next block on each ACK, until a short block."""

    def __init__(
        self,
        server: TftpServer,
        peer: tuple[str, int],
        content: Content,
        options: packets.Options,
        mode: str,
    ):
        self.server, self.peer, self.content = server, peer, content
        self.options, self.mode = options, mode
        self.block = 0  # the block last sent, counted from 1 without wrapping
        self.last: bytes = b""
        self.tries = 0
        self.timer: asyncio.TimerHandle | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        oack = self.options.oack(self.content.size)
        if oack is None:
            self._send_block(1)
        else:
            self._send(oack)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr[:2] != self.peer[:2]:
            self.transport.sendto(packets.error(packets.UNKNOWN_TID, "unknown transfer ID"), addr)
            return
        try:
            opcode, number = packets.parse_reply(data)
        except packets.PacketError as exc:
            self._fail(exc.code, str(exc))
            return
        if opcode == packets.ERROR:
            log.info("%s ended the transfer: error %d", self.peer[0], number)
            self._finish()
            return
        if number != self.block & 0xFFFF:
            return  # a duplicate ACK: the timer resends, never the ACK (Sorcerer's Apprentice)
        if self.block and self._sent_last():
            self._finish()
        else:
            self._send_block(self.block + 1)

    def error_received(self, exc: Exception) -> None:
        log.info("%s unreachable: %s", self.peer[0], exc)
        self._finish()

    def _sent_last(self) -> bool:
        return len(self.last) - 4 < self.options.block_size

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
        self._transmit()

    def _transmit(self) -> None:
        if self.timer:
            self.timer.cancel()  # one timer per transfer: the previous packet's is void
        self.transport.sendto(self.last, self.peer)
        timeout = self.options.timeout or DEFAULT_TIMEOUT
        self.timer = asyncio.get_running_loop().call_later(timeout, self._timed_out)

    def _timed_out(self) -> None:
        self.tries += 1
        if self.tries > RETRIES:
            log.info("%s stopped answering at block %d", self.peer[0], self.block)
            self._finish()
            return
        self._transmit()

    def _fail(self, code: int, message: str) -> None:
        self.transport.sendto(packets.error(code, message), self.peer)
        self._finish()

    def _finish(self) -> None:
        if self.timer:
            self.timer.cancel()
        self.content.close()
        if self.transport:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)


class TftpServer(asyncio.DatagramProtocol):
    """The listening socket: parse each request, start its transfer on a new port."""

    def __init__(self, files: TftpFiles, on_request: RequestHook | None = None):
        self.files = files
        self.on_request = on_request
        self.transfers: set[asyncio.Task] = set()
        self.peers: set[tuple[str, int]] = set()  # those with a request being answered
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if addr in self.peers:
            # The client sent its request again before our answer reached it: the transfer
            # under way answers it (and resends), a second one would double the storm.
            return
        if len(self.transfers) >= MAX_TRANSFERS:
            self.transport.sendto(packets.error(packets.NOT_DEFINED, "server busy"), addr)
            return
        task = asyncio.get_running_loop().create_task(self._serve(data, addr))
        self.transfers.add(task)
        self.peers.add(addr)
        task.add_done_callback(self.transfers.discard)
        task.add_done_callback(lambda _: self.peers.discard(addr))

    async def _serve(self, data: bytes, peer: tuple[str, int]) -> None:
        content, client, options, mode = None, None, packets.Options(), "octet"
        name = ""
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
            await self._transfer(peer, content, options, mode)
        except OSError as exc:
            log.error("no socket for a transfer to %s: %s", peer[0], exc)

    async def _transfer(
        self, peer: tuple[str, int], content: Content, options: packets.Options, mode: str
    ) -> None:
        loop = asyncio.get_running_loop()
        local = self.transport.get_extra_info("sockname")[0]
        try:
            _, transfer = await loop.create_datagram_endpoint(
                lambda: Transfer(self, peer, content, options, mode), local_addr=(local, 0)
            )
        except OSError:
            content.close()
            raise
        await transfer.done

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
        self.transport.sendto(packets.error(code, message), peer)

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


def run(main: Coroutine[object, object, None]) -> None:
    """Run lntftpd's loop: uvloop's when installed (requirements.txt pins it: its loop in C
    costs a block less than asyncio's, docs/boot-services.md has the figures), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


async def serve(
    files: TftpFiles,
    address: str,
    port: int,
    on_request: RequestHook | None = None,
    started: Callable[[tuple[str, int]], None] | None = None,
) -> None:
    """Serve until cancelled; started gets the bound address (port 0 picks one)."""
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(
        lambda: TftpServer(files, on_request), local_addr=(address, port)
    )
    if started:
        started(transport.get_extra_info("sockname")[:2])
    try:
        await asyncio.Future()
    finally:
        transport.close()
        for task in list(server.transfers):
            task.cancel()
