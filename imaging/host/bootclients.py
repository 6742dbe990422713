"""Which diskless client is asking, and the boot menu it gets: the part of lntftpd and
menuserver that reads the XML mirror (guide 2.8, 2.9 and 3.3.5). No database, no web server.

A boot storm asks for a thousand menus at once, so the index of clients by MAC and IP is
kept between requests and rebuilt only when the mirror's client folders change (the agent
replaces a mirror file by a rename, which gives it a new inode); the requesting client's
own file is re-read when it changed, so a change counts at the next request."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from entities.mirror import VAR_DEFS_DIR, MirrorError, read_entity_file
from filemgr.templating import MirrorSource, TemplateError, compile_template

log = logging.getLogger("labnet.boot")
T = TypeVar("T")

# The entity types that boot from an appserver: diskless clients, and standalone computers
# with a bootfile (the bootptab template serves both).
BOOT_TYPES = ("client", "standalone")
TEMPLATE_DIR = "template"  # <root>/diskless/boot/template/<menu_template> (guide 2.9)
MAX_TEMPLATE_BYTES = 1 << 20
RECENT_NS = 2_000_000_000
_MAC = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$")


NOT_FOUND, REFUSED, FAILED = "not found", "refused", "failed"


class BootError(Exception):
    """A request this appserver cannot answer; the message names the client or file at
    fault (never a value), kind says whether it is missing, refused or failed."""

    def __init__(self, message: str, kind: str = REFUSED):
        super().__init__(message)
        self.kind = kind


def normal_mac(text: str) -> str:
    """aa:bb:cc:dd:ee:ff from a MAC with colons, dashes or nothing between bytes, any case;
    BootError for anything else."""
    lowered = text.strip().lower()
    if len(lowered) > 17 or not _MAC.match(lowered):
        raise BootError(f"{text[:40]!r} is not a MAC address (aa:bb:cc:dd:ee:ff)")
    digits = re.sub(r"[:-]", "", lowered)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True)
class BootClient:
    """A computer an appserver boots, as its entity in the mirror describes it."""

    name: str
    entity_type: str
    mac: str
    ip: str
    server: str
    appserver: str
    bootfile: str
    menu_template: str
    ipxe_menu: str
    windows_image: str

    def served_by(self, host: str) -> bool:
        return host in (self.server, self.appserver)


def _first(variables: dict[str, list[str]], name: str) -> str:
    values = variables.get(name) or [""]
    return values[0].strip()


def _boot_client(entity_type: str, name: str, variables: dict[str, list[str]]) -> BootClient:
    try:
        mac = normal_mac(_first(variables, "mac_address"))
    except BootError:
        mac = ""
    return BootClient(
        name=name,
        entity_type=entity_type,
        mac=mac,
        ip=_first(variables, "ip_address"),
        server=_first(variables, "server"),
        appserver=_first(variables, "appserver"),
        bootfile=_first(variables, "bootfile"),
        menu_template=_first(variables, "menu_template"),
        ipxe_menu=_first(variables, "ipxe_menu"),
        windows_image=_first(variables, "windowsImage"),
    )


class ClientIndex:
    """The boot clients of the mirror at etc, found by MAC or IP; safe to share between
    threads."""

    def __init__(self, etc: Path):
        self.etc = etc
        self._lock = threading.Lock()
        self._files: dict[tuple[str, str], tuple[tuple[int, int, int], BootClient | None]] = {}
        self._listing: frozenset[tuple[str, str, int]] = frozenset()
        self._by_mac: dict[str, BootClient] = {}
        self._by_ip: dict[str, BootClient] = {}
        self._parsed = _ParsedFiles()
        self._dirs: tuple = ()

    def source(self) -> RequestSource:
        """A template source for one request."""
        return RequestSource(self.etc, self._parsed)

    def by_mac(self, mac: str) -> BootClient:
        """The client with this MAC (any accepted spelling); BootError if none."""
        wanted = normal_mac(mac)
        with self._lock:
            self._refresh()
            found = self._by_mac.get(wanted)
        if found is None:
            raise BootError(f"no client has MAC {wanted}", kind=NOT_FOUND)
        return self._fresh(found)

    def by_ip(self, ip: str) -> BootClient | None:
        """The client whose ip_address is ip, or None."""
        with self._lock:
            self._refresh()
            found = self._by_ip.get(ip)
        return self._fresh(found) if found else None

    def clients(self) -> list[BootClient]:
        with self._lock:
            self._refresh()
            return sorted(self._by_mac.values(), key=lambda c: c.name)

    def _fresh(self, client: BootClient) -> BootClient:
        """client as its file holds it now (it may have changed since the index was built)."""
        with self._lock:
            fresh = self._read(client.entity_type, client.name)
        if fresh is None:
            raise BootError(
                f"{client.entity_type} {client.name}: mirror file is unreadable", FAILED
            )
        return fresh

    def _refresh(self) -> None:
        # A folder's mtime moves when a file is renamed into it, but only by the clock's
        # coarse tick: a folder changed within the last RECENT seconds is listed every time.
        dirs = tuple(file_stamp(self.etc / t) for t in BOOT_TYPES)
        settled = all(d is None or time.time_ns() - d[1] > RECENT_NS for d in dirs)
        if settled and dirs == self._dirs:
            return
        self._dirs = dirs
        listing = []
        for entity_type in BOOT_TYPES:
            try:
                entries = list(os.scandir(self.etc / entity_type))
            except FileNotFoundError:
                continue
            listing += [(entity_type, e.name, e.inode()) for e in entries if e.name[0] != "."]
        current = frozenset(listing)
        if current == self._listing:
            return
        by_mac: dict[str, BootClient] = {}
        by_ip: dict[str, BootClient] = {}
        for entity_type, name, _ in sorted(current):
            client = self._read(entity_type, name)
            if client is None:
                continue
            if client.mac:
                by_mac.setdefault(client.mac, client)
            if client.ip:
                by_ip.setdefault(client.ip, client)
        known = {(t, n) for t, n, _ in current}
        self._files = {k: v for k, v in self._files.items() if k in known}
        self._listing, self._by_mac, self._by_ip = current, by_mac, by_ip

    def _read(self, entity_type: str, name: str) -> BootClient | None:
        """The client in one mirror file, re-read only when the file changed; None (logged
        once per version) when it is missing or not a whole entity file."""
        path = self.etc / entity_type / name
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._files.get((entity_type, name))
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            entity = read_entity_file(path)
            variables = {v: [x.text for x in values] for v, values in entity.variables.items()}
            client = _boot_client(entity_type, name, variables)
        except (MirrorError, OSError) as exc:
            log.error("skipping mirror file %s/%s: %s", entity_type, name, exc)
            client = None
        self._files[entity_type, name] = (stamp, client)
        return client


Stamp = tuple[int, int, int] | None  # (inode, mtime ns, size) of a file, None when missing


def file_stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class _ParsedFiles:
    """Mirror files parsed once per version, shared by every request's source."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parsed: dict[tuple, tuple[tuple, object]] = {}

    def get(
        self, key: tuple, paths: tuple[Path, ...], parse: Callable[[], T], seen: dict[Path, Stamp]
    ) -> T:
        """key's value parsed from paths, parsed again when one of them changed; seen gets
        each path's stamp (taken before a parse, so a change during it is seen next time)."""
        stamp = tuple(file_stamp(p) for p in paths)
        seen.update(zip(paths, stamp, strict=True))
        with self._lock:
            found = self._parsed.get(key)
        if found and found[0] == stamp:
            return found[1]  # type: ignore[return-value]
        value = parse()
        with self._lock:
            self._parsed[key] = (stamp, value)
        return value


