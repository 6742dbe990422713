"""A session's master volume on the appserver (guide 3.4): made (empty for a new install, a
copy of another image's master for a clone, the synced one for an update), exported as a
direct read-write target only the session's client may log in to, and removed for a delete.
The target is `<prefix>.<reverse DNS of the appserver>:<image>` (docs/iscsi.md)."""

from __future__ import annotations

import os
from typing import Any

from imaging.host.iscsi.planning import (
    Appserver,
    IscsiClient,
    Refused,
    check_password,
    initiator_iqn,
    master_name,
    target_iqn,
)
from imaging.host.iscsi.storage import Export, Storage, Target, Volume

from . import resize

CHUNK = 4 << 20


def live_state(storage: Storage, image: str) -> dict[str, Any]:
    """What the session page shows of the image: its master and the COW disks of it (as lvs
    lists them), and the targets of those volumes (as lio_node lists them)."""
    master = master_name(image)
    volumes = [v for v in storage.volumes.volumes() if master in (v.name, v.origin)]
    devices = {v.path for v in volumes}
    return {
        "volumes": [
            {"name": v.name, "size": v.size, "origin": v.origin, "path": v.path} for v in volumes
        ],
        "targets": [
            {
                "iqn": t.iqn,
                "device": t.device,
                "initiators": list(t.initiators),
                "sessions": list(t.sessions),
            }
            for t in storage.targets.targets()
            if t.device in devices
        ],
    }


def _copy(source: Volume, target: Volume) -> None:
    """source's bytes into target, as many as fit."""
    left = min(source.size, target.size)
    with open(source.path, "rb") as src:
        fd = os.open(target.path, os.O_WRONLY)
        try:
            position = 0
            while left > 0 and (chunk := src.read(min(CHUNK, left))):
                os.pwrite(fd, chunk, position)
                position += len(chunk)
                left -= len(chunk)
            os.fsync(fd)
        finally:
            os.close(fd)


def prepare(
    storage: Storage,
    server: Appserver,
    client: IscsiClient,
    image: str,
    size: int,
    mode: str,
    source: str = "",
) -> tuple[Target, list[str]]:
    """The master of image and its direct target for client, and what was done to the
    master beyond creating it. mode new: a fresh master (refused if one exists); clone: a
    fresh master holding source's, resized to size (resize.py); update: the master syncimage
    made (refused when there is none)."""
    master = master_name(image)
    held = {v.name: v for v in storage.volumes.volumes()}
    lines: list[str] = []
    if mode == "update":
        if master not in held:
            raise Refused(f"{server.name} has no master volume {master} of {image} to update")
        volume = held[master]
    else:
        if master in held:
            raise Refused(f"{server.name} already has a master volume {master}")
        from_volume = None
        if mode == "clone":
            from_volume = held.get(master_name(source))
            if from_volume is None:
                raise Refused(f"{server.name} has no master volume of {source} to clone")
        needed = max(size, from_volume.size) if from_volume else size
        if needed > storage.volumes.free_bytes():
            raise Refused(
                f"image {image}: {needed >> 20} MiB is more than the "
                f"{storage.volumes.free_bytes() >> 20} MiB free in {server.image_vgroup}"
            )
        if from_volume is None:
            volume = storage.volumes.create_master(master, size)
        else:
            volume, lines = _clone(storage, from_volume, master, size, image)
    iqn = target_iqn(server, image, None)
    initiator = initiator_iqn(server, client)
    for target in storage.targets.targets():
        if target.iqn == iqn:
            storage.targets.remove(iqn)  # a session resumed: the client may have changed
    target = storage.targets.export(
        Export(
            target_iqn=iqn,
            device=volume.path,
            initiator_iqn=initiator,
            chap_user=initiator,
            chap_password=check_password(client),
        )
    )
    return target, lines


def _clone(
    storage: Storage, source: Volume, master: str, size: int, image: str
) -> tuple[Volume, list[str]]:
    """A new master holding source's disk, at size with its last partition following
    (resize.py). A failure removes it: a retry starts over."""
    volume = storage.volumes.create_master(master, source.size)
    try:
        _copy(source, volume)
        lines = [f"{source.name} copied into {master}"]
        if size != source.size:
            volume, done = resize.resize(storage.volumes, volume, size, image)
            lines += done
    except BaseException:
        storage.volumes.remove(master)
        raise
    return volume, lines


def release(storage: Storage, server: Appserver, image: str) -> None:
    """Remove the direct target (before the master is read or removed); refused while a
    client is logged in to it."""
    iqn = target_iqn(server, image, None)
    for target in storage.targets.targets():
        if target.iqn == iqn:
            if target.sessions:
                raise Refused(
                    f"{', '.join(target.sessions)} is still logged in to {iqn}: shut the "
                    "client down first"
                )
            storage.targets.remove(iqn)


def remove(storage: Storage, server: Appserver, image: str) -> None:
    """Delete: the direct target, COW disks of the master left from earlier boots (with
    their targets) and the master itself."""
    release(storage, server, image)
    master = master_name(image)
    volumes = storage.volumes.volumes()
    cows = [v for v in volumes if v.origin == master]
    for target in storage.targets.targets():
        if any(target.device == v.path for v in cows):
            if target.sessions:
                raise Refused(f"{', '.join(target.sessions)} is booted from {image}")
            storage.targets.remove(target.iqn)
    for cow in cows:
        storage.volumes.remove(cow.name)
    if any(v.name == master for v in volumes):
        storage.volumes.remove(master)
