"""Step 1 of buildserver (guide 3.6): the server entity's fstab, logicalVolumes, mdadm,
physicalVolumes and Rsync tables, checked and turned into a plan of partitions, RAID arrays,
physical volumes, volume groups, logical volumes, file systems, mounts and rsync sources.
Pure functions over plain data: every inconsistency is refused here, naming the table, row
and column, before anything is written to a disk or the configuration."""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.rows import rows_of, value_lists

from ...replication import RSYNC_TABLE, YES, directory_problem

FSTAB, LOGICAL_VOLUMES, MDADM, PHYSICAL_VOLUMES = (
    "fstab",
    "logicalVolumes",
    "mdadm",
    "physicalVolumes",
)
TABLE_COLUMNS = {
    FSTAB: (
        "fst_dev",
        "fst_mntpt",
        "fst_type",
        "fst_opts",
        "fst_dump",
        "fst_pass",
        "fst_uuid",
        "fst_size",
    ),
    LOGICAL_VOLUMES: ("lv_name", "lv_vgroup", "lv_uuid"),
    MDADM: ("md_device", "md_level", "md_num_devices", "md_UUID"),
    PHYSICAL_VOLUMES: ("pv_uuid", "pv_vgroup", "pv_size"),
    RSYNC_TABLE: ("rs_host", "rs_src", "rs_dst", "rs_sync", "rs_date"),
}
NONE = "none"
REST = -1  # a size of -1: the rest of the device
MIB = 1 << 20
EXTENT = 4 * MIB  # LVM's default extent: every logical volume is rounded up to it
PV_METADATA = MIB  # what pvcreate keeps at the start of a physical volume
# mdadm's 1.0 superblock sits at the end of each member (so GRUB and a rescue system read a
# RAID1 member as a plain file system); this is what it and its bitmap need there.
MD_RESERVE = 8 * MIB
MAX_DISKS = 26
MAX_ROWS = 256  # rows of one table: far above any server's, far below a runaway import
FS_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LVM_UUID = re.compile(r"^[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}$")
MD_UUID = re.compile(r"^[0-9a-f]{8}(:[0-9a-f]{8}){3}$")
PARTITION = re.compile(r"^/dev/(?P<disk>(?:[shv]|xv)d[a-z]+|nvme\d+n\d+)p?(?P<number>\d+)$")
DISK_NAME = re.compile(r"^(?:[shv]|xv)d[a-z]+$|^nvme\d+n\d+$")
MD_DEVICE = re.compile(r"^/dev/md\d+$")
LV_DEVICE = re.compile(r"^/dev/(?P<vg>[A-Za-z0-9_+.-]+)/(?P<lv>[A-Za-z0-9_+.-]+)$")
UUID_PREFIX = "UUID="
FORMATS = ("ext2", "ext3", "ext4", "xfs", "vfat", "swap")
# The smallest number of members each level runs with, and how many members' worth of space
# an array of that level gives.
LEVELS = {
    "raid0": (2, lambda n: n),
    "raid1": (2, lambda n: 1),
    "raid5": (3, lambda n: n - 1),
    "raid6": (4, lambda n: n - 2),
    "raid10": (2, lambda n: n / 2),
}
# MBR partition types
LINUX, SWAP, RAID, LVM, EXTENDED = "83", "82", "fd", "8e", "5"


