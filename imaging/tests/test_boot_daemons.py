"""The agent's job on an appserver keeps lntftpd and menuserver running as its children,
restarts one that dies, reports both and the requests they saw, and monitoring's daemon
category finds them by name. Each test runs the real programs on free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import struct
import urllib.request

import pytest

from filemgr.templating import MirrorSource
from imaging.host.bootclients import ClientIndex
from imaging.host.bootdaemons import BootDaemons
from imaging.host.bootrequests import TFTP, RequestLog, read_requests
from imaging.tests.bootsupport import boot_tree, set_value
from nms.host.agent import host_config
from nms.host.collectors import System
from nms.host.collectors.daemon import collect
from testing.live import free_port, wait_for

HOGWARTS_MAC = "02-00-5e-10-00-6e"


class Recorder:
    """The agent's API client as the job uses it: what was posted, by path."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []

    def post(self, path: str, body: dict) -> dict:
        self.posts.append((path, body))
        return {}


def lnappconf(etc, name: str, port: int) -> None:
    (etc / "lnappconf" / name).write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<entity type="lnappconf" name="{name}">\n'
        f'  <variable name="port">\n    <value indx="1">{port}</value>\n  </variable>\n'
        "</entity>\n"
    )


@pytest.fixture
def appserver(tmp_path):
    """odie's mirror with its ip 127.0.0.1 and each daemon on a free port, and its job."""
    etc, root = boot_tree(tmp_path)
    set_value(etc, "server/odie", "ip", "127.0.0.1")
    set_value(etc, "client/hogwarts", "ipxe_menu", "ipxe_template")
    ports = {"lntftpd": free_port(), "menuserver": free_port()}
    lnappconf(etc, "lntftpd", ports["lntftpd"])
    set_value(etc, "lnappconf/menuserver", "port", str(ports["menuserver"]))
    recorder = Recorder()
    daemons = BootDaemons("odie", etc, root, tmp_path / "state", recorder)
    yield daemons, ports, recorder, etc
    daemons.stop()


