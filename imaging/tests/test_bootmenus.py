"""Menus and boot files lntftpd keeps in memory: a changed mirror value, template, other
entity the template reads or boot file is served at the next request, and an unchanged menu
is not rendered again.

Files are aged (their mtime set a minute back) after each change, as on a server whose
mirror settled long before the boot storm: a file changed in the last 2 s is never kept, so
without aging these tests would not reach the kept copies at all."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from imaging.host import bootmenus
from imaging.host.bootclients import ClientIndex
from imaging.host.bootfiles import boot_dir
from imaging.host.bootmenus import MenuCache
from imaging.tests.bootsupport import PXELINUX, boot_tree, running_tftpd, set_value
from imaging.tests.test_tftpd import HOGWARTS_MAC, HOGWARTS_MENU, ask, rrq

MENU = rrq(f"pxelinux.cfg/01-{HOGWARTS_MAC}")


def age(*paths: Path) -> None:
    """Set the mtime of paths, and of every file and folder under them, a minute back."""
    past = time.time() - 60
    for path in paths:
        for item in [path, *path.rglob("*")]:
            os.utime(item, (past, past), follow_symlinks=False)


@pytest.fixture
def tree(tmp_path):
    etc, root = boot_tree(tmp_path)
    age(etc, root)
    return etc, root


def read_all(port: int, packet: bytes) -> bytes:
    """A whole octet read (blksize 512) from lntftpd, by hand."""
    data = b""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(packet, ("127.0.0.1", port))
        while True:
            packet, server = s.recvfrom(1000)
            assert packet[:2] == b"\0\3", packet
            data += packet[4:]
            s.sendto(b"\0\4" + packet[2:4], server)
            if len(packet) - 4 < 512:
                return data


def test_a_changed_value_template_or_boot_file_is_served_at_the_next_request(tree):
    etc, root = tree
    boot = boot_dir(root)
    template = boot / "template" / "linux_template"
    with running_tftpd("odie", etc, root) as (port, _):
        for _ in range(2):  # the second answer is the kept menu
            assert ask(port, MENU)[2].decode() == HOGWARTS_MENU
        set_value(etc, "client/hogwarts", "kernel", "bzImage.new-6.1")
        age(etc)
        assert ask(port, MENU)[2].startswith(b"DEFAULT bzImage.new-6.1\n")

        # Rewritten in place, same length: the size does not give it away, the mtime does.
        text = template.read_text()
        template.write_text(text.replace("DEFAULT", "default"))
        age(template)
        assert ask(port, MENU)[2].startswith(b"default bzImage.new-6.1\n")

        assert read_all(port, rrq("pxelinux.0")) == PXELINUX
        (boot / "pxelinux.0").write_bytes(PXELINUX[::-1])
        age(boot)
        assert read_all(port, rrq("pxelinux.0")) == PXELINUX[::-1]


def test_a_change_to_another_entity_the_template_reads_is_served_at_the_next_request(tree):
    etc, root = tree
    template = boot_dir(root) / "template" / "linux_template"
    template.write_text(
        "<Template>\nGW <varVal><type>domain</type><entity><varVal>domain</varVal></entity>"
        "gateway</varVal>\n</Template>"
    )
    set_value(etc, "domain/cs.example.edu", "gateway", "192.0.2.1")
    age(etc, root)
    with running_tftpd("odie", etc, root) as (port, _):
        assert ask(port, MENU)[2] == b"GW 192.0.2.1"
        assert ask(port, MENU)[2] == b"GW 192.0.2.1"
        set_value(etc, "domain/cs.example.edu", "gateway", "192.0.2.254")
        age(etc)
        assert ask(port, MENU)[2] == b"GW 192.0.2.254"


def test_an_unchanged_menu_is_rendered_once_and_a_fresh_change_every_time(tree, monkeypatch):
    etc, root = tree
    renders = []
    real = bootmenus.render_menu
    monkeypatch.setattr(
        bootmenus, "render_menu", lambda *a, **k: renders.append(1) or real(*a, **k)
    )
    index = ClientIndex(etc)
    menus = MenuCache(index, boot_dir(root), "odie")
    ahead = list(menus.render_ahead())
    assert "hogwarts" in ahead and len(renders) == len(ahead)
    hogwarts = index.by_mac(HOGWARTS_MAC)
    assert menus.menu(hogwarts, "menu_template").decode() == HOGWARTS_MENU
    assert len(renders) == len(ahead)  # kept since rendering ahead
    set_value(etc, "client/hogwarts", "kernel", "bzImage.new-6.1")  # changed just now
    for _ in range(2):  # not kept while the change is under 2 s old
        assert menus.menu(index.by_mac(HOGWARTS_MAC), "menu_template").startswith(
            b"DEFAULT bzImage.new-6.1\n"
        )
    assert len(renders) == len(ahead) + 2
