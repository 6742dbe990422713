"""A light TFTP load: simulated PXE clients driven by plain non-blocking sockets and one
epoll loop per process, no asyncio, so the client side costs a few microseconds a packet
and is not what a boot storm measures (bench_boot.py prints its CPU beside the server's).

Each client reads its files one after the other (blksize 1432, as iPXE asks), each read
from a port of its own kept open until the storm ends (clients are separate machines, and a
port used again would take an earlier transfer's late packets). Silence for RETRY seconds
resends the last packet; a read that stalls STALL seconds starts again from a new port, as
a PXE ROM does, at most TRIES times."""

from __future__ import annotations

import multiprocessing
import resource
import select
import socket
import struct
import time
from dataclasses import dataclass, field

BLKSIZE = 1432
RETRY = 1.0
STALL = 8.0
TRIES = 5
TICK = 0.05


@dataclass
class StormResult:
    """One process's share of a storm: each client's seconds (None: it never booted)."""

    times: list[float | None]
    started: float
    ended: float
    restarts: int
    cpu: float  # this process's user + system seconds during the storm
    contents: dict[str, bytes] = field(default_factory=dict)  # one client's files, to check


class _Read:
    __slots__ = ("client", "name", "sock", "peer", "block", "data", "last", "to", "due", "begun")

    def __init__(self, client: _Client, name: str, server: tuple[str, int], now: float):
        self.client, self.name = client, name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.sock.bind(("127.0.0.1", 0))
        self.peer: tuple[str, int] | None = None
        self.block = 0
        self.data = bytearray()
        self.begun = now
        request = b"\0\1" + name.encode() + b"\0octet\0blksize\0" + str(BLKSIZE).encode() + b"\0"
        self.send(request, server, now)

    def send(self, packet: bytes, to: tuple[str, int], now: float) -> None:
        self.last, self.to, self.due = packet, to, now + RETRY
        try:
            self.sock.sendto(packet, to)
        except BlockingIOError:
            pass  # the resend timer tries again


class _Client:
    __slots__ = ("names", "started", "ended", "failed", "tries", "files")

    def __init__(self, names: list[str]):
        self.names = names
        self.started = self.ended = 0.0
        self.failed = False
        self.tries = 0
        self.files: list[bytes] = []


def _storm(server: tuple[str, int], clients: list[list[str]], start_at: float) -> StormResult:
    poller = select.epoll()
    reads: dict[int, _Read] = {}
    done_socks: list[socket.socket] = []
    restarts = 0
    everyone = [_Client(names) for names in clients]

    def begin(client: _Client, now: float) -> None:
        read = _Read(client, client.names[len(client.files)], server, now)
        reads[read.sock.fileno()] = read
        poller.register(read.sock.fileno(), select.EPOLLIN)

    def retire(read: _Read) -> None:
        poller.unregister(read.sock.fileno())
        del reads[read.sock.fileno()]
        done_socks.append(read.sock)

    def finish(read: _Read, now: float, failed: bool = False) -> None:
        retire(read)
        client = read.client
        if failed:
            client.failed, client.ended = True, now
            return
        client.files.append(bytes(read.data))
        if len(client.files) == len(client.names):
            client.ended = now
        else:
            begin(client, now)

    while time.monotonic() < start_at:
        time.sleep(min(0.01, max(0.0, start_at - time.monotonic())))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    started = time.monotonic()
    for client in everyone:
        client.started = started
        begin(client, started)
    next_tick = started + TICK
    while reads:
        events = poller.poll(max(0.0, next_tick - time.monotonic()))
        now = time.monotonic()
        for fd, _ in events:
            read = reads.get(fd)
            while read is not None:
                try:
                    packet, addr = read.sock.recvfrom(65536)
                except BlockingIOError:
                    break
                read = _receive(read, packet, addr, now, finish)
        if now >= next_tick:
            next_tick = now + TICK
            for read in list(reads.values()):
                if now - read.begun > STALL:
                    restarts += 1
                    retire(read)
                    read.client.tries += 1
                    if read.client.tries >= TRIES:
                        read.client.failed, read.client.ended = True, now
                    else:
                        begin(read.client, now)
                elif now >= read.due:
                    read.send(read.last, read.to, now)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    for sock in done_socks:
        sock.close()
    poller.close()
    ok = [c for c in everyone if not c.failed]
    return StormResult(
        times=[None if c.failed else c.ended - c.started for c in everyone],
        started=started,
        ended=max((c.ended for c in everyone), default=started),
        restarts=restarts,
        cpu=usage.ru_utime + usage.ru_stime - cpu0,
        contents=dict(zip(ok[0].names, ok[0].files, strict=True)) if ok else {},
    )


def _receive(read: _Read, packet: bytes, addr: tuple[str, int], now: float, finish) -> _Read | None:
    """Handle one packet; the read to go on draining, or None when this one ended."""
    if len(packet) < 4:
        return read
    opcode, number = struct.unpack("!HH", packet[:4])
    # We ask for blksize, so a transfer starts with an OACK, or an error from the port we
    # asked: any other first packet is a straggler of an earlier transfer on a reused port.
    if read.peer is None:
        if opcode == 6:
            read.peer = addr
            read.send(b"\0\4\0\0", addr, now)
        elif opcode == 5 and addr == read.to:
            finish(read, now, failed=True)
            return None
        return read
    if addr != read.peer:
        return read
    if opcode == 5:
        finish(read, now, failed=True)
        return None
    if opcode != 3:
        return read
    if number == (read.block + 1) & 0xFFFF:
        read.block += 1
        read.data += packet[4:]
        read.send(struct.pack("!HH", 4, number), addr, now)
        if len(packet) - 4 < BLKSIZE:
            finish(read, now)
            return None
    return read


def _worker(server: tuple[str, int], clients: list[list[str]], start_at: float, queue) -> None:
    queue.put(_storm(server, clients, start_at))


def storm(port: int, clients: list[list[str]], processes: int) -> list[StormResult]:
    """Every client reads its names from 127.0.0.1:port at once, split over processes."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.monotonic() + 0.3  # every process ready before the first request
    shares = [clients[i::processes] for i in range(processes)]
    workers = [
        context.Process(target=_worker, args=(("127.0.0.1", port), share, start_at, queue))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    return results