class PlanError(ValueError):
    """The tables do not describe a server buildserver can build; one message per problem,
    each naming its table, row and column."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


Row = dict[str, str]
Tables = Mapping[str, Sequence[Mapping[str, str]]]


def where(table: str, row: int, column: str) -> str:
    return f"{table} row {row}, {column}"


@dataclass
class Partition:
    """A partition the tables name, as /dev/sdXN; size None: the rest of the disk."""

    disk: str
    number: int
    size: int | None
    kind: str
    used_by: str  # "fstab row 2": who named it
    boot: bool = False

    @property
    def name(self) -> str:
        separator = "p" if self.disk[-1].isdigit() else ""
        return f"/dev/{self.disk}{separator}{self.number}"


@dataclass
class Array:
    row: int
    device: str
    level: str
    members: list[str]  # partition names; empty once md_UUID holds the array's UUID
    uuid: str | None
    size: int | None = None  # what the array must hold; None: its members' whole size


@dataclass
class PhysicalVolume:
    row: int
    device: str | None  # None once pv_uuid holds the UUID
    uuid: str | None
    vgroup: str
    size: int | None


@dataclass
class LogicalVolume:
    row: int
    name: str
    vgroup: str
    uuid: str | None
    size: int | None = None

    @property
    def device(self) -> str:
        return f"/dev/{self.vgroup}/{self.name}"


@dataclass
class FileSystem:
    """An fstab row buildserver formats or finds: device None when only its UUID is left."""

    row: int
    device: str | None
    mount_point: str
    fs_type: str
    options: str
    uuid: str | None
    size: int | None
    by_uuid: bool  # fst_dev starts with UUID=: /etc/fstab names it UUID=<fst_uuid>

    @property
    def label(self) -> str:
        return f"{FSTAB} row {self.row}"

    @property
    def mounted(self) -> bool:
        return self.fs_type != "swap" and self.mount_point.startswith("/")


@dataclass
class RsyncSource:
    row: int
    host: str
    src: str
    dst: str
    sync: bool


@dataclass
class Plan:
    server: str
    partitions: dict[str, list[Partition]] = field(default_factory=dict)  # by disk name
    arrays: list[Array] = field(default_factory=list)
    volumes: list[PhysicalVolume] = field(default_factory=list)
    logical: list[LogicalVolume] = field(default_factory=list)
    filesystems: list[FileSystem] = field(default_factory=list)
    rsyncs: list[RsyncSource] = field(default_factory=list)

    @property
    def disk_id(self) -> str:
        """The MBR disk identifier buildserver writes on this server's disks: a disk that
        carries it was partitioned by buildserver for this server (an interrupted build)."""
        return "0x" + hashlib.sha256(f"labnet buildserver {self.server}".encode()).hexdigest()[:8]

    def volume_groups(self) -> dict[str, list[PhysicalVolume]]:
        groups: dict[str, list[PhysicalVolume]] = defaultdict(list)
        for volume in self.volumes:
            groups[volume.vgroup].append(volume)
        return dict(groups)

    def root(self) -> FileSystem | None:
        return next((f for f in self.filesystems if f.mount_point == "/"), None)

    def minimum_size(self, disk: str) -> int:
        """The bytes disk must have: 1 MiB before the first partition, 1 MiB before each
        logical one, every sized partition, 1 MiB at least for a rest-of-disk one."""
        parts = self.partitions.get(disk, [])
        gaps = MIB * (1 + sum(1 for p in parts if p.number > 4))
        return gaps + sum(p.size if p.size is not None else MIB for p in parts)

    def mounts(self) -> list[FileSystem]:
        """The mounted file systems, parents before children."""
        return sorted((f for f in self.filesystems if f.mounted), key=lambda f: _depth(f))


def _depth(filesystem: FileSystem) -> tuple[int, str]:
    point = filesystem.mount_point.rstrip("/")
    return (point.count("/") if point else 0, point)


COLUMN_TABLE = {column: table for table, columns in TABLE_COLUMNS.items() for column in columns}


def tables_of(held: Iterable[tuple[str, int, str]]) -> dict[str, list[Row]]:
    """The five tables from an entity's values (variable, indx, text): row n is indx n, as
    the entity page and the services number them."""
    lists = value_lists([h for h in held if h[0] in COLUMN_TABLE], COLUMN_TABLE)
    return {
        table: [{c: text.strip() for c, text in row.items()} for row in rows_of(lists, columns)]
        for table, columns in TABLE_COLUMNS.items()
    }


class _Planner:
    def __init__(self, server: str, tables: Tables, disks: Sequence[str] | None):
        self.tables = {t: [dict(r) for r in tables.get(t, ())] for t in TABLE_COLUMNS}
        self.disks = disks
        self.plan = Plan(server)
        self.problems: list[str] = []
        self.partitions: dict[str, Partition] = {}  # by name
        self.users: dict[str, str] = {}  # device -> who uses it

    def refuse(self, table: str, row: int, column: str, message: str) -> None:
        self.problems.append(f"{where(table, row, column)}: {message}")

    def rows(self, table: str) -> list[tuple[int, Row]]:
        rows = self.tables[table]
        if len(rows) > MAX_ROWS:
            self.problems.append(f"{table}: {len(rows)} rows, more than {MAX_ROWS}")
            return []
        return [(i, row) for i, row in enumerate(rows, 1) if any(row.values())]

    def size(self, table: str, row: int, column: str, text: str) -> int | None | bool:
        """A size in bytes, None for -1 (the rest), False when refused."""
        if not re.fullmatch(r"-?\d{1,20}", text or ""):
            self.refuse(table, row, column, f"{text!r} is not a size in bytes (or -1: the rest)")
            return False
        value = int(text)
        if value == REST:
            return None
        if value < MIB:
            self.refuse(table, row, column, f"{value} bytes is less than 1 MiB (or -1: the rest)")
            return False
        return value

    def use(self, device: str, who: str, table: str, row: int, column: str) -> bool:
        if device in self.users:
            self.refuse(table, row, column, f"{device} is already used by {self.users[device]}")
            return False
        self.users[device] = who
        return True

    def partition(
        self, name: str, size: int | None, kind: str, who: str, table: str, row: int, column: str
    ) -> None:
        match = PARTITION.match(name)
        if match is None:
            self.refuse(table, row, column, f"{name} is not a disk partition such as /dev/sda1")
            return
        disk, number = match["disk"], int(match["number"])
        if self.disks is not None and disk not in self.disks:
            self.refuse(
                table, row, column, f"{name} is on disk {disk}, which --disks does not name"
            )
            return
        if not 1 <= number <= 60:
            self.refuse(table, row, column, f"{name}: partition number {number} is out of range")
            return
        if self.use(name, who, table, row, column):
            self.partitions[name] = Partition(disk, number, size, kind, who)

    def build(self) -> Plan:
        arrays = self._arrays()
        logical = self._logical_volumes()
        volumes = self._physical_volumes(arrays)
        self._filesystems(arrays, logical)
        self._array_members(arrays)
        self._volume_groups(volumes, logical)
        self._layout()
        self._rsyncs()
        if self.problems:
            raise PlanError(self.problems)
        return self.plan

    def _arrays(self) -> dict[str, Array]:
        arrays: dict[str, Array] = {}
        for i, row in self.rows(MDADM):
            device, level = row["md_device"], row["md_level"]
            if not MD_DEVICE.match(device):
                self.refuse(MDADM, i, "md_device", f"{device!r} is not a RAID device /dev/mdN")
                continue
            if device in arrays:
                self.refuse(
                    MDADM, i, "md_device", f"{device} is in mdadm row {arrays[device].row} too"
                )
                continue
            if level not in LEVELS:
                self.refuse(MDADM, i, "md_level", f"{level!r} is not one of {', '.join(LEVELS)}")
                continue
            count = row["md_num_devices"]
            if not count.isdigit() or not LEVELS[level][0] <= int(count) <= MAX_DISKS:
                self.refuse(
                    MDADM, i, "md_num_devices",
                    f"{count!r}: {level} takes {LEVELS[level][0]} to {MAX_DISKS} devices",
                )  # fmt: skip
                continue
            uuid = row["md_UUID"]
            members = [] if MD_UUID.match(uuid) else [m.strip() for m in uuid.split(",")]
            if members and len(members) != int(count):
                self.refuse(
                    MDADM, i, "md_UUID",
                    f"lists {len(members)} devices but md_num_devices is {count}",
                )  # fmt: skip
                continue
            if members and not all(PARTITION.match(m) for m in members):
                self.refuse(
                    MDADM, i, "md_UUID",
                    f"{uuid!r} is neither an array UUID nor partitions such as /dev/sda1,/dev/sdb1",
                )  # fmt: skip
                continue
            arrays[device] = Array(i, device, level, members, None if members else uuid)
        return arrays

    def _logical_volumes(self) -> dict[str, LogicalVolume]:
        logical: dict[str, LogicalVolume] = {}
        for i, row in self.rows(LOGICAL_VOLUMES):
            name, vgroup, uuid = row["lv_name"], row["lv_vgroup"], row["lv_uuid"]
            bad = False
            for column, value in (("lv_name", name), ("lv_vgroup", vgroup)):
                if not re.fullmatch(r"[A-Za-z0-9_+.-]{1,127}", value) or value in (".", ".."):
                    self.refuse(LOGICAL_VOLUMES, i, column, f"{value!r} is not a volume name")
                    bad = True
            if uuid != NONE and not LVM_UUID.match(uuid):
                self.refuse(
                    LOGICAL_VOLUMES, i, "lv_uuid", f"{uuid!r} is neither none nor an LVM UUID"
                )
                bad = True
            volume = LogicalVolume(i, name, vgroup, None if uuid == NONE else uuid)
            if bad:
                continue
            if volume.device in logical:
                other = logical[volume.device].row
                self.refuse(LOGICAL_VOLUMES, i, "lv_name", f"{volume.device} is in row {other} too")
                continue
            logical[volume.device] = volume
        self.plan.logical = list(logical.values())
        return logical

    def _physical_volumes(self, arrays: Mapping[str, Array]) -> list[PhysicalVolume]:
        volumes = []
        for i, row in self.rows(PHYSICAL_VOLUMES):
            device, vgroup = row["pv_uuid"], row["pv_vgroup"]
            if not re.fullmatch(r"[A-Za-z0-9_+.-]{1,127}", vgroup):
                self.refuse(
                    PHYSICAL_VOLUMES, i, "pv_vgroup", f"{vgroup!r} is not a volume group name"
                )
                continue
            size = self.size(PHYSICAL_VOLUMES, i, "pv_size", row["pv_size"])
            if size is False:
                continue
            who = f"{PHYSICAL_VOLUMES} row {i}"
            if LVM_UUID.match(device):
                volumes.append(PhysicalVolume(i, None, device, vgroup, size))
                continue
            if MD_DEVICE.match(device):
                if device not in arrays:
                    self.refuse(PHYSICAL_VOLUMES, i, "pv_uuid", f"{device} is not in mdadm")
                    continue
                if self.use(device, who, PHYSICAL_VOLUMES, i, "pv_uuid"):
                    arrays[device].size = size
            elif PARTITION.match(device):
                self.partition(device, size, LVM, who, PHYSICAL_VOLUMES, i, "pv_uuid")
            else:
                self.refuse(
                    PHYSICAL_VOLUMES, i, "pv_uuid",
                    f"{device!r} is neither an LVM UUID, a RAID device /dev/mdN nor a partition",
                )  # fmt: skip
                continue
            volumes.append(PhysicalVolume(i, device, None, vgroup, size))
        self.plan.volumes = volumes
        return volumes

    def _filesystems(
        self, arrays: Mapping[str, Array], logical: Mapping[str, LogicalVolume]
    ) -> None:
        points: dict[str, int] = {}
        for i, row in self.rows(FSTAB):
            device, point, fs_type = row["fst_dev"], row["fst_mntpt"], row["fst_type"]
            by_uuid = device.startswith(UUID_PREFIX)
            if by_uuid:
                device = device[len(UUID_PREFIX) :]
            elif not device.startswith("/dev/"):
                continue  # tmpfs, proc, an NFS export: /etc/fstab's alone
            uuid = row["fst_uuid"]
            if uuid != NONE and not FS_UUID.match(uuid):
                self.refuse(
                    FSTAB, i, "fst_uuid", f"{uuid!r} is neither none nor a file system UUID"
                )
                continue
            if fs_type not in FORMATS:
                self.refuse(
                    FSTAB, i, "fst_type", f"{fs_type!r}: buildserver formats {', '.join(FORMATS)}"
                )
                continue
            if fs_type == "swap":
                point = "swap"
            elif (problem := directory_problem(point)) is not None:
                self.refuse(FSTAB, i, "fst_mntpt", problem)
                continue
            elif point in points:
                self.refuse(
                    FSTAB, i, "fst_mntpt", f"{point} is mounted by fstab row {points[point]} too"
                )
                continue
            points[point] = i
            if not device and uuid == NONE:
                self.refuse(
                    FSTAB, i, "fst_dev",
                    "UUID= names no device and fst_uuid is none: nothing to build or find",
                )  # fmt: skip
                continue
            size = self.size(FSTAB, i, "fst_size", row["fst_size"])
            if size is False:
                continue
            who = f"{FSTAB} row {i}"
            if device:
                if MD_DEVICE.match(device):
                    if device not in arrays:
                        self.refuse(FSTAB, i, "fst_dev", f"{device} is not in mdadm")
                        continue
                    if not self.use(device, who, FSTAB, i, "fst_dev"):
                        continue
                    arrays[device].size = size
                elif (lv := LV_DEVICE.match(device)) and not PARTITION.match(device):
                    if device not in logical:
                        self.refuse(
                            FSTAB, i, "fst_dev",
                            f"logical volume {lv['lv']} of {lv['vg']} is not in logicalVolumes",
                        )  # fmt: skip
                        continue
                    if not self.use(device, who, FSTAB, i, "fst_dev"):
                        continue
                    logical[device].size = size
                else:
                    kind = SWAP if fs_type == "swap" else LINUX
                    self.partition(device, size, kind, who, FSTAB, i, "fst_dev")
                    if PARTITION.match(device) is None:
                        continue
            self.plan.filesystems.append(
                FileSystem(
                    i, device or None, point, fs_type, row["fst_opts"] or "defaults",
                    None if uuid == NONE else uuid, size, by_uuid,
                )
            )  # fmt: skip
        if "/" not in points:
            self.problems.append(
                f"{FSTAB}: no row mounts / (fst_mntpt), so there is no root to build"
            )

    def _array_members(self, arrays: Mapping[str, Array]) -> None:
        for array in arrays.values():
            who = f"{MDADM} row {array.row} ({array.device})"
            if array.device not in self.users and array.uuid is None:
                self.refuse(
                    MDADM, array.row, "md_device",
                    f"{array.device} is used by no fstab or physicalVolumes row, so it has "
                    "no size",
                )  # fmt: skip
                continue
            member = None
            if array.size is not None:
                share = LEVELS[array.level][1](len(array.members) or 1)
                member = math.ceil(array.size / share) + MD_RESERVE
            for name in array.members:
                self.partition(name, member, RAID, who, MDADM, array.row, "md_UUID")
            self.plan.arrays.append(array)

    def _volume_groups(
        self, volumes: list[PhysicalVolume], logical: Mapping[str, LogicalVolume]
    ) -> None:
        groups = {v.vgroup for v in volumes}
        for volume in logical.values():
            if volume.vgroup not in groups:
                self.refuse(
                    LOGICAL_VOLUMES, volume.row, "lv_vgroup",
                    f"volume group {volume.vgroup} has no physicalVolumes row",
                )  # fmt: skip
            elif volume.device not in self.users and volume.uuid is None:
                self.refuse(
                    LOGICAL_VOLUMES, volume.row, "lv_name",
                    f"{volume.device} has no fstab row to give its size (fst_size)",
                )  # fmt: skip
        for group in sorted(groups):
            members = [v for v in volumes if v.vgroup == group]
            lvs = [lv for lv in logical.values() if lv.vgroup == group]
            rest = [
                lv for lv in lvs if lv.size is None and lv.uuid is None and lv.device in self.users
            ]
            if len(rest) > 1:
                rows = ", ".join(str(lv.row) for lv in rest)
                self.problems.append(
                    f"{LOGICAL_VOLUMES} rows {rows}: more than one volume of {group} takes the "
                    "rest (fst_size -1)"
                )
            if any(v.size is None for v in members):
                continue  # a volume as big as its device: checked against the disks
            room = sum(v.size - PV_METADATA for v in members if v.size)
            needed = sum(_extents(lv.size) for lv in lvs if lv.size)
            if needed + (EXTENT if rest else 0) > room:
                rows = ("rows " if len(members) > 1 else "row ") + ", ".join(
                    str(v.row) for v in members
                )
                self.problems.append(
                    f"{PHYSICAL_VOLUMES} {rows}, pv_size: volume group {group} holds "
                    f"{room:,} bytes but its logical volumes need {needed:,}"
                )

    def _layout(self) -> None:
        by_disk: dict[str, list[Partition]] = defaultdict(list)
        for partition in self.partitions.values():
            by_disk[partition.disk].append(partition)
        root = self.plan.root()
        for disk, parts in sorted(by_disk.items()):
            parts.sort(key=lambda p: p.number)
            numbers = [p.number for p in parts]
            logicals = [n for n in numbers if n > 4]
            if logicals and (4 in numbers or logicals != list(range(5, 5 + len(logicals)))):
                named = ", ".join(p.name for p in parts)
                self.problems.append(
                    f"disk {disk}: logical partitions are numbered 5, 6, ... without a gap and "
                    f"partition 4 holds them (the tables name {named})"
                )
            rest = [p for p in parts if p.size is None]
            if rest and rest[0] is not parts[-1] or len(rest) > 1:
                self.problems.append(
                    f"disk {disk}: only its last partition may take the rest of the disk "
                    f"(size -1); {rest[0].name} of {rest[0].used_by} is not the last"
                )
            for p in parts:
                if (
                    root
                    and root.device
                    and (p.name == root.device or self._member_of(p, root.device))
                ):
                    p.boot = True
                if p.size is not None:
                    p.size = -(-p.size // MIB) * MIB
            self.plan.partitions[disk] = parts

    def _member_of(self, partition: Partition, device: str) -> bool:
        return any(a.device == device and partition.name in a.members for a in self.plan.arrays)

    def _rsyncs(self) -> None:
        mounted = {f.mount_point for f in self.plan.filesystems if f.mounted}
        for i, row in self.rows(RSYNC_TABLE):
            bad = False
            for column in ("rs_src", "rs_dst"):
                if (problem := directory_problem(row[column])) is not None:
                    self.refuse(RSYNC_TABLE, i, column, problem)
                    bad = True
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", row["rs_host"]):
                self.refuse(RSYNC_TABLE, i, "rs_host", f"{row['rs_host']!r} is not a host name")
                bad = True
            if bad:
                continue
            if "/" not in mounted and not any(
                row["rs_dst"] == m or row["rs_dst"].startswith(m + "/") for m in mounted
            ):
                self.refuse(
                    RSYNC_TABLE, i, "rs_dst", f"{row['rs_dst']} is on no file system of fstab"
                )
                continue
            self.plan.rsyncs.append(
                RsyncSource(i, row["rs_host"], row["rs_src"], row["rs_dst"], row["rs_sync"] == YES)
            )


def _extents(size: int) -> int:
    return -(-size // EXTENT) * EXTENT


def make_plan(server: str, tables: Tables, disks: Sequence[str] | None = None) -> Plan:
    """The plan for server from its tables; disks, when given, are the only disk names
    (sda, sdb, ...) the tables may use. Raises PlanError naming every problem."""
    return _Planner(server, tables, disks).build()


def parse_disks(text: str) -> dict[str, str]:
    """--disks sda=/dev/X,sdb=/dev/Y: the table's disk names and the devices they are here."""
    disks: dict[str, str] = {}
    for item in text.split(","):
        name, _, device = item.strip().partition("=")
        if not DISK_NAME.match(name) or not re.fullmatch(r"/dev/[A-Za-z0-9/_-]{1,64}", device):
            raise ValueError(f"--disks: {item.strip()!r} is not NAME=/dev/DEVICE (sda=/dev/loop0)")
        if name in disks or device in disks.values():
            raise ValueError(f"--disks: {item.strip()!r} names a disk or device twice")
        disks[name] = device
    if len(disks) > MAX_DISKS:
        raise ValueError(f"--disks: more than {MAX_DISKS} disks")
    return disks
