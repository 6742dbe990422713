"""Boot storm figures (docs/boot-services.md), printed, not asserted.

1. TFTP: CLIENTS simulated PXE clients at once, each reading its menu
   (pxelinux.cfg/01-<mac>) and a 40 KB pxelinux.0 (blksize 1432, as iPXE asks), from
   - lntftpd (`python -m workers.host tftpd`), which renders each menu from the mirror, and
   - atftpd, the baseline, serving the same menus pre-rendered as static files,
   - and lntftpd as it was at each --baseline-rev, to measure a change before and after.
   All run at once; the storms are interleaved rounds (ROUNDS each), from the light epoll
   client of _tftpload.py in PROCESSES processes. Menus per second over each storm, each
   client's p50/p95 time for both files, the server's and the client's CPU seconds, and
   the median (min-max) over the rounds, with the load average before and after.
2. menuserver: CLIENTS iPXE scripts (`GET /ipxe?mac=`, rendered) by 32 concurrent
   connections, beside the same number of static files (`GET /boot/<file>`) from the same
   server: scripts per second and p95.

The mirror is the demo's with CLIENTS clones of the client hogwarts served by odie. Needs
atftpd (scripts/setup installs it). Everything lives in a temporary folder.

    LABNET_PLUG_INS=nms.host,imaging.host .venv/bin/python bench/bench_boot.py [--clients 1000]
        [--rounds 5] [--processes 2] [--baseline-rev REV]... [--no-http]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
import _tftpload  # noqa: E402

from imaging.host.bootclients import ClientIndex, render_menu  # noqa: E402

DEMO = BASE / "demo"
PXELINUX = bytes(range(256)) * 160


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


def server_cpu(pid: int) -> float:
    """User + system seconds of a process and all its threads so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_udp(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            s.sendto(b"\0\1pxelinux.cfg/none\0octet\0", ("127.0.0.1", port))
            with contextlib.suppress(OSError):
                if s.recvfrom(1000)[0][:2] in (b"\0\3", b"\0\5"):
                    return
        time.sleep(0.2)
    raise SystemExit(f"no TFTP server on port {port}")


def p(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[int(q) - 1]


def lntftpd(etc: Path, root: Path, port: int) -> list[str]:
    return [
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
        f"127.0.0.1:{port}",
    ]


def atftpd(static: Path, port: int, clients: int) -> list[str]:
    return [
        "atftpd",
        "--daemon",
        "--no-fork",
        "--port",
        str(port),
        "--bind-address",
        "127.0.0.1",
        "--maxthread",
        str(clients * 2 + 10),
        "--logfile",
        "/dev/null",
        "--user",
        "root",
        "--group",
        "root",
        str(static),
    ]


def baseline_tree(base: Path, revision: str) -> Path:
    """The project at a git revision (git archive), to run its lntftpd beside this one's."""
    tree = base / f"rev-{revision}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(BASE), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def tftp_figures(
    base: Path, etc: Path, root: Path, macs: list[str], args: argparse.Namespace
) -> None:
    static = static_tree(base, etc, root, macs)
    servers: dict[str, tuple[list[str], Path, int]] = {}
    port = free_port()
    servers["lntftpd (rendered menus)"] = (lntftpd(etc, root, port), BASE, port)
    for revision in args.baseline_rev:
        tree, port = baseline_tree(base, revision), free_port()
        servers[f"lntftpd at {revision}"] = (lntftpd(etc, root, port), tree, port)
    port = free_port()
    servers["atftpd (static files)"] = (atftpd(static, port, len(macs)), BASE, port)
    clients = [[f"pxelinux.cfg/01-{m.replace(':', '-')}", "pxelinux.0"] for m in macs]
    print(
        f"TFTP boot storm: {len(macs)} clients, each a menu and a 40 KB pxelinux.0, "
        f"{args.rounds} interleaved rounds, client in {args.processes} process(es)"
    )
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    figures: dict[str, list[tuple[float, float]]] = {label: [] for label in servers}
    processes = {}
    try:
        for label, (command, cwd, _) in servers.items():
            processes[label] = subprocess.Popen(command, cwd=cwd, stderr=subprocess.DEVNULL)
        for _, _, port in servers.values():
            wait_udp(port)
        time.sleep(args.settle)  # a server that renders ahead has done so
        for number in range(1, args.rounds + 1):
            for label, (_, _, port) in servers.items():
                pid = processes[label].pid
                cpu = server_cpu(pid)
                results = _tftpload.storm(port, clients, args.processes)
                cpu = server_cpu(pid) - cpu
                figures[label].append(round_line(number, label, results, cpu))
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(10)
    print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("  median (min-max) over the rounds:")
    for label, rounds in figures.items():
        rates, p95s = [r for r, _ in rounds], [q for _, q in rounds]
        print(
            f"  {label:26} {statistics.median(rates):6.0f} ({min(rates):.0f}-{max(rates):.0f})"
            f" menus/s   p95 {statistics.median(p95s):5.0f} ({min(p95s):.0f}-{max(p95s):.0f}) ms"
        )


def round_line(
    number: int, label: str, results: list[_tftpload.StormResult], server_cpu: float
) -> tuple[float, float]:
    """Print one storm's figures; (menus per second, p95 ms)."""
    all_times = [t for r in results for t in r.times]
    times = [t for t in all_times if t is not None]
    wall = max(r.ended for r in results) - min(r.started for r in results)
    for result in results:
        if result.contents:
            menu, binary = result.contents.values()
            assert menu.startswith(b"DEFAULT ") and binary == PXELINUX, menu[:80]
    rate, p95 = len(times) / wall, p(times, 95) * 1000
    print(
        f"  {number}. {label:26} {rate:6.0f} menus/s  wall {wall:5.2f} s  p50 "
        f"{p(times, 50) * 1000:5.0f} ms  p95 {p95:5.0f} ms  restarted "
        f"{sum(r.restarts for r in results)}  failed {len(all_times) - len(times)}  "
        f"CPU s: server {server_cpu:4.2f} client {sum(r.cpu for r in results):4.2f}"
    )
    return rate, p95


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
    parser.add_argument("--rounds", type=int, default=5, help="storms per server, interleaved")
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument(
        "--baseline-rev",
        action="append",
        default=[],
        help="also run lntftpd as it was at this git revision, interleaved (repeatable)",
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds between start and the first storm"
    )
    parser.add_argument("--no-http", action="store_true", help="skip menuserver's figures")
    args = parser.parse_args()
    if shutil.which("atftpd") is None:
        raise SystemExit("atftpd is not installed (scripts/setup installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        etc, root, macs = make_tree(Path(tmp), args.clients)
        tftp_figures(Path(tmp), etc, root, macs, args)
        if not args.no_http:
            http_figures(etc, root, macs)


if __name__ == "__main__":
    main()
