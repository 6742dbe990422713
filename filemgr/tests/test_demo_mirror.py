"""The demo templates rendered from the demo campus (demo/mirror) give the guide's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from filemgr.templating import MirrorSource, SnapshotSource

from .test_guide_examples import (
    BOOT_MENU,
    HEADER,
    LINUX_CHOICE,
    PXELINUX_MENU,
    WINDOWS_CHOICE,
    render_demo,
)

DEMO_MIRROR = Path(__file__).resolve().parents[2] / "demo" / "mirror"
pytestmark = pytest.mark.skipif(not DEMO_MIRROR.is_dir(), reason="no demo/mirror")


@pytest.fixture
def demo() -> MirrorSource:
    return MirrorSource(DEMO_MIRROR)


def test_boot_menu_for_hogwarts_with_and_without_boot_options(demo):
    assert render_demo("linux_template/mun@site_server", demo, "hogwarts") == BOOT_MENU.format("")
    snapshot = SnapshotSource.from_mirror(DEMO_MIRROR)
    snapshot.data["client"]["hogwarts"]["bootOptions"] = ["quiet"]
    assert render_demo("linux_template/mun@site_server", snapshot, "hogwarts") == BOOT_MENU.format(
        "quiet "
    )


def test_ipxe_menu_for_rook(demo):
    lines = render_demo("ipxe_template/cs@dept_server", demo, "rook").splitlines()
    guide = [
        "echo IP address: ${net0/ip} ; echo Subnet mask: ${net0/netmask}",
        "imgfetch pxelinux.0",
        "kernel pxelinux.0",
        'set root-path "/diskless/rootfs"',
        "imgfetch win7boot",
        "imgfree win7boot",
        "set initiator-iqn iqn.1989-06.edu.example.cs.rook:system-disk",
        "set username iqn.1989-06.edu.example.cs.rook:system-disk",
        "set password rookiscsipas",
        "set keep-san 1",
    ]
    assert [line for line in lines if line in guide] == guide
    assert lines[0] == "#!ipxe" and lines[-1] == "boot"


def test_pxelinux_menu_for_rook(demo):
    expected = PXELINUX_MENU + WINDOWS_CHOICE + LINUX_CHOICE
    assert render_demo("winlin_template/cs@dept_server", demo, "rook") == expected


def test_access_conf_with_and_without_an_access_table(demo):
    rendered = render_demo("access.conf/mun@site_server", demo, "carme", "server")
    assert rendered.startswith(HEADER)
    lines = rendered[len(HEADER) :].splitlines()
    guide = ["+: root wheel: LOCAL", "+: pbonnah:", "+: bkupclient:"]
    assert [line[: len(g)] for line, g in zip(lines, guide, strict=False)] == guide
    assert render_demo("access.conf/mun@site_server", demo, "megatron", "server") == (
        HEADER + "+: root wheel: LOCAL .cs.example.edu\n-: ALL: ALL\n"
    )
