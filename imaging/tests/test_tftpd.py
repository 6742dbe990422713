"""lntftpd with real TFTP clients (tftp-hpa, curl, atftp) and with bad input on a raw
socket: the right menu for each client, plain files byte for byte, and a clear error for
each bad request while the server goes on serving the others."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from imaging.host.bootfiles import boot_dir
from imaging.tests.bootsupport import PXELINUX, boot_tree, running_tftpd, set_value
from testing.live import free_port, wait_for

HOGWARTS_MAC = "02-00-5E-10-00-6E"  # a client of odie (linux_template)
HOGWARTS_MENU = (
    "DEFAULT bzImage.P4-2.6.38-gentoo-r2\n"
    "APPEND root=/dev/nfs init=/etc/rc.d/rc.preinit.moreminimal nfsroot=/diskless/rootfs,v3 "
    "ip=dhcp softlevel=ipsec"
)


def needs(program: str):
    return pytest.mark.skipif(shutil.which(program) is None, reason=f"{program} not installed")


@pytest.fixture
def tree(tmp_path):
    return boot_tree(tmp_path)


@pytest.fixture
def odie(tree):
    etc, root = tree
    with running_tftpd("odie", etc, root) as (port, seen):
        yield port, seen


def ask(port: int, packet: bytes) -> tuple[int, int, bytes]:
    """Send one packet to lntftpd, return the first answer's opcode, number and rest."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(packet, ("127.0.0.1", port))
        answer, _ = s.recvfrom(70000)
    opcode, number = struct.unpack("!HH", answer[:4])
    return opcode, number, answer[4:]


def rrq(name: str, mode: str = "octet", **options: str) -> bytes:
    fields = [name, mode] + [x for kv in options.items() for x in kv]
    return b"\0\1" + b"".join(f.encode() + b"\0" for f in fields)


def refused(port: int, packet: bytes) -> tuple[int, str]:
    opcode, code, rest = ask(port, packet)
    assert opcode == 5, f"expected an ERROR, got opcode {opcode}"
    return code, rest.rstrip(b"\0").decode()


@needs("tftp")
def test_tftp_hpa_gets_a_clients_menu_by_mac_and_pxelinux_byte_for_byte(odie, tmp_path):
    port, seen = odie
    menu, binary = tmp_path / "menu", tmp_path / "pxelinux.0"
    for name, out in ((f"pxelinux.cfg/01-{HOGWARTS_MAC}", menu), ("pxelinux.0", binary)):
        subprocess.run(
            ["tftp", "-m", "binary", "127.0.0.1", str(port), "-c", "get", name, str(out)],
            check=True,
            timeout=30,
            cwd=tmp_path,
        )
    assert menu.read_text() == HOGWARTS_MENU
    assert binary.read_bytes() == PXELINUX
    assert seen[0][2].name == "hogwarts"


@needs("curl")
def test_curl_gets_a_menu_by_hex_ip_and_exit_68_for_an_unknown_file(odie):
    port, _ = odie
    url = f"tftp://127.0.0.1:{port}"
    # hogwarts is 192.0.2.110: C000026E
    got = subprocess.run(
        ["curl", "-sS", f"{url}/pxelinux.cfg/C000026E"], capture_output=True, timeout=30
    )
    assert got.returncode == 0 and got.stdout.decode() == HOGWARTS_MENU
    missing = subprocess.run(
        ["curl", "-sS", f"{url}/vmlinuz.none"], capture_output=True, timeout=30
    )
    assert missing.returncode == 68
    plain = subprocess.run(
        ["curl", "-sS", f"{url}/pxelinux.cfg/default"], capture_output=True, timeout=30
    )
    assert plain.stdout == b"DEFAULT local\n"


@needs("atftp")
def test_atftp_with_a_large_block_size_and_netascii(odie, tmp_path):
    port, _ = odie
    out = tmp_path / "p0"
    subprocess.run(
        [
            "atftp",
            "--option",
            "blksize 1432",
            "--option",
            "tsize 0",
            "-g",
            "-r",
            "pxelinux.0",
            "-l",
            str(out),
            "127.0.0.1",
            str(port),
        ],
        check=True,
        timeout=30,
    )
    assert out.read_bytes() == PXELINUX
    opcode, block, payload = ask(port, rrq(f"pxelinux.cfg/01-{HOGWARTS_MAC}", "netascii"))
    assert (opcode, block) == (3, 1)
    assert payload == HOGWARTS_MENU.replace("\n", "\r\n").encode()


def test_a_menu_by_its_template_name_from_a_clients_address(tree):
    etc, root = tree
    set_value(etc, "client/hogwarts", "ip_address", "127.0.0.1")
    with running_tftpd("odie", etc, root) as (port, _):
        for name in ("linux_template", "template/linux_template"):
            opcode, _, payload = ask(port, rrq(name))
            assert opcode == 3 and payload.decode() == HOGWARTS_MENU


def test_a_changed_mirror_and_template_count_at_the_next_request(tree, odie):
    etc, root = tree
    port, _ = odie
    assert ask(port, rrq(f"pxelinux.cfg/01-{HOGWARTS_MAC}"))[2].decode() == HOGWARTS_MENU
    set_value(etc, "client/hogwarts", "kernel", "bzImage.new-6.1")
    assert b"DEFAULT bzImage.new-6.1\n" in ask(port, rrq(f"pxelinux.cfg/01-{HOGWARTS_MAC}"))[2]
    set_value(etc, "client/hogwarts", "mac_address", "02:00:5e:10:00:99")
    assert refused(port, rrq(f"pxelinux.cfg/01-{HOGWARTS_MAC}"))[0] == 1
    assert b"bzImage.new-6.1" in ask(port, rrq("pxelinux.cfg/01-02-00-5e-10-00-99"))[2]
    template = boot_dir(root) / "template" / "linux_template"
    template.write_text("<Template>\nLABEL <self/>\n</Template>")
    assert ask(port, rrq("pxelinux.cfg/01-02-00-5e-10-00-99"))[2] == b"LABEL hogwarts"


