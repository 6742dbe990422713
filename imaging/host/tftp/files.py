"""What lntftpd sends for a file name: a client's menu rendered from its template, or a plain
file of the boot directory (guide 2.8, DESIGN.md contract 5)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..bootclients import TEMPLATE_DIR, BootClient, ClientIndex, hex_ip, render_menu
from ..bootfiles import clean_name, open_boot_file

CONFIG_DIR = "pxelinux.cfg/"


@dataclass
class Content:
    """The bytes of one transfer: held in memory (a menu), or read from an open file."""

    size: int
    memory: bytes | None = None
    fd: int | None = None

    def read(self, offset: int, length: int) -> bytes:
        if self.memory is not None:
            return self.memory[offset : offset + length]
        assert self.fd is not None
        return os.pread(self.fd, length, offset)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def in_memory(data: bytes) -> Content:
    return Content(len(data), memory=data)


class TftpFiles:
    """The boot directory of host, with menus rendered from the mirror at etc."""

    def __init__(self, host: str, etc: Path, boot_dir: Path, index: ClientIndex | None = None):
        self.host, self.etc, self.boot_dir = host, etc, boot_dir
        self.index = index or ClientIndex(etc)

    def open(self, name: str, peer_ip: str) -> tuple[Content, BootClient | None]:
        """The content for a read of name by peer_ip, and the client it was rendered for."""
        relative = clean_name(name)
        client, template = self._menu_request(relative, peer_ip)
        if client is not None:
            menu = render_menu(
                self.index, self.boot_dir, self.host, client, "menu_template", template
            )
            return in_memory(menu), client
        fd, size = open_boot_file(self.boot_dir, relative)
        return Content(size, fd=fd), None

    def _menu_request(self, relative: str, peer_ip: str) -> tuple[BootClient | None, str]:
        """The client whose menu this read asks for and the template to render ('' for its
        menu_template); (None, '') for a plain file."""
        if relative.lower().startswith(CONFIG_DIR):
            leaf = relative[len(CONFIG_DIR) :]
            if leaf.lower().startswith("01-"):
                return self.index.by_mac(leaf[3:]), ""
            if (ip := hex_ip(leaf)) and (client := self.index.by_ip(ip)):
                return client, ""
            return None, ""
        template = relative.removeprefix(TEMPLATE_DIR + "/")
        if "/" in template or not (self.boot_dir / TEMPLATE_DIR / template).is_file():
            return None, ""
        # The menu_template given as the DHCP config file name, read by a client's address.
        return self.index.by_ip(peer_ip), template