class RequestSource(MirrorSource):
    """The mirror as one request reads it: each file is re-parsed only when it changed
    since an earlier request parsed it (a MirrorSource alone parses every file it reads
    once per source, and the type's variable definitions are most of a menu's cost)."""

    def __init__(self, directory: Path, parsed: _ParsedFiles):
        super().__init__(directory)
        self._parsed = parsed
        # Every file and folder this request's render read, with its stamp when read: a
        # menu kept in memory is good while they all still have these (MenuCache).
        self.files: dict[Path, Stamp] = {}

    def entity_names(self, entity_type: str) -> list[str]:
        self.files[self.directory / entity_type] = file_stamp(self.directory / entity_type)
        return super().entity_names(entity_type)

    def entity_types(self) -> list[str]:
        self.files[self.directory] = file_stamp(self.directory)
        return super().entity_types()

    def _read(self, entity_type: str, name: str):  # noqa: ANN202 (CachingSource's)
        paths = (self.directory / entity_type / name, self.directory / VAR_DEFS_DIR / entity_type)
        return self._parsed.get(
            ("entity", entity_type, name),
            paths,
            lambda: super(RequestSource, self)._read(entity_type, name),
            self.files,
        )

    def _read_table_columns(self, entity_type: str) -> dict[str, str]:
        path = self.directory / VAR_DEFS_DIR / entity_type
        return self._parsed.get(
            ("tables", entity_type),
            (path,),
            lambda: super(RequestSource, self)._read_table_columns(entity_type),
            self.files,
        )


