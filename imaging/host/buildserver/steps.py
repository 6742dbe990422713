"""buildserver (guide 3.6): the guide's steps in order, each printed as it goes, with its
(yes|no) prompts unless --yes. The configuration is read and written through a
`Configuration`: the database directly (manage.py buildserver) or the API with the server's
own token (--server URL --token T)."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from core.ssh import rsync_shell
from entities.mirror import MirrorEntity, iter_mirror
from filemgr.resolution import FileInstance
from filemgr.templating import MirrorSource
from workers.host.client import ApiClient
from workers.host.files import HostFiles
from workers.host.functions import FunctionContext, run_functions
from workers.host.paths import AgentPaths, under
from workers.host.sshkey import SSH_KEY, public_key

from ...replication import (
    DATE_FORMAT,
    IMAGE_TYPE,
    RSYNC_TABLE,
    SERVER_TYPE,
    Image,
    derive,
    image_from_values,
    rows_from_values,
)
from ..excludes import filter_rules, managed_paths
from ..lnrsync import RSYNC, RSYNC_OPTIONS
from . import boot, disks, raidlvm
from .disks import CommandFailed
from .planning import (
    FSTAB,
    LOGICAL_VOLUMES,
    MD_DEVICE,
    MDADM,
    PARTITION,
    PHYSICAL_VOLUMES,
    UUID_PREFIX,
    FileSystem,
    Plan,
    PlanError,
    make_plan,
    tables_of,
)

ETC = "/usr/local/etc/labnet"
LOG = "/var/log/buildserver.log"
KERNEL = "kernel"
# Device nodes a kernel needs before devtmpfs is mounted (guide: "essential special device
# files ... that must be there to boot").
DEVICE_NODES = {"/dev/console": (5, 1, 0o600), "/dev/null": (1, 3, 0o666)}
# What the build itself makes on the server: no image's rsync --delete takes it away again.
BUILD_OWN = (
    ETC,
    LOG,
    "/boot/grub",
    "/etc/ssl/labnet",
    *(f"/etc/ssh/ssh_host_{kind}_key{pub}" for kind in ("rsa", "ecdsa", "ed25519")
      for pub in ("", ".pub")),
    *DEVICE_NODES,
)  # fmt: skip
TRANSFERRED = "Number of regular files transferred"
MAX_LOG = 1 << 20  # characters of one run's log the web tool keeps (its end)
Changes = dict[str, dict[int, dict[str, str]]]  # table -> row -> column -> new value


class Configuration(Protocol):
    """Where buildserver reads the configuration and writes back what it built."""

    # The web server's client that step 9's server functions ask (masterldap's accounts),
    # as the server's agent would; None on the database directly, where none is asked.
    client: ApiClient | None

    def export_mirror(self, directory: Path) -> None:
        """Write the whole XML mirror into directory."""

    def record(self, server: str, changes: Changes) -> None:
        """Write the changes (UUIDs, sizes, rs_date) into server's tables, in one batch."""

    def content(self, file: str, instance: FileInstance) -> bytes:
        """A file instance's content from the master store."""

    def publish_ssh_key(self, server: str, key: str) -> None:
        """Set server's ssh_key."""

    def certificate(
        self, server: str, paths: AgentPaths, own: Mapping[str, Sequence[str]]
    ) -> list[str]:
        """Make the server's certificate when it needs one; the lines to print."""

    def report(self, server: str, status: int, log: str) -> None:
        """Keep this run's log in the web tool."""


@dataclass(frozen=True)
class Options:
    server: str
    target: Path
    disks: Mapping[str, str] = field(default_factory=dict)  # table name -> device here
    yes: bool = False
    plan_only: bool = False
    wipe: frozenset[str] = frozenset()
    ssh_config: str | None = None
    peer_roots: str | None = None  # tests and demos: source host H's paths are under DIR/H
    grub: bool = True

    def device(self, disk: str) -> str:
        return self.disks.get(disk, f"/dev/{disk}")


