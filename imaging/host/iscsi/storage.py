"""The one storage interface of the Windows 7 appserver: volumes (masters and COW snapshots,
lvm.py) and iSCSI targets (lio.py). Everything above it (cow.py, syncimage, the agent's
report) speaks only these two Protocols, so a test can put a failing step between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from .planning import CachePlan


class StorageError(RuntimeError):
    """A volume or target operation that failed; the message names the volume or target and
    what the tool said (never a CHAP secret)."""


@dataclass(frozen=True)
class Volume:
    """A logical volume of the image volume group. origin is the master a COW snapshot
    shadows ("" for a master); written is the bytes a COW holds (None where LVM cannot tell:
    a thin snapshot shares its blocks with the master); reserved is what removing it frees
    in the volume group."""

    name: str
    size: int
    origin: str = ""
    cow_size: int = 0
    written: int | None = None
    reserved: int = 0
    created: str = ""
    path: str = ""


@dataclass(frozen=True)
class Export:
    """A volume exported as one iSCSI target, with an ACL for one initiator and CHAP."""

    target_iqn: str
    device: str
    initiator_iqn: str
    chap_user: str
    chap_password: str = field(repr=False)


@dataclass(frozen=True)
class Target:
    """A target that exists: its IQN, the device behind LUN 0, the initiators of its ACLs
    and those logged in now."""

    iqn: str
    device: str
    initiators: tuple[str, ...]
    sessions: tuple[str, ...]


class Volumes(Protocol):
    def volumes(self, written: bool = False) -> list[Volume]: ...
    def free_bytes(self) -> int: ...
    def create_master(self, name: str, size: int) -> Volume: ...
    def resize_master(self, name: str, size: int) -> Volume: ...
    def create_cow(self, name: str, master: str, cow_size: int) -> Volume: ...
    def remove(self, name: str) -> None: ...
    def ensure_cache(self, plan: CachePlan | None) -> str: ...


class Targets(Protocol):
    def targets(self) -> list[Target]: ...
    def export(self, export: Export) -> Target: ...
    def remove(self, iqn: str) -> None: ...  # the target and its storage object, if they exist


class Storage(NamedTuple):
    volumes: Volumes
    targets: Targets
