"""What lntftpd sends for a file name: a client's menu rendered from its template, or a plain
file of the boot directory (guide 2.8, DESIGN.md contract 5)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..bootclients import RECENT_NS, TEMPLATE_DIR, BootClient, ClientIndex, hex_ip
from ..bootfiles import clean_name, open_boot_file
from ..bootmenus import MenuCache

CONFIG_DIR = "pxelinux.cfg/"
# Boot files up to this size are kept in memory, read once per version (inode, mtime, size):
# a storm reads the same pxelinux.0 a thousand times. Larger ones are read block by block.
MAX_KEPT_FILE = 8 << 20
MAX_KEPT = 64 << 20


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
        self.menus = MenuCache(self.index, boot_dir, host)
        self._kept: dict[str, tuple[tuple[int, int, int, int], bytes]] = {}

    def open(self, name: str, peer_ip: str) -> tuple[Content, BootClient | None]:
        """The content for a read of name by peer_ip, and the client it was rendered for."""
        relative = clean_name(name)
        client, template = self._menu_request(relative, peer_ip)
        if client is not None:
            return in_memory(self.menus.menu(client, "menu_template", template)), client
        return self._plain(relative), None

    def _plain(self, relative: str) -> Content:
        """A boot file: opened (and checked) at each request, its bytes kept in memory while
        it is the same file on disk and was not changed in the last 2 s."""
        fd, size = open_boot_file(self.boot_dir, relative)
        if size > MAX_KEPT_FILE:
            return Content(size, fd=fd)
        try:
            info = os.fstat(fd)
            stamp = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
            kept = self._kept.get(relative)
            if kept and kept[0] == stamp:
                return in_memory(kept[1])
            data = os.pread(fd, size + 1, 0)
        finally:
            os.close(fd)
        # Written to while we read it, or lately (an mtime moves by the clock's coarse tick):
        # served, not kept.
        if len(data) != size or time.time_ns() - info.st_mtime_ns < RECENT_NS:
            return in_memory(data)
        if sum(len(d) for _, d in self._kept.values()) + size > MAX_KEPT:
            self._kept.clear()
        self._kept[relative] = (stamp, data)
        return in_memory(data)

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
