"""What the iSCSI planning needs from the XML mirror: the appserver (its domain, image volume
group and WindowsImageTab), the configuration's IQN prefix (lnappconf menuserver), clients,
windowsImage entities and open wimpSessions. Entity files are re-read each call: a boot sees
the configuration as it is now."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from entities.mirror import MirrorError, read_entity_file

from .planning import (
    DIRECT_MODES,
    Appserver,
    CachePlan,
    IscsiClient,
    Refused,
    WindowsImage,
    cache_plan,
    parse_size,
)

SYNC_LOCKS = "run/labnet/syncimage"  # under --root: <image>.lock, held while syncing


class IscsiMirror:
    def __init__(self, etc: Path, host: str, root: Path):
        self.etc, self.host, self.root = Path(etc), host, Path(root)

    def _values(self, entity_type: str, name: str) -> dict[str, list[str]] | None:
        path = self.etc / entity_type / name
        if "/" in name or name in ("", ".", "..") or not path.is_file():
            return None
        try:
            entity = read_entity_file(path)
        except MirrorError as exc:
            raise Refused(f"{entity_type} {name}: unreadable mirror file ({exc})") from None
        return {v: [x.text.strip() for x in values] for v, values in entity.variables.items()}

    def _first(self, values: dict[str, list[str]], name: str) -> str:
        return (values.get(name) or [""])[0]

    def appserver(self) -> Appserver:
        values = self._values("server", self.host)
        if values is None:
            raise Refused(f"appserver {self.host} is not a server in the mirror")
        conf = self._values("lnappconf", "menuserver") or {}
        return Appserver(
            name=self.host,
            domain=self._first(values, "domain"),
            iqn_prefix=self._first(conf, "iqn_prefix"),
            image_vgroup=self._first(values, "iscsi_image_vgroup"),
            windows_images=tuple(v for v in values.get("wi_image", []) if v),
        )

    def appserver_volume_group(self) -> str:
        vg = self.appserver().image_vgroup
        if not vg:
            raise Refused(f"appserver {self.host} has no iscsi_image_vgroup")
        return vg

    def cache_plan(self) -> CachePlan | None:
        """The thin pool's cache: iscsi_cow_cache_dev, iscsi_image_size, iscsi_cow_cache_size."""
        values = self._values("server", self.host)
        if values is None:
            raise Refused(f"appserver {self.host} is not a server in the mirror")
        return cache_plan(
            self.host,
            self._first(values, "iscsi_image_size"),
            self._first(values, "iscsi_cow_cache_size"),
            self._first(values, "iscsi_cow_cache_dev"),
        )

    def client(self, name: str) -> IscsiClient:
        values = self._values("client", name)
        if values is None:
            raise Refused(f"client {name} is not a client in the mirror")
        if self.host not in (self._first(values, "server"), self._first(values, "appserver")):
            raise Refused(f"client {name} is not served by {self.host}")
        return IscsiClient(
            name=name,
            domain=self._first(values, "domain"),
            windows_image=self._first(values, "windowsImage"),
            iscsi_password=self._first(values, "iscsi_password"),
        )

    def images(self) -> dict[str, WindowsImage]:
        found = {}
        directory = self.etc / "windowsImage"
        names = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
        for name in names:
            values = self._values("windowsImage", name)
            if values is None:
                continue
            found[name] = WindowsImage(
                name=name,
                image_size=parse_size(
                    self._first(values, "imageLvSize"), f"image {name} imageLvSize"
                ),
                cow_size=parse_size(self._first(values, "cowLvSize"), f"image {name} cowLvSize"),
            )
        return found

    def wimp_sessions(self) -> frozenset[str]:
        """Images with an open wimpSession (the session entity is named after its image)."""
        directory = self.etc / "wimpSession"
        if not directory.is_dir():
            return frozenset()
        return frozenset(p.name for p in directory.iterdir() if not p.name.startswith("."))

    def session_clients(self) -> frozenset[str]:
        """The clients of open wimpSessions that boot the session's direct disk."""
        clients = set()
        for image in self.wimp_sessions():
            values = self._values("wimpSession", image) or {}
            if self._first(values, "mode") in DIRECT_MODES:
                clients.add(self._first(values, "client"))
        return frozenset(clients - {""})

    def syncing(self) -> frozenset[str]:
        """Images whose syncimage lock is held right now."""
        directory = self.root / SYNC_LOCKS
        if not directory.is_dir():
            return frozenset()
        held = set()
        for path in directory.glob("*.lock"):
            fd = os.open(path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                held.add(path.stem)
            finally:
                os.close(fd)
        return frozenset(held)
