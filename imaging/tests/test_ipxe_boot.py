"""A real PXE client: QEMU's own iPXE ROM boots, takes its menu from lntftpd by its MAC and
its iPXE script from menuserver, both started as `python -m workers.host` programs. Inside
QEMU's user network the host's loopback is 10.0.2.2."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from imaging.host.bootfiles import boot_dir
from imaging.tests.bootsupport import boot_tree, set_value
from testing.live import free_port, wait_for

QEMU = shutil.which("qemu-system-x86_64")
MAC = "02:00:5e:10:00:6e"  # hogwarts, a client of odie
# What iPXE runs: a pxelinux menu cannot run in iPXE, so this test's menu_template renders an
# iPXE script; both templates print what only hogwarts' entity holds. The sleep lets the
# serial line drain before reboot ends QEMU.
TFTP_MENU = """<Template>
<literal>#!ipxe</literal>
echo tftp menu of <self/>, kernel <varVal>kernel</varVal>
chain http://10.0.2.2:HTTP_PORT/ipxe?mac=${net0/mac}
</Template>
"""
IPXE_MENU = """<Template>
<literal>#!ipxe</literal>
echo ipxe script of <self/> in room <varVal>room</varVal>
sleep 1
reboot
</Template>
"""
FIRST_SCRIPT = """#!ipxe
dhcp
chain tftp://10.0.2.2:TFTP_PORT/pxelinux.cfg/01-${net0/mac:hexhyp}
"""


@pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 not installed")
def test_ipxe_in_qemu_boots_to_its_own_menu_and_script(tmp_path):
    etc, root = boot_tree(tmp_path)
    tftp_port, http_port = free_port(), free_port()
    templates = boot_dir(root) / "template"
    (templates / "qemu_menu").write_text(TFTP_MENU.replace("HTTP_PORT", str(http_port)))
    (templates / "qemu_ipxe").write_text(IPXE_MENU)
    set_value(etc, "client/hogwarts", "menu_template", "qemu_menu")
    set_value(etc, "client/hogwarts", "ipxe_menu", "qemu_ipxe")
    qemu_tftp = tmp_path / "qemu-tftp"
    qemu_tftp.mkdir()
    (qemu_tftp / "first.ipxe").write_text(FIRST_SCRIPT.replace("TFTP_PORT", str(tftp_port)))
    common = ["odie", "--etc", str(etc), "--root", str(root), "--listen"]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "workers.host", program, *common, f"127.0.0.1:{port}"]
        )
        for program, port in (("tftpd", tftp_port), ("menuserver", http_port))
    ]
    try:
        wait_for(lambda: _listening(http_port), 30, "menuserver")
        boot = subprocess.run(
            [
                QEMU,
                "-accel",
                "tcg",
                "-nographic",
                "-m",
                "256",
                "-boot",
                "n,strict=on,reboot-timeout=0",
                "-no-reboot",
                "-nic",
                f"user,model=e1000,mac={MAC},tftp={qemu_tftp},bootfile=first.ipxe",
            ],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=180,
            stdin=subprocess.DEVNULL,
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    serial = boot.stdout
    assert "tftp menu of hogwarts, kernel bzImage.P4-2.6.38-gentoo-r2" in serial, serial[-2000:]
    assert "ipxe script of hogwarts in room EN1049" in serial, serial[-2000:]


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
