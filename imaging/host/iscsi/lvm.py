"""Volumes on lvm2 (the Volumes of storage.py), through the lvm CLI and its JSON reports.

When the image volume group holds a thin pool, masters are thin volumes in it and a COW is a
thin snapshot (made in a few milliseconds whatever the master's size, and no space reserved);
otherwise masters are linear volumes and a COW is a classic snapshot with cowLvSize of
exception store, the guide's layout (/dev/mapper/vg2-hawk_c and vg2-hawk_c-cow).

The guide's flashcache caches are lvmcache here (ensure_cache): the thin pool's data cached
writethrough by a RAM disk or an SSD. Only a thin pool is cached: lvm2 2.03.16 cannot take a
classic snapshot of a cached volume ("Check of pool ... failed", "Failed to suspend")."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

from .planning import CachePlan
from .storage import StorageError, Volume

TIMEOUT = 300  # seconds for one lvm command: a resize of a large master may take a while
_FIELDS = "lv_name,lv_size,lv_attr,origin,pool_lv,data_percent,snap_percent,lv_time,lv_path,thin_id"
RAM_DISK = "/dev/ram0"  # of the brd module, loaded with one disk of the cache's size


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
        named = dict.fromkeys((*argv[:2], argv[-1]))  # the command and what it acts on, once
        raise StorageError(f"{' '.join(named)}: {said[0][:300]}")
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

    def volumes(self, written: bool = False) -> list[Volume]:
        """The masters and COWs. A classic COW's bytes written come free with lvs; with
        written, a thin COW's are measured too (thin_written: it reads the pool's metadata)."""
        rows = self._rows()
        thin = {}
        if written and any(_thin_cow(r) for r in rows):
            try:
                thin = self.thin_written()
            except StorageError:  # the pool inactive or thin_ls missing: not measured (None)
                thin = {}
        found = []
        for row in rows:
            attr = row["lv_attr"]
            if attr[0] not in "-soVOC" or row["lv_name"].startswith("["):
                continue  # pools and hidden sub-volumes are not masters or COWs
            size = int(row["lv_size"])
            classic_cow = attr[0] == "s"
            snap = _percent(row["snap_percent"])
            if classic_cow:
                bytes_written = round(size * snap / 100) if snap is not None else None
            else:
                bytes_written = thin.get(row["thin_id"]) if _thin_cow(row) else None
            found.append(
                Volume(
                    name=row["lv_name"],
                    size=size,
                    origin=row["origin"],
                    cow_size=size if classic_cow else 0,
                    written=bytes_written,
                    reserved=0 if row["pool_lv"] else size,
                    created=_iso(row["lv_time"]),
                    path=row["lv_path"],
                )
            )
        return found

    def thin_written(self) -> dict[str, int]:
        """Bytes of each thin volume of the pool (by thin_id) that it shares with no other:
        for a COW of a master nobody writes, what its client wrote. thin_ls reads a
        snapshot of the live pool's metadata, held only meanwhile."""
        pool = self.thin_pool()
        if pool is None:
            return {}
        tpool = _dm_name(self.vgroup, pool) + "-tpool"
        try:
            _run("dmsetup", "message", tpool, "0", "reserve_metadata_snap")
        except StorageError:  # one left by a run that stopped before releasing it
            _run("dmsetup", "message", tpool, "0", "release_metadata_snap")
            _run("dmsetup", "message", tpool, "0", "reserve_metadata_snap")
        try:
            out = _run(
                "thin_ls", "--metadata-snap", "--no-headers", "-o", "DEV,EXCLUSIVE_BYTES",
                "/dev/mapper/" + _dm_name(self.vgroup, pool + "_tmeta"),
            )  # fmt: skip
        finally:
            _run("dmsetup", "message", tpool, "0", "release_metadata_snap")
        found = {}
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit():
                found[fields[0]] = int(fields[1])
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

    def ensure_cache(self, plan: CachePlan | None) -> str:
        """The thin pool cached as plan says (the appserver's start and sanity pass). First,
        a cache whose RAM disk a reboot took is dropped (writethrough: the pool lost nothing)
        and the group's volumes are activated again; then, with a plan and a thin pool not
        cached yet, the cache is attached. A cache in place is kept as it is. Returns what
        was done ("" for nothing)."""
        pool = self.thin_pool()
        if pool is None:
            return ""
        done = []
        rows = {r["lv_name"]: r for r in _report("lvs", "-a", "-o", "lv_name,lv_attr,segtype",
                                                 self.vgroup)}  # fmt: skip
        cache_volume = rows.get(f"[{pool}_cache_cvol]")
        if cache_volume and cache_volume["lv_attr"][8:9] == "p":  # partial: its PV is gone
            _run("lvconvert", "-y", "--uncache", "--force", f"{self.vgroup}/{pool}")
            _run("vgreduce", "--removemissing", self.vgroup)  # without --force: empty PVs only
            _run("vgchange", "-ay", self.vgroup)
            done.append(f"the cache of {self.vgroup}/{pool} had lost its device; dropped")
        elif rows.get(f"[{pool}_tdata]", {}).get("segtype") == "cache":
            return ""
        if plan is not None:
            device = plan.ssd or ram_disk(plan.ram_kib)
            self.attach_cache(pool, device, fresh=not plan.ssd)
            done.append(f"{self.vgroup}/{pool} cached by {device}")
        return "; ".join(done)

    def attach_cache(self, volume: str, device: str, fresh: bool) -> None:
        """Cache volume (the thin pool caches every master and COW in it) writethrough with
        all of device, which joins the group. A device that is not fresh (an SSD) must be
        blank: pvcreate asks before it wipes a signature, and no one answers."""
        _run("pvcreate", *(["-y"] if fresh else []), device)
        _run("vgextend", self.vgroup, device)
        cache = f"{volume}_cache"
        _run("lvcreate", "-y", "-l", "100%PVS", "-n", cache, self.vgroup, device)
        _run(
            "lvconvert", "-y", "--type", "cache", "--cachevol", cache,
            "--cachemode", "writethrough", f"{self.vgroup}/{volume}",
        )  # fmt: skip


def ram_disk(kib: int) -> str:
    """RAM_DISK of kib KiB: brd loaded with that one disk, or already loaded so."""
    size = Path("/sys/block/ram0/size")
    if not size.exists():
        _run("modprobe", "brd", "rd_nr=1", f"rd_size={kib}", "max_part=0")
    have = int(size.read_text()) // 2 if size.exists() else 0
    if have != kib:
        raise StorageError(
            f"{RAM_DISK} has {have} KiB, not the {kib} KiB of iscsi_image_size + "
            "iscsi_cow_cache_size (brd loaded with other sizes: rmmod brd)"
        )
    return RAM_DISK


def _thin_cow(row: dict[str, str]) -> bool:
    return row["lv_attr"].startswith("V") and bool(row["origin"])


def _dm_name(vgroup: str, volume: str) -> str:
    """The device-mapper name of an LV: a '-' in either name is doubled."""
    return vgroup.replace("-", "--") + "-" + volume.replace("-", "--")


def _iso(text: str) -> str:
    """lvs's lv_time (2024-05-20 10:00:00 +0000) as ISO 8601."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z").isoformat()
    except ValueError:
        return ""
