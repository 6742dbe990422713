"""The storage interface in memory, for tests of the Windows 7 appserver's planning,
syncimage and upkeep (the real lvm2 and LIO run in the QEMU guest, test_iscsi_guest.py).
With a directory, each volume is a sparse file there, so what syncimage writes lands on
"disk" and a COW starts as a copy of its master."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from entities.mirror import MirrorEntity, MirrorValue, entity_xml
from imaging.host.iscsi.planning import CachePlan
from imaging.host.iscsi.storage import Export, Storage, StorageError, Target, Volume


class MemoryVolumes:
    def __init__(self, free: int, directory: Path | None = None):
        self.free = free
        self.directory = directory
        self.held: dict[str, Volume] = {}
        self.created = datetime.now(UTC)
        self.cache: CachePlan | None = None

    def ensure_cache(self, plan: CachePlan | None) -> str:
        if plan is None or plan == self.cache:
            return ""
        self.cache = plan
        return f"cached by {plan.ssd or f'{plan.ram_kib} KiB of RAM'}"

    def _path(self, name: str) -> str:
        return str(self.directory / name) if self.directory else f"/dev/vg2/{name}"

    def volumes(self, written: bool = False) -> list[Volume]:
        return list(self.held.values())

    def free_bytes(self) -> int:
        return self.free

    def create_master(self, name: str, size: int) -> Volume:
        if name in self.held:
            raise StorageError(f"volume {name} exists")
        self.held[name] = Volume(
            name, size, reserved=size, path=self._path(name), created=self.created.isoformat()
        )
        if self.directory:
            with open(self._path(name), "wb") as sparse:
                sparse.truncate(size)
        return self.held[name]

    def resize_master(self, name: str, size: int) -> Volume:
        self.held[name] = replace(self.held[name], size=size, reserved=size)
        if self.directory:
            with open(self._path(name), "r+b") as sparse:
                sparse.truncate(size)
        return self.held[name]

    def create_cow(self, name: str, master: str, cow_size: int) -> Volume:
        if name in self.held:
            raise StorageError(f"volume {name} exists")
        self.held[name] = Volume(
            name,
            cow_size,
            origin=master,
            cow_size=cow_size,
            reserved=cow_size,
            path=self._path(name),
            created=self.created.isoformat(),
        )
        if self.directory:
            shutil.copyfile(self._path(master), self._path(name))
        return self.held[name]

    def remove(self, name: str) -> None:
        if any(v.origin == name for v in self.held.values()):
            raise StorageError(f"volume {name} has snapshots")
        del self.held[name]
        if self.directory:
            Path(self._path(name)).unlink()


class MemoryTargets:
    def __init__(self) -> None:
        self.held: dict[str, Export] = {}
        self.sessions: dict[str, tuple[str, ...]] = {}
        self.fail_after_creating = False

    def targets(self) -> list[Target]:
        return [
            Target(e.target_iqn, e.device, (e.initiator_iqn,), self.sessions.get(e.target_iqn, ()))
            for e in self.held.values()
        ]

    def export(self, export: Export) -> Target:
        if export.target_iqn in self.held:
            raise StorageError(f"target {export.target_iqn} exists")
        self.held[export.target_iqn] = export
        if self.fail_after_creating:  # half made, as LIO may leave it
            raise StorageError(f"target {export.target_iqn}: no portal")
        return self.targets()[-1]

    def remove(self, iqn: str) -> None:
        self.held.pop(iqn, None)


def memory_storage(free: int, directory: Path | None = None) -> Storage:
    return Storage(MemoryVolumes(free, directory), MemoryTargets())


def write_entity(etc: Path, entity_type: str, name: str, **variables: str | list[str]) -> None:
    """One entity file of an XML mirror; a list is a multi-valued or table column."""
    values = {}
    for variable, value in variables.items():
        texts = value if isinstance(value, list) else [value]
        values[variable] = [MirrorValue(i + 1, t) for i, t in enumerate(texts)]
    folder = etc / entity_type
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(entity_xml(MirrorEntity(entity_type, name, values)))
