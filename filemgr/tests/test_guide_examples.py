"""The guide's own templates (instances in demo/files) give the guide's own output."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from filemgr.templating import MirrorSource, SnapshotSource, compile_template

from .conftest import CAMPUS, DEMO_FILES, write_mirror

HEADER = (
    "# This file was generated automatically by the program:\n"
    "# /usr/local/sbin/lnsysconfigd\n"
    "# and should not be modified directly.\n"
    "\n"
    "# Login access control table.\n"
    "\n"
)
BOOT_MENU = (
    "DEFAULT bzImage.P4-2.6.38-gentoo-r2\n"
    "APPEND root=/dev/nfs init=/etc/rc.d/rc.preinit.moreminimal nfsroot=/diskless/rootfs,v3"
    " ip=dhcp {}softlevel=ipsec"
)
IPXE_MENU = """#!ipxe
echo IP address: ${net0/ip} ; echo Subnet mask: ${net0/netmask}
set next-server 134.153.48.11
imgfetch pxelinux.0
kernel pxelinux.0
set root-path "/diskless/rootfs"
imgfetch win7boot
imgfree win7boot
set initiator-iqn iqn.1989-06.ca.mun.cs.rook:system-disk
set username iqn.1989-06.ca.mun.cs.rook:system-disk
set password rookiscsipas
set keep-san 1
sanhook iscsi:134.153.48.11::::iqn.1989-06.ca.mun.cs.megatron:cs-lab:rook
boot
"""
LINUX_CHOICE = """
LABEL gentoo
MENU LABEL Gentoo Linux
KERNEL bzImage.noarch-3.7.2-gentoo
APPEND root=/dev/nfs init=/etc/rc.d/rc.preinit.moreminimal nfsroot=/diskless/rootfs,v3 \
ip=dhcp softlevel=ipsec-win
"""
WINDOWS_CHOICE = """
LABEL window7
MENU LABEL Microsoft Windows 7
LOCALBOOT 0
"""
PXELINUX_MENU = """UI vesamenu.c32
MENU TITLE Operating System Choices
MENU BACKGROUND images/image.png
MENU NOTABMSG Use arrow keys to select choice and press ENTER key
TIMEOUT 100
"""


def render_demo(name: str, source, host: str, entity_type: str | None = None) -> str:
    path = DEMO_FILES / name
    return compile_template(path.read_bytes(), str(path)).render(source, host, entity_type)


@pytest.fixture(params=["mirror", "snapshot"])
def source(request, tmp_path: Path):
    directory = write_mirror(tmp_path / "mirror")
    return MirrorSource(directory) if request.param == "mirror" else SnapshotSource(CAMPUS)


def test_access_conf_from_the_access_table(source):
    # The guide prints these lines without the space that follows each empty location.
    expected = HEADER + "+: root wheel: LOCAL\n+: pbonnah: \n+: bkupclient: \n"
    assert render_demo("access.conf/mun@site_server", source, "odie", "server") == expected


def test_access_conf_defaults_without_an_access_table(source):
    expected = HEADER + "+: root wheel: LOCAL .cs.mun.ca\n-: ALL: ALL\n"
    assert render_demo("access.conf/mun@site_server", source, "megatron", "server") == expected


def test_access_conf_deny_rows():
    data = copy.deepcopy(CAMPUS)
    data["server"]["odie"]["access_perm"][1] = "deny"
    data["server"]["odie"]["access_perm"][2] = "neither"
    expected = HEADER + "+: root wheel: LOCAL\n-: pbonnah: \n"
    assert render_demo("access.conf/mun@site_server", SnapshotSource(data), "odie") == expected


def test_boot_menu_for_hogwarts(source):
    assert render_demo("linux_template/mun@site_server", source, "hogwarts") == BOOT_MENU.format("")


def test_boot_menu_with_boot_options():
    data = copy.deepcopy(CAMPUS)
    data["client"]["hogwarts"]["bootOptions"] = ["quiet"]
    rendered = render_demo(
        "linux_template/mun@site_server", SnapshotSource(data), "hogwarts", "client"
    )
    assert rendered == BOOT_MENU.format("quiet ")


def test_ipxe_menu_for_rook(source):
    assert render_demo("ipxe_template/cs@dept_server", source, "rook") == IPXE_MENU


def test_pxelinux_menu_for_rook_lists_windows_first(source):
    expected = PXELINUX_MENU + WINDOWS_CHOICE + LINUX_CHOICE
    assert render_demo("winlin_template/cs@dept_server", source, "rook") == expected


def test_pxelinux_menu_linux_first_and_linux_only():
    data = copy.deepcopy(CAMPUS)
    data["client"]["rook"]["menu_template"] = ["linwin_template"]
    expected = PXELINUX_MENU + LINUX_CHOICE + WINDOWS_CHOICE
    assert render_demo("winlin_template/cs@dept_server", SnapshotSource(data), "rook") == expected
    del data["client"]["rook"]["windowsImage"]
    expected = PXELINUX_MENU + LINUX_CHOICE
    assert render_demo("winlin_template/cs@dept_server", SnapshotSource(data), "rook") == expected
