"""iSCSI targets in the kernel's LIO (the Targets of storage.py), through rtslib-fb.

Each target has one TPG with a portal on every address (port 3260), LUN 0 backed by the
volume (a block storage object named after the target), and one ACL: the client's initiator
IQN with its CHAP user and password. Authentication is required and no other initiator is
let in (generate_node_acls 0).

rtslib-fb keeps, for the life of the process, a cache of the storage objects' names and
configfs indexes, read once from configfs. menuserver and the agent live for weeks, and
another process (targetcli by an administrator, `targetcli clearconfig`, the other of the
two) changes LIO meanwhile: a name deleted elsewhere stays in the cache ("Storage object
block/... exists" at the next boot of that client) and an index taken elsewhere is handed
out again ("This _Backstore already exists in configFS"). export() therefore drops that
cache first, and removes a storage object left behind under the target's name (it would
hold the volume: LIO opens a block device exclusively)."""

from __future__ import annotations

import os

from .storage import Export, StorageError, Target

PORT = 3260


def _rtslib():  # noqa: ANN202 (rtslib has no types)
    try:
        import rtslib_fb as rtslib
    except ImportError:
        try:
            import rtslib
        except ImportError:
            raise StorageError("rtslib-fb is not installed (Debian python3-rtslib-fb)") from None
    return rtslib


def _object_name(iqn: str) -> str:
    # A storage object's name is a configfs directory: no ':'.
    return iqn.replace(":", "_")[-128:]


class Lio:
    def __init__(self) -> None:
        rtslib = _rtslib()
        try:
            self._root = rtslib.RTSRoot()
            self._fabric = rtslib.FabricModule("iscsi")
        except (rtslib.RTSLibError, OSError) as exc:
            raise StorageError(f"LIO is not available: {exc}") from None
        self._rtslib = rtslib

    def targets(self) -> list[Target]:
        found = []
        for target in self._fabric.targets:
            device, initiators, sessions = "", [], []
            for tpg in target.tpgs:
                for lun in tpg.luns:
                    device = device or getattr(lun.storage_object, "udev_path", "")
                for acl in tpg.node_acls:
                    initiators.append(acl.node_wwn)
                    session = acl.session
                    if session and session.get("state") == "LOGGED_IN":
                        sessions.append(acl.node_wwn)
            found.append(Target(target.wwn, device, tuple(initiators), tuple(sessions)))
        return found

    def export(self, export: Export) -> Target:
        rtslib = self._rtslib
        name = _object_name(export.target_iqn)
        device = os.path.realpath(export.device)
        try:
            self._root.invalidate_caches()  # see the module's docstring
            self._remove_stale(name)
            storage = rtslib.BlockStorageObject(name, dev=device, wwn=None)
            target = rtslib.Target(self._fabric, export.target_iqn, mode="create")
            tpg = rtslib.TPG(target, 1, mode="create")
            tpg.set_attribute("authentication", "1")
            tpg.set_attribute("generate_node_acls", "0")
            tpg.set_attribute("demo_mode_write_protect", "0")
            rtslib.NetworkPortal(tpg, "0.0.0.0", PORT, mode="create")
            lun = rtslib.LUN(tpg, 0, storage)
            acl = rtslib.NodeACL(tpg, export.initiator_iqn, mode="create")
            acl.chap_userid = export.chap_user
            acl.chap_password = export.chap_password
            rtslib.MappedLUN(acl, 0, lun)
            tpg.enable = True
        except (rtslib.RTSLibError, OSError) as exc:
            # rtslib's messages name paths and WWNs, never the CHAP secret it was given.
            self._remove(export.target_iqn)
            raise StorageError(f"target {export.target_iqn}: {exc}") from None
        return Target(export.target_iqn, export.device, (export.initiator_iqn,), ())

    def _remove_stale(self, name: str) -> None:
        """Remove the block storage object named name (a target's): before an export, one
        left by a target deleted by hand (`targetcli /iscsi delete`) or by a run that
        stopped half-way."""
        for storage in self._root.storage_objects:
            if storage.name == name and storage.plugin == "block":
                storage.delete()

    def remove(self, iqn: str) -> None:
        try:
            self._remove(iqn)
        except (self._rtslib.RTSLibError, OSError) as exc:
            raise StorageError(f"target {iqn}: {exc}") from None

    def _remove(self, iqn: str) -> None:
        """Remove the target and its storage object, whichever of them exists."""
        for target in self._fabric.targets:
            if target.wwn == iqn:
                target.delete()
        self._remove_stale(_object_name(iqn))