def tftp_read(port: int, name: str) -> bytes:
    """A whole octet read with the default block size."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(b"\0\1" + name.encode() + b"\0octet\0", ("127.0.0.1", port))
        data = b""
        while True:
            packet, peer = s.recvfrom(70000)
            opcode, block = struct.unpack("!HH", packet[:4])
            assert opcode == 3, packet
            data += packet[4:]
            s.sendto(struct.pack("!HH", 4, block), peer)
            if len(packet) - 4 < 512:
                return data


def answers(port: int) -> bool:
    try:
        return bool(tftp_read(port, "pxelinux.cfg/default"))
    except OSError:
        return False


def run_until(daemons: BootDaemons, predicate, what: str, timeout: float = 30):
    def checked():
        daemons.run()
        return predicate()

    return wait_for(checked, timeout, what)


def test_the_job_runs_both_daemons_restarts_a_killed_one_and_reports_it(appserver):
    daemons, ports, recorder, etc = appserver
    daemons.run()
    run_until(daemons, lambda: answers(ports["lntftpd"]), "lntftpd to answer")
    url = f"http://127.0.0.1:{ports['menuserver']}/ipxe?mac={HOGWARTS_MAC}"
    script = wait_for(lambda: _get(url), 30, "menuserver to answer")
    assert script.startswith("#!ipxe")

    # Monitoring's daemon category finds both by name.
    readings = collect(host_config(MirrorSource(etc), "odie"), System())
    states = {r.item: r.value for r in readings}
    assert states["lntftpd"] == "running" and states["menuserver"] == "running"

    first = daemons.children["lntftpd"].process.pid
    os.kill(first, signal.SIGKILL)
    run_until(
        daemons,
        lambda: daemons.children["lntftpd"].running()
        and daemons.children["lntftpd"].process.pid != first,
        "lntftpd to be restarted",
    )
    run_until(daemons, lambda: answers(ports["lntftpd"]), "the new lntftpd to answer")
    path, body = recorder.posts[-1]
    assert path == "imaging/boot/odie/"
    tftpd = next(d for d in body["daemons"] if d["daemon"] == "lntftpd")
    assert tftpd["state"] == "running" and tftpd["restarts"] == 1
    assert tftpd["exit_status"] == -signal.SIGKILL
    assert tftpd["listen"] == f"127.0.0.1:{ports['lntftpd']}"


def test_the_requests_the_daemons_saw_are_reported_once(appserver):
    daemons, ports, recorder, etc = appserver
    daemons.run()
    run_until(daemons, lambda: answers(ports["lntftpd"]), "lntftpd to answer")
    menu = tftp_read(ports["lntftpd"], f"pxelinux.cfg/01-{HOGWARTS_MAC}")
    assert b"DEFAULT bzImage.P4-2.6.38-gentoo-r2" in menu  # rendered for hogwarts
    wait_for(
        lambda: _get(f"http://127.0.0.1:{ports['menuserver']}/ipxe?mac={HOGWARTS_MAC}"),
        30,
        "menuserver to answer",
    )

    def reported() -> list[dict]:
        return [r for _, body in recorder.posts for r in body["requests"]]

    # The servers write what they saw every 5 s.
    run_until(
        daemons,
        lambda: {r["protocol"] for r in reported()} == {"tftp", "http"},
        "both requests to be reported",
        timeout=20,
    )
    rows = reported()
    assert {(r["client"], r["protocol"], r["path"]) for r in rows} >= {
        ("hogwarts", "tftp", f"pxelinux.cfg/01-{HOGWARTS_MAC}"),
        ("hogwarts", "http", "/ipxe"),
    }
    assert all(r["seen"] and r["peer"] == "127.0.0.1" for r in rows)
    before = len(rows)
    daemons.report(force=True)
    assert len(reported()) == before  # nothing sent twice


def test_a_host_that_is_no_appserver_runs_none_and_stops_them(appserver):
    daemons, ports, recorder, etc = appserver
    daemons.run()
    started = [c.process for c in daemons.children.values()]
    assert len(started) == 2
    odie = etc / "server" / "odie"
    (etc / "server" / ".new").write_text(odie.read_text().replace(">appserver<", ">nfs<"))
    (etc / "server" / ".new").replace(odie)  # as the agent writes the mirror
    daemons.run()
    assert daemons.children == {}
    assert all(p.poll() is not None for p in started)
    assert recorder.posts[-1][1]["daemons"] == []


def test_a_daemon_that_cannot_start_is_reported_with_its_last_words(appserver):
    daemons, ports, recorder, etc = appserver
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", ports["lntftpd"]))
        daemons.run()
        run_until(daemons, lambda: daemons.children["lntftpd"].restarts >= 1, "lntftpd to fail")
    tftpd = next(d for d in recorder.posts[-1][1]["daemons"] if d["daemon"] == "lntftpd")
    assert tftpd["state"] == "stopped" and tftpd["exit_status"] not in (0, None)
    # The bind's error (its words are asyncio's or uvloop's), naming the port taken.
    assert tftpd["problem"].startswith("OSError") and str(ports["lntftpd"]) in tftpd["problem"]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode()
    except OSError:
        return ""


def test_the_request_log_keeps_the_newest_per_client_and_finds_plain_reads_by_address(
    tmp_path,
):
    etc, _ = boot_tree(tmp_path)
    log = RequestLog(tmp_path / "requests.json", ClientIndex(etc), TFTP)
    hogwarts = ClientIndex(etc).by_mac(HOGWARTS_MAC)
    for i in range(25):
        log.record("192.0.2.200", f"menu{i}", hogwarts, None)
    log.record(hogwarts.ip, "pxelinux.0", None, None)  # a plain file: found by its address
    log.record("198.51.100.250", "pxelinux.0", None, "no such file")  # nobody's
    assert log.flush()
    rows = read_requests(tmp_path / "requests.json")
    assert [r["path"] for r in rows] == [f"menu{i}" for i in range(6, 25)] + ["pxelinux.0"]
    assert {r["client"] for r in rows} == {"hogwarts"}
    assert not log.flush()  # nothing new: nothing written