def hex_ip(text: str) -> str | None:
    """The dotted address of pxelinux's 8-hex-digit config name (C000025B), or None."""
    if len(text) != 8:
        return None
    try:
        return str(ipaddress.IPv4Address(int(text, 16)))
    except ValueError:
        return None


def render_menu(
    index: ClientIndex,
    boot_dir: Path,
    host: str,
    client: BootClient,
    variable: str,
    template: str = "",
    source: RequestSource | None = None,
) -> bytes:
    """The template the client's variable (menu_template or ipxe_menu) names, or the one
    given, rendered for the client from the mirror (through source, when given, which then
    holds the mirror files it read); BootError naming the client and template otherwise."""
    if not client.served_by(host):
        raise BootError(f"client {client.name} is not served by {host}")
    name = template_name(client, variable, template)
    if not name:
        raise BootError(f"client {client.name} has no {variable}", kind=NOT_FOUND)
    text = read_template(boot_dir, name)
    filename = f"{TEMPLATE_DIR}/{name}"
    try:
        menu = compile_template(text, filename).render(
            source or index.source(), client.name, client.entity_type, filename
        )
    except TemplateError as exc:
        log.error("menu of client %s: template error %s", client.name, exc)
        raise BootError(f"menu of client {client.name} failed: {exc}", FAILED) from None
    except MirrorError as exc:
        log.error("menu of client %s: %s", client.name, exc)
        raise BootError(
            f"menu of client {client.name} failed: unreadable mirror file", FAILED
        ) from None
    return menu.encode()


def template_name(client: BootClient, variable: str, template: str = "") -> str:
    """The template a menu is rendered from: the one given, or the client's variable's."""
    return template or (client.menu_template if variable == "menu_template" else client.ipxe_menu)


def read_template(boot_dir: Path, name: str) -> bytes:
    """A menu template from the boot directory's template folder, by plain name."""
    if not name or "/" in name or name in (".", "..") or len(name) > 255:
        raise BootError(f"{name[:40]!r} is not a template name")
    path = boot_dir / TEMPLATE_DIR / name
    try:
        with open(path, "rb") as template:
            text = template.read(MAX_TEMPLATE_BYTES + 1)
    except (FileNotFoundError, IsADirectoryError):
        raise BootError(f"template {name} is not installed", kind=NOT_FOUND) from None
    if len(text) > MAX_TEMPLATE_BYTES:
        raise BootError(f"template {name} is larger than {MAX_TEMPLATE_BYTES} bytes", FAILED)
    return text