def test_bad_requests_get_a_clear_error_and_the_server_goes_on(tree, odie):
    etc, root = tree
    port, _ = odie
    boot = boot_dir(root)
    (boot / "passwd").symlink_to("/etc/passwd")
    (boot / "template" / "broken").write_text("<Template>\n<varVal>kernel</varVal>\n<nope/>\n")
    set_value(etc, "client/jay", "menu_template", "broken")
    set_value(etc, "client/plover", "menu_template", "")
    macs = {n: _mac(etc, n) for n in ("jay", "plover", "hawk", "puffin")}
    set_value(etc, "client/puffin", "menu_template", "linux_template")
    assert ask(port, rrq(f"pxelinux.cfg/01-{macs['puffin']}"))[0] == 3
    puffin = etc / "client" / "puffin"
    puffin.write_bytes(puffin.read_bytes()[:300])  # half-written, in place
    cases = [
        (b"\0\1pxelinux.0", 4, "NUL"),
        (b"\0\7junk\0", 4, "opcode 7"),
        (b"\0", 4, "shorter"),
        (b"\0\1" + b"a" * 1100 + b"\0octet\0", 4, "longer than 1024"),
        (rrq("pxelinux.0", "mail"), 4, "mode 'mail'"),
        (rrq("pxelinux.0", blksize="7"), 8, "blksize '7' is outside 8-65464"),
        (rrq("pxelinux.0", blksize="65465"), 8, "outside"),
        (rrq("pxelinux.0", timeout="0"), 8, "timeout '0' is outside 1-255"),
        (rrq("pxelinux.0", tsize="12"), 8, "tsize"),
        (b"\0\2pxelinux.0\0octet\0", 2, "writes are refused"),
        (rrq("../../etc/passwd"), 2, "leaves the boot directory"),
        (rrq("passwd"), 2, "leads out of the boot directory"),
        (rrq("template"), 1, "no such file"),
        (rrq("pxelinux.cfg/01-zz-00-5e-10-00-6e"), 2, "is not a MAC address"),
        (rrq("pxelinux.cfg/01-02-00-5e-10-00-00"), 1, "no client has MAC 02:00:5e:10:00:00"),
        (rrq(f"pxelinux.cfg/01-{macs['hawk']}"), 2, "client hawk is not served by odie"),
        (rrq(f"pxelinux.cfg/01-{macs['plover']}"), 1, "client plover has no menu_template"),
        (rrq(f"pxelinux.cfg/01-{macs['jay']}"), 0, "client jay failed: template/broken:"),
        (rrq(f"pxelinux.cfg/01-{macs['puffin']}"), 0, "client puffin: mirror file is unreadable"),
    ]
    for packet, code, text in cases:
        got_code, message = refused(port, packet)
        assert (got_code, text in message) == (code, True), (packet[:40], message)
    assert ask(port, rrq(f"pxelinux.cfg/01-{HOGWARTS_MAC}"))[2].decode() == HOGWARTS_MENU


def _mac(etc: Path, client: str) -> str:
    text = (etc / "client" / client).read_text()
    start = text.index(">", text.index("<value", text.index('"mac_address"'))) + 1
    return text[start : start + 17].replace(":", "-")


def test_a_block_not_acknowledged_is_sent_again_and_acks_walk_the_file(odie):
    port, _ = odie
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(rrq("pxelinux.0", blksize="8192"), ("127.0.0.1", port))
        oack, server = s.recvfrom(100)
        assert oack == b"\0\6blksize\08192\0"
        s.sendto(struct.pack("!HH", 4, 0), server)
        first, _ = s.recvfrom(9000)
        again, _ = s.recvfrom(9000)  # no ACK: the timer resends block 1
        assert first == again and first[:4] == b"\0\3\0\1"
        received = first[4:]
        block = 1
        while True:
            s.sendto(struct.pack("!HH", 4, block), server)
            packet, _ = s.recvfrom(9000)
            if struct.unpack("!H", packet[2:4])[0] == block:
                continue  # a resend that crossed our ACK
            block += 1
            received += packet[4:]
            if len(packet) - 4 < 8192:
                break
        s.sendto(struct.pack("!HH", 4, block), server)
    assert received == PXELINUX


@needs("tftp")
def test_python_m_workers_host_tftpd(tree, tmp_path):
    etc, root = tree
    port = free_port()
    command = [
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
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        out = tmp_path / "menu"

        def fetched() -> bool:
            subprocess.run(
                [
                    "tftp",
                    "-m",
                    "binary",
                    "127.0.0.1",
                    str(port),
                    "-c",
                    "get",
                    f"pxelinux.cfg/01-{HOGWARTS_MAC}",
                    str(out),
                ],
                timeout=30,
                cwd=tmp_path,
                capture_output=True,
            )
            return out.exists() and out.stat().st_size > 0

        wait_for(fetched, 30, "lntftpd to answer")
        assert out.read_text() == HOGWARTS_MENU
    finally:
        server.terminate()
        server.wait(10)
