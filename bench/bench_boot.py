"""Boot storm figures (docs/boot-services.md), printed, not asserted.

1. TFTP: CLIENTS simulated PXE clients at once, each reading its menu
   (pxelinux.cfg/01-<mac>) and a 40 KB pxelinux.0 (blksize 1432, as iPXE asks), from
   - lntftpd (`python -m workers.host tftpd`), which renders each menu from the mirror, and
   - atftpd, the baseline, serving the same menus pre-rendered as static files.
   Menus per second over the storm, and each client's p50/p95 time for both files.
2. menuserver: CLIENTS iPXE scripts (`GET /ipxe?mac=`, rendered) by 32 concurrent
   connections, beside the same number of static files (`GET /boot/<file>`) from the same
   server: scripts per second and p95.

The mirror is the demo's with CLIENTS clones of the client hogwarts served by odie. Needs
atftpd (scripts/setup installs it). Everything lives in a temporary folder.

    .venv/bin/python bench/bench_boot.py [--clients 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
from imaging.host.bootclients import ClientIndex, render_menu  # noqa: E402

DEMO = BASE / "demo"
PXELINUX = bytes(range(256)) * 160
BLKSIZE = 1432
RETRY = 1.0
STALL = 8.0


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tree(base: Path, clients: int) -> tuple[Path, Path, list[str]]:
    """(etc, root, MACs): the demo mirror with `clients` clones of hogwarts."""
    etc, root = base / "etc", base / "root"
    shutil.copytree(DEMO / "mirror", etc)
    template = (etc / "client" / "hogwarts").read_text()
    macs = []
    for i in range(clients):
        mac = f"02:01:00:00:{i // 256:02x}:{i % 256:02x}"
        text = template.replace('name="hogwarts"', f'name="pc{i:04d}"')
        text = text.replace("02:00:5e:10:00:6e", mac)
        text = text.replace("192.0.2.110", f"10.1.{i // 256}.{i % 256}")
        (etc / "client" / f"pc{i:04d}").write_text(text)
        macs.append(mac)
    boot = root / "diskless" / "boot"
    (boot / "template").mkdir(parents=True)
    shutil.copyfile(DEMO / "files/linux_template/mun@site_server", boot / "template/linux_template")
    shutil.copyfile(DEMO / "files/ipxe_template/cs@dept_server", boot / "template/ipxe_template")
    (boot / "pxelinux.0").write_bytes(PXELINUX)
    return etc, root, macs


def static_tree(base: Path, etc: Path, root: Path, macs: list[str]) -> Path:
    """The same menus rendered once into plain files, for the static server."""
    static = base / "static"
    (static / "pxelinux.cfg").mkdir(parents=True)
    (static / "pxelinux.0").write_bytes(PXELINUX)
    index, boot = ClientIndex(etc), root / "diskless" / "boot"
    for mac in macs:
        menu = render_menu(index, boot, "odie", index.by_mac(mac), "menu_template")
        (static / "pxelinux.cfg" / f"01-{mac.replace(':', '-')}").write_bytes(menu)
    return static


class TftpRead(asyncio.DatagramProtocol):
    """One TFTP read with blksize, acknowledging each block, resending on silence, from the
    first server port that answers (RFC 1350's transfer ID), as PXE clients do."""

    def __init__(self, server: tuple[str, int], name: str):
        self.server, self.name = server, name
        self.data = bytearray()
        self.block = 0
        self.peer: tuple[str, int] | None = None
        self.done = asyncio.get_running_loop().create_future()
        self.last = b""

    def connection_made(self, transport) -> None:
        self.transport = transport
        request = b"\0\1" + self.name.encode() + b"\0octet\0blksize\0" + str(BLKSIZE).encode()
        self._send(request + b"\0", self.server)

    def _send(self, packet: bytes, to: tuple[str, int]) -> None:
        self.last, self.to = packet, to
        self.transport.sendto(packet, to)
        self.timer = asyncio.get_running_loop().call_later(RETRY, self._resend)

    def _resend(self) -> None:
        if not self.done.done() and not self.transport.is_closing():
            self.transport.sendto(self.last, self.to)
            self.timer = asyncio.get_running_loop().call_later(RETRY, self._resend)

    def datagram_received(self, packet: bytes, addr: tuple[str, int]) -> None:
        opcode, number = struct.unpack("!HH", packet[:4])
        # We ask for blksize, so our transfer starts with an OACK, or an error from the port
        # we asked: any other first packet is a straggler of an earlier transfer whose port
        # the kernel has given to this socket again.
        first = opcode == 6 or (opcode == 5 and addr == self.server)
        if (self.peer is None and not first) or self.peer not in (None, addr):
            return
        self.timer.cancel()
        if opcode == 5:
            self.done.set_exception(RuntimeError(f"{self.name}: {packet[4:-1].decode()}"))
            return
        self.peer = addr
        if opcode == 6:  # OACK
            self._send(struct.pack("!HH", 4, 0), addr)
            return
        if number == (self.block + 1) & 0xFFFF:
            self.block += 1
            self.data += packet[4:]
        self._send(struct.pack("!HH", 4, number), addr)
        if len(packet) - 4 < BLKSIZE and not self.done.done():
            self.timer.cancel()
            self.done.set_result(bytes(self.data))


RESTARTS: list[int] = []


async def read(port: int, name: str, sockets: list) -> bytes:
    """One read from a port of its own, kept open until the storm ends: clients are separate
    machines, and a port used again would take an earlier transfer's late packets. A read
    that stalls starts again from a new port after STALL seconds, as a PXE ROM does."""
    loop = asyncio.get_running_loop()
    for _ in range(5):
        transport, reader = await loop.create_datagram_endpoint(
            lambda: TftpRead(("127.0.0.1", port), name), local_addr=("127.0.0.1", 0)
        )
        sockets.append(transport)
        try:
            return await asyncio.wait_for(asyncio.shield(reader.done), STALL)
        except TimeoutError:
            RESTARTS.append(1)
            reader.timer.cancel()
    raise RuntimeError(f"{name}: no answer after 5 tries")


async def storm(port: int, macs: list[str]) -> tuple[float, list[float | None]]:
    sockets: list = []

    async def one_client(mac: str) -> float | None:
        started = time.perf_counter()
        try:
            menu = await read(port, f"pxelinux.cfg/01-{mac.replace(':', '-')}", sockets)
            pxelinux = await read(port, "pxelinux.0", sockets)
        except RuntimeError:
            return None  # counted as a client that did not boot
        assert menu.startswith(b"DEFAULT ") and pxelinux == PXELINUX, menu[:80]
        return time.perf_counter() - started

    started = time.perf_counter()
    try:
        times = await asyncio.gather(*(one_client(m) for m in macs))
    finally:
        for transport in sockets:
            transport.close()
    return time.perf_counter() - started, list(times)


def wait_udp(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            asyncio.run(asyncio.wait_for(read(port, "pxelinux.0", []), 2))
            return
        except (TimeoutError, RuntimeError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"no TFTP server on port {port}")


def p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[int(q) - 1]


def tftp_figures(base: Path, etc: Path, root: Path, macs: list[str]) -> None:
    static = static_tree(base, etc, root, macs)
    ours_port, atftpd_port = free_port(), free_port()
    servers = {
        "lntftpd (rendered menus)": (
            [
                sys.executable,
                "-m",
                "workers.host",
                "tftpd",
                "odie",
                "--etc",
                str(etc),
                "--root",
                str(root),
                "--listen",
                f"127.0.0.1:{ours_port}",
            ],
            ours_port,
        ),
        "atftpd (static files)": (
            [
                "atftpd",
                "--daemon",
                "--no-fork",
                "--port",
                str(atftpd_port),
                "--bind-address",
                "127.0.0.1",
                "--maxthread",
                str(len(macs) * 2 + 10),
                "--logfile",
                "/dev/null",
                "--user",
                "root",
                "--group",
                "root",
                str(static),
            ],
            atftpd_port,
        ),
    }
    print(f"TFTP boot storm: {len(macs)} clients, each a menu and a 40 KB pxelinux.0")
    for label, (command, port) in servers.items():
        process = subprocess.Popen(command, cwd=BASE, stderr=subprocess.DEVNULL)
        try:
            wait_udp(port)
            RESTARTS.clear()
            wall, all_times = asyncio.run(storm(port, macs))
        finally:
            process.terminate()
            process.wait(10)
        times = [t for t in all_times if t is not None]
        print(
            f"  {label:26} {len(times) / wall:8.0f} menus/s   wall {wall:6.2f} s   "
            f"per client p50 {p(times, 50) * 1000:6.0f} ms  p95 {p(times, 95) * 1000:6.0f} ms"
            f"   reads restarted {len(RESTARTS)}, clients failed {len(all_times) - len(times)}"
        )


def http_figures(etc: Path, root: Path, macs: list[str]) -> None:
    sys.path.insert(0, str(BASE))
    from imaging.host.menuserver import MenuServer

    server = MenuServer(("127.0.0.1", 0), "megatron", etc, root / "diskless" / "boot")
    for i in range(len(macs)):  # the clones boot from megatron with the iPXE template
        text = (etc / "client" / f"pc{i:04d}").read_text()
        text = text.replace(">odie<", ">megatron<")
        text = text.replace(
            '<variable name="kernel">',
            '<variable name="ipxe_menu"><value indx="1">ipxe_template</value>'
            '</variable><variable name="kernel">',
        )
        (etc / "client" / f"pc{i:04d}").write_text(text)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    local = threading.local()

    def fetch(path: str) -> float:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        local.connection.request("GET", path)
        answer = local.connection.getresponse()
        body = answer.read()
        assert answer.status == 200, body[:200]
        if answer.getheader("Connection", "").lower() == "close" or answer.will_close:
            local.connection.close()
            del local.connection
        return time.perf_counter() - started

    print(f"menuserver: {len(macs)} requests by 32 connections")
    for label, paths in (
        ("GET /ipxe?mac= (rendered)", [f"/ipxe?mac={m}" for m in macs]),
        ("GET /boot/pxelinux.0 (static)", ["/boot/pxelinux.0"] * len(macs)),
    ):
        started = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            times = list(pool.map(fetch, paths))
        wall = time.perf_counter() - started
        print(
            f"  {label:30} {len(paths) / wall:8.0f} /s   p50 {p(times, 50) * 1000:6.1f} ms"
            f"  p95 {p(times, 95) * 1000:6.1f} ms"
        )
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    args = parser.parse_args()
    if shutil.which("atftpd") is None:
        raise SystemExit("atftpd is not installed (scripts/setup installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        etc, root, macs = make_tree(Path(tmp), args.clients)
        tftp_figures(Path(tmp), etc, root, macs)
        http_figures(etc, root, macs)


if __name__ == "__main__":
    main()
