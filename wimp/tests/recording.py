"""A recording backend standing in for lvm2 and LIO (which this kernel lacks: the real ones
run in imaging's QEMU guest test): imaging's storage interface over a directory, each volume
a sparse file there, the volumes and targets in state.json and every call appended to
calls.jsonl, so a test and an agent process see the same storage. The agent takes it through
LABNET_WIMP_STORAGE=wimp.tests.recording:storage with LABNET_WIMP_RECORDING=<directory>."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from imaging.host.iscsi.planning import CachePlan
from imaging.host.iscsi.storage import Export, Storage, StorageError, Target, Volume

DIRECTORY_ENV = "LABNET_WIMP_RECORDING"
FREE = 1 << 40


class Recording:
    def __init__(self, directory: Path, vgroup: str):
        self.directory, self.vgroup = Path(directory), vgroup
        self.directory.mkdir(parents=True, exist_ok=True)

    def _load(self) -> dict:
        path = self.directory / "state.json"
        return json.loads(path.read_text()) if path.exists() else {"volumes": {}, "targets": {}}

    def _save(self, state: dict, call: str, **arguments) -> None:
        (self.directory / "state.json").write_text(json.dumps(state))
        with open(self.directory / "calls.jsonl", "a") as log:
            log.write(json.dumps({"call": call, "vgroup": self.vgroup, **arguments}) + "\n")

    def calls(self) -> list[dict]:
        path = self.directory / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


class RecordingVolumes(Recording):
    def volumes(self, written: bool = False) -> list[Volume]:
        # Sparse files are never snapshots: there is no COW whose bytes written to count.
        return [Volume(**v) for v in self._load()["volumes"].values()]

    def free_bytes(self) -> int:
        return FREE - sum(v.size for v in self.volumes())

    def create_master(self, name: str, size: int) -> Volume:
        state = self._load()
        if name in state["volumes"]:
            raise StorageError(f"volume {name} exists")
        path = self.directory / name
        with open(path, "wb") as sparse:
            sparse.truncate(size)
        volume = Volume(name, size, reserved=size, path=str(path))
        state["volumes"][name] = asdict(volume)
        self._save(state, "create_master", name=name, size=size)
        return volume

    def resize_master(self, name: str, size: int) -> Volume:
        state = self._load()
        if name not in state["volumes"]:
            raise StorageError(f"no volume {name}")
        volume = state["volumes"][name]
        with open(volume["path"], "r+b") as sparse:  # lvresize keeps the bytes that still fit
            sparse.truncate(size)
        volume.update(size=size, reserved=size)
        self._save(state, "resize_master", name=name, size=size)
        return Volume(**volume)

    def create_cow(self, name: str, master: str, cow_size: int) -> Volume:
        raise StorageError("not used by WIMP")

    def ensure_cache(self, plan: CachePlan | None) -> str:
        raise StorageError("not used by WIMP")

    def remove(self, name: str) -> None:
        state = self._load()
        if name not in state["volumes"]:
            raise StorageError(f"no volume {name}")
        os.unlink(state["volumes"].pop(name)["path"])
        self._save(state, "remove_volume", name=name)


class RecordingTargets(Recording):
    def targets(self) -> list[Target]:
        return [
            Target(t["iqn"], t["device"], (t["initiator"],), tuple(t["sessions"]))
            for t in self._load()["targets"].values()
        ]

    def export(self, export: Export) -> Target:
        state = self._load()
        if export.target_iqn in state["targets"]:
            raise StorageError(f"target {export.target_iqn} exists")
        state["targets"][export.target_iqn] = {
            "iqn": export.target_iqn,
            "device": export.device,
            "initiator": export.initiator_iqn,
            "chap_user": export.chap_user,
            "sessions": [],
        }
        # The CHAP secret is checked, not recorded: only whether one was given.
        self._save(
            state,
            "export",
            iqn=export.target_iqn,
            device=export.device,
            initiator=export.initiator_iqn,
            chap=bool(export.chap_password),
        )
        return self.targets()[-1]

    def remove(self, iqn: str) -> None:
        state = self._load()
        state["targets"].pop(iqn)
        self._save(state, "remove_target", iqn=iqn)

    def log_in(self, iqn: str, initiator: str) -> None:
        """A client logged in (what LIO would show as a session)."""
        state = self._load()
        state["targets"][iqn]["sessions"].append(initiator)
        self._save(state, "login", iqn=iqn, initiator=initiator)


def storage(vgroup: str, directory: Path | None = None) -> Storage:
    directory = Path(directory or os.environ[DIRECTORY_ENV])
    return Storage(RecordingVolumes(directory, vgroup), RecordingTargets(directory, vgroup))
