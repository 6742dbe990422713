"""Volumes on lvm2 (the Volumes of storage.py), through the lvm CLI and its JSON reports.

When the image volume group holds a thin pool, masters are thin volumes in it and a COW is a
thin snapshot (made in a few milliseconds whatever the master's size, and no space reserved);
otherwise masters are linear volumes and a COW is a classic snapshot with cowLvSize of
exception store, the guide's layout (/dev/mapper/vg2-hawk_c and vg2-hawk_c-cow).
The guide's flashcache RAM caches are lvmcache here: attach_cache."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime

from .storage import StorageError, Volume

TIMEOUT = 300  # seconds for one lvm command: a resize of a large master may take a while
_FIELDS = "lv_name,lv_size,lv_attr,origin,pool_lv,data_percent,snap_percent,lv_time,lv_path"


def _run(*argv: str) -> str:
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise StorageError(f"{argv[0]} is not installed (Debian package lvm2)") from None
    except subprocess.TimeoutExpired:
        raise StorageError(f"{' '.join(argv[:3])} took longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise StorageError(f"{' '.join(argv[:2])} {argv[-1]}: {said[0][:300]}")
    return done.stdout


def _report(command: str, *args: str) -> list[dict[str, str]]:
    out = _run(command, "--reportformat", "json", "--units", "b", "--nosuffix", *args)
    report = json.loads(out)["report"]
    return [row for part in report for rows in part.values() for row in rows]


def _percent(text: str) -> float | None:
    return float(text) if text else None


class Lvm:
    """The masters and COWs of one volume group."""

    def __init__(self, vgroup: str):
        self.vgroup = vgroup

    def _rows(self) -> list[dict[str, str]]:
        return _report("lvs", "-o", _FIELDS, self.vgroup)

    def thin_pool(self) -> str | None:
        pools = [r["lv_name"] for r in self._rows() if r["lv_attr"].startswith("t")]
        return sorted(pools)[0] if pools else None

    def volumes(self) -> list[Volume]:
        found = []
        for row in self._rows():
            attr = row["lv_attr"]
            if attr[0] not in "-soVO" or row["lv_name"].startswith("["):
                continue  # pools, caches and hidden sub-volumes are not masters or COWs
            size = int(row["lv_size"])
            classic_cow = attr[0] == "s"
            snap = _percent(row["snap_percent"])
            found.append(
                Volume(
                    name=row["lv_name"],
                    size=size,
                    origin=row["origin"],
                    cow_size=size if classic_cow else 0,
                    written=round(size * snap / 100) if classic_cow and snap is not None else None,
                    reserved=0 if row["pool_lv"] else size,
                    created=_iso(row["lv_time"]),
                    path=row["lv_path"],
                )
            )
        return found

    def free_bytes(self) -> int:
        """Free bytes for a COW: the thin pool's unused data, or the group's free extents."""
        pool = self.thin_pool()
        if pool:
            row = next(r for r in self._rows() if r["lv_name"] == pool)
            return int(int(row["lv_size"]) * (1 - float(row["data_percent"] or 0) / 100))
        rows = _report("vgs", "-o", "vg_free", self.vgroup)
        return int(rows[0]["vg_free"])

    def _get(self, name: str) -> Volume:
        for volume in self.volumes():
            if volume.name == name:
                return volume
        raise StorageError(f"volume {self.vgroup}/{name} does not exist")

    def create_master(self, name: str, size: int) -> Volume:
        pool = self.thin_pool()
        if pool:
            _run("lvcreate", "-y", "-V", f"{size}b", "-T", f"{self.vgroup}/{pool}", "-n", name)
        else:
            _run("lvcreate", "-y", "-Wy", "-Zy", "-L", f"{size}b", "-n", name, self.vgroup)
        return self._get(name)

    def resize_master(self, name: str, size: int) -> Volume:
        _run("lvresize", "-f", "-L", f"{size}b", f"{self.vgroup}/{name}")
        return self._get(name)

    def create_cow(self, name: str, master: str, cow_size: int) -> Volume:
        origin = self._get(master)
        if self.thin_pool() and origin.reserved == 0:
            # -kn: a thin snapshot skips activation by default; the target needs it active.
            _run("lvcreate", "-y", "-s", "-kn", "-n", name, f"{self.vgroup}/{master}")
        else:
            _run(
                "lvcreate", "-y", "-s", "-L", f"{cow_size}b", "-n", name, f"{self.vgroup}/{master}"
            )
        return self._get(name)

    def remove(self, name: str) -> None:
        _run("lvremove", "-y", f"{self.vgroup}/{name}")

    def create_thin_pool(self, name: str, size: int) -> None:
        _run("lvcreate", "-y", "--type", "thin-pool", "-L", f"{size}b", "-n", name, self.vgroup)

    def attach_cache(self, volume: str, device: str, size: int | None = None) -> None:
        """Cache volume (a thin pool caches every master and COW in it) with a fast device
        added to the group: an SSD (iscsi_cow_cache_dev) or a RAM disk (/dev/ram0 of the brd
        module, iscsi_image_size KiB). writethrough: losing the RAM loses nothing."""
        _run("pvcreate", "-y", device)
        _run("vgextend", self.vgroup, device)
        cache = f"{volume}_cache"
        size_arg = ["-L", f"{size}b"] if size else ["-l", "100%PVS"]
        _run("lvcreate", "-y", *size_arg, "-n", cache, self.vgroup, device)
        _run(
            "lvconvert", "-y", "--type", "cache", "--cachevol", cache,
            "--cachemode", "writethrough", f"{self.vgroup}/{volume}",
        )  # fmt: skip


def _iso(text: str) -> str:
    """lvs's lv_time (2024-05-20 10:00:00 +0000) as ISO 8601."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z").isoformat()
    except ValueError:
        return ""