class Stop(Exception):
    """Ends the build: why, and the exit status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class Console:
    """Prints each line and keeps it for the build log; asks the guide's questions."""

    def __init__(self, yes: bool, answers: TextIO | None = None, out: TextIO | None = None):
        self.yes, self.answers, self.out = yes, answers or sys.stdin, out or sys.stdout
        self.lines: list[str] = []

    def say(self, text: str = "") -> None:
        for line in text.splitlines() or [""]:
            self.lines.append(line)
            print(line, file=self.out, flush=True)

    def ask(self, question: str) -> bool:
        prompt = f"{question} (yes|no)"
        if self.yes:
            self.say(f"{prompt} yes")
            return True
        print(prompt, end=" ", file=self.out, flush=True)
        answer = self.answers.readline(16).strip().lower()
        self.lines.append(f"{prompt} {answer}")
        return answer == "yes"

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _gib(size: int | None) -> str:
    return "the rest of the disk" if size is None else f"{size / (1 << 30):,.2f} GiB"


class Build:
    def __init__(self, options: Options, config: Configuration, console: Console):
        self.options, self.config, self.console = options, config, console
        self.say, self.ask = console.say, console.ask
        self.plan: Plan | None = None
        self.entities: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.scanned: dict[str, disks.Disk] = {}  # disk name -> what the scan found
        self.fresh: set[str] = set()  # disks partitioned (again) by this run
        self.devices: dict[str, str] = {}  # a device as the tables name it -> the device here
        self.changes: Changes = {}

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> int:
        status = 0
        try:
            self.load()
            self.match()
            if self.options.plan_only:
                self.print_plan()
                return 0
            self.partition()
            self.volumes()
            self.format()
            self.write_back()
            self.mount()
            self.load_partitions()
            self.install_boot()
            self.configure()
            self.say("Build finished")
        except PlanError as refused:
            self.say(f"buildserver {self.options.server}: the tables are not consistent:")
            for problem in refused.problems:
                self.say(f"  {problem}")
            status = 2
        except Stop as stop:
            self.say(f"buildserver {self.options.server}: {stop}")
            status = stop.status
        except CommandFailed as failed:
            self.say(f"buildserver {self.options.server}: FAILED, {failed}")
            status = 1
        finally:
            if not self.options.plan_only:
                self.keep_log(status)
        return status

    def keep_log(self, status: int) -> None:
        """The log on the server (when its root is mounted) and in the web tool."""
        root = self.options.target
        if disks.mounted_at(root) is not None:
            path = under(root, LOG)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a") as log:
                log.write(f"--- {time.strftime(DATE_FORMAT)} exit status {status}\n")
                log.write(self.console.text())
        try:
            self.config.report(self.options.server, status, self.console.text()[-MAX_LOG:])
        except Exception as exc:  # the build's own outcome stands; say why the report did not
            print(f"buildserver: the report was not kept in the web tool: {exc}", file=sys.stderr)

    def change(self, table: str, row: int, column: str, old: str, new: str, what: str) -> None:
        if old != new:
            self.changes.setdefault(table, {}).setdefault(row, {})[column] = new
            self.say(f"Updating {column} from {old} to {new} for {what} ({table} row {row})")

    # -- step 1 -----------------------------------------------------------------------------
    def load(self) -> None:
        self.say("Loading Sysconfig database information")
        server = self.options.server
        own = None
        with tempfile.TemporaryDirectory(prefix="buildserver-") as staging:
            self.config.export_mirror(Path(staging))
            for item in iter_mirror(staging):
                if isinstance(item, MirrorEntity):
                    self.entities[(item.entity_type, item.name)] = {
                        v: item.values(v) for v in item.variables
                    }
                    if (item.entity_type, item.name) == (SERVER_TYPE, server):
                        own = item
        if own is None:
            raise Stop(f"{server!r} is not a server in the configuration", 2)
        self.tables = tables_of(
            (variable, value.indx, value.text)
            for variable, values in own.variables.items()
            for value in values
        )
        names = sorted(self.options.disks) if self.options.disks else None
        self.plan = make_plan(server, self.tables, names)

    # -- step 2 -----------------------------------------------------------------------------
    def match(self) -> None:
        self.say("Matching file systems with disk partitions")
        plan = self.plan
        known = {f.uuid for f in plan.filesystems if f.uuid}
        # The disks --disks names too: a second run finds arrays and volumes on disks the
        # tables no longer name once their UUIDs replaced the device names.
        names = dict.fromkeys([*plan.partitions, *self.options.disks]) or disks.machine_disks()
        for name in names:
            parts = plan.partitions.get(name, [])
            device = self.options.device(name)
            if not os.path.exists(device):
                if self.options.plan_only:
                    self.say(f"disk {name}: {device} is not on this machine; not scanned")
                    continue
                raise Stop(f"disk {name}: {device} does not exist")
            disk = disks.scan(device)
            self.scanned[name] = disk
            if not parts:
                continue
            need = plan.minimum_size(name)
            if disk.size < need:
                listed = ", ".join(f"{p.name} {_gib(p.size)}" for p in parts)
                raise Stop(
                    f"disk {name} ({device}) has {disk.size:,} bytes but the tables need "
                    f"{need:,} ({listed})"
                )
            for p in parts:
                self.devices[p.name] = disks.partition_path(device, p.number)
            uuids = {f.holds.get("UUID") for f in disk.partitions.values()} - {None}
            ours = disk.disk_id == plan.disk_id or (uuids and uuids <= known)
            if name in self.options.wipe or disk.empty:
                self.fresh.add(name)
            elif not ours:
                raise Stop(
                    f"disk {name} ({device}) holds {disk.describe()}, which buildserver did not "
                    f"make for {plan.server} and whose UUIDs are not in the tables; give "
                    f"--wipe {name} to erase it"
                )
            else:
                for p in parts:
                    found = disk.partitions.get(p.number)
                    if found is None or p.size is not None and found.size < p.size:
                        raise Stop(
                            f"disk {name} ({device}) was partitioned before without {p.name} "
                            f"of {_gib(p.size)} ({p.used_by}); give --wipe {name} to start it "
                            "again"
                        )
        for name, disk in self.scanned.items():
            state = "to be partitioned" if name in self.fresh else disk.describe()
            self.say(f"{name} ({disk.device}): {state}")

    def print_plan(self) -> None:
        plan = self.plan
        self.say(f"The plan for {plan.server} (nothing is written):")
        for name, parts in plan.partitions.items():
            state = "partitioned now" if name in self.fresh else "kept"
            state = state if name in self.scanned else "not scanned"
            self.say(f"disk {name} ({self.options.device(name)}), {state}:")
            for p in parts:
                flag = " boot" if p.boot else ""
                self.say(f"  {p.name} type {p.kind}{flag}: {_gib(p.size)} for {p.used_by}")
        for array in plan.arrays:
            members = ", ".join(array.members) or f"the members of {array.uuid}"
            self.say(f"array {array.device} {array.level} of {members}: {_gib(array.size)}")
        for group, volumes in plan.volume_groups().items():
            pvs = ", ".join(v.device or v.uuid or "" for v in volumes)
            self.say(f"volume group {group} on {pvs}")
        for lv in plan.logical:
            self.say(f"logical volume {lv.device}: {_gib(lv.size)}")
        for fs in plan.filesystems:
            state = f"found by UUID {fs.uuid}" if fs.uuid else "formatted now"
            self.say(
                f"{fs.device or 'UUID=' + str(fs.uuid)} {fs.fs_type} on {fs.mount_point}: {state}"
            )
        for point in plan.mounts():
            self.say(
                f"mount {point.mount_point} at {under(self.options.target, point.mount_point)}"
            )
        for r in plan.rsyncs:
            self.say(
                f"rsync {r.host}:{r.src} to {r.dst}{'' if r.sync else ' (rs_sync no: skipped)'}"
            )

    # -- step 3 -----------------------------------------------------------------------------
    def partition(self) -> None:
        plan = self.plan
        for name in sorted(self.fresh):
            device = self.options.device(name)
            parts = plan.partitions[name]
            self.say("The following partitions are about to be committed to the disk:")
            self.say(", ".join(f"{p.name} ({_gib(p.size)})" for p in parts))
            if not self.ask("Do you want to continue with this operation?"):
                raise Stop(f"disk {name} left as it was")
            if name in self.options.wipe:
                disks.wipe(device)
                self.say(f"{name} ({device}) wiped")
            disks.write_table(device, disks.sfdisk_script(parts, device, plan.disk_id))
            for p in parts:
                path = self.devices[p.name]
                subprocess.run(["wipefs", "-a", "-q", path], capture_output=True)
                self.say(f"Disk partition: {p.name} ({path}) successfully added")

    def volumes(self) -> None:
        """RAID arrays, then physical volumes, volume groups and logical volumes."""
        plan = self.plan
        if not (plan.arrays or plan.volumes):
            return
        self.say("Assembling meta device volumes")
        partitions = [path for name in self.scanned for path in self._paths_of(name)]
        for array in plan.arrays:
            members = [self.devices[m] for m in array.members]
            if array.uuid:
                raidlvm.assemble(
                    array.device, array.uuid, raidlvm.members_of(array.uuid, partitions)
                )
                uuid = array.uuid
            elif (
                members
                and all(disks.probe(m).get("TYPE") == "linux_raid_member" for m in members)
                and not self._fresh_device(array.members[0])
            ):
                found = disks.probe(members[0])["UUID"]
                raidlvm.assemble(array.device, found, members)  # from an interrupted run
                uuid = raidlvm.array_uuid(array.device)
            else:
                uuid = raidlvm.create_array(array, members)
                self.say(f"mdadm: array {array.device} started.")
            self.devices[array.device] = array.device
            self.change(MDADM, array.row, "md_UUID", self._md_cell(array.row), uuid, array.device)
        present = raidlvm.physical_volumes()
        by_uuid = {pv["pv_uuid"]: name for name, pv in present.items()}
        placed = []
        for volume in plan.volumes:
            if volume.uuid:
                if volume.uuid not in by_uuid:
                    raise Stop(
                        f"{PHYSICAL_VOLUMES} row {volume.row}, pv_uuid: no disk holds the "
                        f"physical volume {volume.uuid}"
                    )
                device = by_uuid[volume.uuid]
                pv = present[device]
            else:
                device = self.devices.get(volume.device, volume.device)
                pv = present.get(device) or raidlvm.create_physical_volume(device)
            if not pv.get("vg_name"):
                raidlvm.add_to_group(volume.vgroup, [device])
                self.say(f"Physical volume {device} added to volume group {volume.vgroup}")
            placed.append((volume, device))
        # Read once in their groups: a volume's size is then counted in whole extents.
        present = raidlvm.physical_volumes()
        for volume, device in placed:
            row = self.tables[PHYSICAL_VOLUMES][volume.row - 1]
            pv = present[device]
            self.change(
                PHYSICAL_VOLUMES, volume.row, "pv_uuid", row["pv_uuid"], pv["pv_uuid"], device
            )
            self.change(
                PHYSICAL_VOLUMES, volume.row, "pv_size", row["pv_size"], str(pv["pv_size"]), device
            )
        for group in plan.volume_groups():
            raidlvm.activate(group)
        existing = raidlvm.logical_volumes()
        for lv in sorted(plan.logical, key=lambda v: v.size is None):
            found = existing.get(lv.device)
            if lv.uuid and (found is None or found["lv_uuid"] != lv.uuid):
                raise Stop(
                    f"{LOGICAL_VOLUMES} row {lv.row}, lv_uuid: {lv.device} with UUID "
                    f"{lv.uuid} is on no disk"
                )
            if found is None:
                found = raidlvm.create_logical_volume(lv.vgroup, lv.name, lv.size)
                self.say(f'Logical volume "{lv.name}" created')
            self.devices[lv.device] = lv.device
            self.change(
                LOGICAL_VOLUMES, lv.row, "lv_uuid", lv.uuid or "none", found["lv_uuid"], lv.device
            )

    def _md_cell(self, row: int) -> str:
        return self.tables[MDADM][row - 1]["md_UUID"]

    def _paths_of(self, name: str) -> list[str]:
        disk = disks.scan(self.options.device(name))
        self.scanned[name] = disk
        return [f.path for f in disk.partitions.values()]

    def _fresh_device(self, table_name: str) -> bool:
        match = PARTITION.match(table_name)
        return match is not None and match["disk"] in self.fresh

    # -- step 4 -----------------------------------------------------------------------------
    def format(self) -> None:
        self.say("Formating unformatted partitions")
        found = self._filesystems_on_disks()
        for fs in self.plan.filesystems:
            device = self._format_one(fs, found)
            self.devices[fs.label] = device
            size = str(disks.size_of(device))
            row = self.tables[FSTAB][fs.row - 1]
            uuid = disks.probe(device)["UUID"]
            self.change(FSTAB, fs.row, "fst_uuid", row["fst_uuid"], uuid, fs.device or device)
            self.change(FSTAB, fs.row, "fst_size", row["fst_size"], size, fs.device or device)
            if fs.by_uuid and fs.device:  # the guide: physical names leave the table once built
                self.change(FSTAB, fs.row, "fst_dev", row["fst_dev"], UUID_PREFIX, fs.device)

    def _filesystems_on_disks(self) -> dict[str, str]:
        """UUID -> device of every file system on the disks, arrays and logical volumes."""
        candidates = [path for name in self.scanned for path in self._paths_of(name)]
        candidates += [
            d for d in self.devices.values() if d.startswith("/dev/") and not PARTITION.match(d)
        ]
        found = {}
        for device in dict.fromkeys(candidates):
            if os.path.exists(device) and (uuid := disks.probe(device).get("UUID")):
                found.setdefault(uuid, device)
        return found

    def _format_one(self, fs: FileSystem, found: Mapping[str, str]) -> str:
        if fs.uuid:
            if fs.uuid not in found:
                raise Stop(
                    f"{fs.label}, fst_uuid: no disk holds the file system {fs.uuid}; set it to "
                    "none to build a new one"
                )
            self.say(f"{fs.device or 'UUID=' + fs.uuid} {fs.fs_type}: found on {found[fs.uuid]}")
            return found[fs.uuid]
        device = self.devices.get(fs.device, fs.device)
        holds = disks.probe(device)
        if holds.get("TYPE") == fs.fs_type and not self._fresh_device(fs.device):
            # A file system made by an interrupted run of this build (a disk buildserver
            # partitioned for this server): kept, and its UUID written back below.
            self.say(
                f"{fs.device} {fs.fs_type}: UUID {holds.get('UUID')} from an earlier run, kept"
            )
            return device
        if "TYPE" in holds and not self._fresh_device(fs.device):
            self.say(
                f"{fs.device} ({device}) holds a {holds['TYPE']} file system whose UUID "
                f"{holds.get('UUID', '?')} is not in the tables"
            )
            if not self.ask("Do you want to reformat it?"):
                raise Stop(f"{fs.device} left as it was")
        uuid = disks.make_filesystem(device, fs.fs_type)
        self.say(f"{fs.device} ({device}): {fs.fs_type} made, UUID={uuid}")
        return device

    def write_back(self) -> None:
        self.say("Updating file sizes in the database with actual values from the disks")
        if not self.changes:
            self.say("The tables already hold every UUID and size")
            return
        if not self.ask("Do you want to continue with update?"):
            raise Stop("the tables were not updated; the next run finds what this one built")
        self.config.record(self.options.server, self.changes)
        self.changes = {}

    # -- step 5 -----------------------------------------------------------------------------
    def mount(self) -> None:
        self.say("Mounting unmounted partitions")
        for fs in self.plan.mounts():
            point = under(self.options.target, fs.mount_point)
            device = self.devices[fs.label]
            current = disks.mounted_at(point)
            if current is None:
                disks.mount(device, point, fs.fs_type, fs.options)
            elif os.path.realpath(current) != os.path.realpath(device):
                raise Stop(f"{point} already has {current} mounted, not {device} ({fs.label})")
        self.say("Summary of disk info")
        self.say("The following is the status of the file systems in the fstab")
        for fs in self.plan.filesystems:
            kind = "(raid)" if fs.device and MD_DEVICE.match(fs.device) else ""
            kind = kind or (
                "(lvm)"
                if fs.device and fs.device.count("/") == 3 and not PARTITION.match(fs.device)
                else ""
            )
            name = fs.device or f"UUID={fs.uuid}"
            state = f"mounted on: {fs.mount_point}" if fs.mounted else "formatted"
            self.say(f"{name} {fs.fs_type}{kind} {state}")
        if not self.ask("Continue loading disk partitions?"):
            raise Stop("stopped before loading the partitions; the file systems stay mounted")

    # -- step 6 -----------------------------------------------------------------------------
    def load_partitions(self) -> None:
        self.say("Rsyncing file systems from master image")
        server = self.options.server
        images = [image_from_values(n, v) for (k, n), v in self.entities.items() if k == IMAGE_TYPE]
        rows = [
            r
            for (k, n), v in self.entities.items()
            if k == SERVER_TYPE
            for r in rows_from_values(n, v)
        ]
        servers = {n for k, n in self.entities if k == SERVER_TYPE}
        derivation = derive(images, rows, servers)
        managed = managed_paths(server, self.entities)
        for source in self.plan.rsyncs:
            self.say(f"Starting rsync from {source.host}:{source.src} to {source.dst}")
            if not source.sync:
                self.say(f"rs_sync is no ({RSYNC_TABLE} row {source.row}): skipped")
                continue
            if not self.ask("Do you want to rsync this partition?"):
                continue
            tree = derivation.trees.get(derivation.image_of((server, source.row)) or "")
            # Other rows' destinations under this one are their own partitions: --delete
            # leaves them to those rows, as it leaves the managed files to the agent.
            nested = {r.dst for r in self.plan.rsyncs if r.dst != source.dst} | set(BUILD_OWN)
            if tree is None:
                self.say(f"no image holds {source.host}:{source.src}: no image filter rules")
            image = tree.image if tree else Image("", source.host, source.src)
            self._rsync(source, filter_rules(image, source.dst, managed | nested))

    def _rsync(self, source, rules: list[str]) -> None:
        options = self.options
        src = source.src
        if options.peer_roots:
            src = str(under(Path(options.peer_roots) / source.host, src))
        destination = under(options.target, source.dst)
        destination.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", prefix="buildserver-", suffix=".rules") as merge:
            merge.write("".join(f"{rule}\n" for rule in rules))
            merge.flush()
            command = [
                RSYNC, *RSYNC_OPTIONS, f"--filter=merge {merge.name}",
                "-e", rsync_shell(options.ssh_config),
                f"{source.host}:{src.rstrip('/')}/", f"{destination}/",
            ]  # fmt: skip
            self.say(shlex.join(command))
            done = subprocess.run(command, capture_output=True, text=True, errors="replace")
        if done.returncode != 0:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise Stop(
                f"rsync of {source.dst} from {source.host}:{source.src} FAILED, rsync exited "
                f"{done.returncode}: {tail}; rs_date left as it was; run buildserver again to "
                "resume"
            )
        self.say(
            next((line for line in done.stdout.splitlines() if line.startswith(TRANSFERRED)), "")
        )
        date = time.strftime(DATE_FORMAT)
        self.config.record(self.options.server, {RSYNC_TABLE: {source.row: {"rs_date": date}}})
        self.say(
            f"Rsync of directory {source.dst} on {self.options.server} completed, rs_date {date}"
        )

    # -- step 7 -----------------------------------------------------------------------------
    def install_boot(self) -> None:
        self.say("Setting up the boot sectors")
        if not self.options.grub:
            self.say("skipped (--no-grub)")
            return
        if not self.ask("Do you want to setup the boot sector?"):
            return
        plan, target = self.plan, self.options.target
        boot_fs = next((f for f in plan.filesystems if f.mount_point == "/boot"), plan.root())
        root = plan.root()
        raid = bool(boot_fs.device and MD_DEVICE.match(boot_fs.device))
        lvm = bool(plan.logical) and boot_fs.device in {lv.device for lv in plan.logical}
        wanted = boot.modules(boot_fs.fs_type, raid, lvm)
        for name in self._boot_disks(boot_fs):
            self.say(
                boot.install(target, self.options.device(name), wanted).strip()
                or f"GRUB installed on {name}"
            )
        if boot.GRUB_CFG in managed_paths(self.options.server, self.entities):
            self.say(f"{boot.GRUB_CFG} is a managed file: installed with the others")
            return
        own = self.entities[(SERVER_TYPE, self.options.server)]
        kernel = next((k.strip() for k in own.get(KERNEL, []) if k.strip()), "")
        if not kernel:
            self.say(f"the entity has no {KERNEL}: {boot.GRUB_CFG} not written")
            return
        prefix = "" if boot_fs is not root else "/boot"
        boot_uuid = disks.probe(self.devices[boot_fs.label])["UUID"]
        path = boot.write_config(
            target,
            boot.config(
                self.options.server, kernel, boot_uuid, prefix, self._root_argument(root), wanted
            ),
        )
        self.say(f"{path} boots {prefix}/{kernel}")
        if not under(target, f"{prefix or '/boot'}/{kernel}").exists():
            self.say(f"warning: the kernel {kernel} is not in /boot of the new server yet")

    def _boot_disks(self, boot_fs: FileSystem) -> list[str]:
        names = {boot_fs.device} | {
            m for a in self.plan.arrays if a.device == boot_fs.device for m in a.members
        }
        found = sorted({m["disk"] for n in names if n and (m := PARTITION.match(n))})
        return found or sorted(self.plan.partitions)

    def _root_argument(self, root: FileSystem) -> str:
        """How the kernel finds its root with no initramfs: an array or logical volume by its
        name, a partition by its MBR PARTUUID."""
        if root.device and not PARTITION.match(root.device):
            return root.device
        return "PARTUUID=" + disks.probe(self.devices[root.label])["PART_ENTRY_UUID"]

    # -- step 8 -----------------------------------------------------------------------------
    def configure(self) -> None:
        server, target = self.options.server, self.options.target
        self.say("Building custom configuration")
        paths = AgentPaths(target, under(target, ETC))
        self.config.export_mirror(paths.etc)
        self.say(f"Building the XML config files in {paths.etc}.")
        self.say("Checking ssh keys")
        under(target, "/etc/ssh").mkdir(parents=True, exist_ok=True)
        made = disks.run(["ssh-keygen", "-A", "-f", str(target)])
        self.say(made.strip() or "the host keys exist")
        source = MirrorSource(paths.etc)
        own = source.entity_values(SERVER_TYPE, server) or {}
        key = public_key(target)
        if key and list(own.get(SSH_KEY, [])) != [key]:
            self.config.publish_ssh_key(server, key)
            self.say(f"ssh_key of {server} set to the new host key")
        self.say("Loading all custom configuration files")
        run = HostFiles(paths, source, server, self.config.content).apply()
        for changed in run.changed:
            self.say(f"installed {changed.get('path')} ({changed.get('file')})")
        for script in run.scripts:
            self.say(f"script of {script.file}: exit status {script.status}")
        for error in run.errors:
            self.say(f"error: {error.get('file')}: {error.get('message')}")
        self.say("Making server certificates")
        for line in self.config.certificate(server, paths, own):
            self.say(line)
        self.say("Performing specific server customizations")
        context = FunctionContext(server, paths, source, self.config.client)
        for function, done in run_functions(context, own.get("functions", ())).items():
            problems = "; ".join(done.problems) or "none"
            self.say(f"{function}: {len(done.changed)} changed, problems: {problems}")
        self.say("Initializing /dev directory")
        for path, (major, minor, mode) in DEVICE_NODES.items():
            node = under(target, path)
            node.parent.mkdir(parents=True, exist_ok=True)
            if not node.exists():
                os.mknod(node, mode | stat.S_IFCHR, os.makedev(major, minor))
                os.chmod(node, mode)
        self.say("Finished configuring server")
        if run.errors:
            raise Stop(f"{len(run.errors)} managed files failed; the build log has them")
