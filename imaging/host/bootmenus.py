"""Boot menus kept in memory between requests, so a boot storm's thousand menus are ready
before it starts (docs/boot-services.md).

A menu is kept with the stamp (inode, mtime, size) of every file and folder its render read:
the client's own mirror file, the type's variable definitions, any other entity or listing
the template read, and the template file. A request stats those few paths and renders again
when one changed, so a changed mirror or template counts at the next request. A folder's or
file's mtime moves only by the clock's coarse tick, so a menu that read something changed
within the last 2 s is not kept: it is rendered again at each request until that settles."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from entities.mirror import VAR_DEFS_DIR

from .bootclients import (
    BOOT_TYPES,
    RECENT_NS,
    TEMPLATE_DIR,
    BootClient,
    BootError,
    ClientIndex,
    Stamp,
    file_stamp,
    render_menu,
)

log = logging.getLogger("labnet.boot")
MAX_MENUS = 65536  # at most this many menus are kept (one per client and template)


@dataclass(frozen=True)
class _Menu:
    client: BootClient
    files: tuple[tuple[Path, Stamp], ...]
    menu: bytes


class MenuCache:
    """The menus of host's clients rendered from the index's mirror; safe to share between
    threads."""

    def __init__(self, index: ClientIndex, boot_dir: Path, host: str):
        self.index, self.boot_dir, self.host = index, boot_dir, host
        self._lock = threading.Lock()
        self._menus: dict[tuple[str, str, str, str], _Menu] = {}
        self._mirror: tuple[Stamp, ...] | None = None

    def menu(self, client: BootClient, variable: str, template: str = "") -> bytes:
        """What render_menu(index, boot_dir, host, client, variable, template) gives, from
        memory while none of the files it read changed."""
        key = (client.entity_type, client.name, variable, template)
        with self._lock:
            held = self._menus.get(key)
        if held and held.client == client and all(file_stamp(p) == s for p, s in held.files):
            return held.menu
        return self._render(key, client, variable, template)

    def _render(
        self, key: tuple[str, str, str, str], client: BootClient, variable: str, template: str
    ) -> bytes:
        name = template or (
            client.menu_template if variable == "menu_template" else client.ipxe_menu
        )
        template_path = self.boot_dir / TEMPLATE_DIR / name
        template_stamp = file_stamp(template_path) if name and "/" not in name else None
        source = self.index.source()
        menu = render_menu(
            self.index, self.boot_dir, self.host, client, variable, template, source=source
        )
        files = {**source.files, template_path: template_stamp}
        settled = time.time_ns() - RECENT_NS
        if all(s is not None and s[1] < settled for s in files.values()):
            with self._lock:
                if len(self._menus) >= MAX_MENUS:
                    self._menus.clear()
                self._menus[key] = _Menu(client, tuple(files.items()), menu)
        return menu

    def mirror_changed(self) -> bool:
        """Whether the client folders, the variable definitions or the templates changed
        since the last call (a folder's stamp moves when a file is renamed into it)."""
        etc = self.index.etc
        paths = [etc / t for t in BOOT_TYPES] + [etc / VAR_DEFS_DIR, self.boot_dir / TEMPLATE_DIR]
        now = tuple(file_stamp(p) for p in paths)
        recent = time.time_ns() - RECENT_NS
        changed = now != self._mirror or any(s and s[1] > recent for s in now)
        self._mirror = now
        return changed

    def render_ahead(self) -> Iterator[str]:
        """Render each served client's menu not already held, yielding its name after each
        so a server can answer requests in between; a client whose menu fails is skipped
        (its request will get the error)."""
        for client in self.index.clients():
            if client.served_by(self.host) and client.menu_template:
                try:
                    self.menu(client, "menu_template")
                except BootError:
                    pass
                except Exception:  # a surprise in one menu must not stop the others
                    log.exception("rendering ahead the menu of client %s", client.name)
                yield client.name
