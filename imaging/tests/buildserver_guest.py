"""Run inside the QEMU guest (test_buildserver_guest.py boots it): buildserver's real mdadm
and lvm2 code builds the guide's appserver layout (root on a RAID1 array, swap on each disk,
a RAID1 physical volume holding vg1's logical volumes) on /dev/vdb and /dev/vdc, then, with
everything stopped, a second run re-assembles the arrays, activates the volume group and
mounts it all by the UUIDs the first wrote back.

Writes OUT/result.json: {"checks": {name: [ok, detail]}}."""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
from pathlib import Path

from entities.mirror import MirrorEntity, MirrorValue, entity_xml
from imaging.host.buildserver.planning import TABLE_COLUMNS
from imaging.host.buildserver.steps import Build, Console, Options

MIB = 1 << 20
OUT = Path(sys.argv[1])
TARGET = Path("/mnt/slash")
checks: dict[str, list] = {}


def check(name: str, ok: bool, detail: str = "") -> None:
    checks[name] = [bool(ok), detail[-2000:]]


def sh(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout


def fstab(dev: str, point: str, fs_type: str, size: int | str) -> dict[str, str]:
    return {
        "fst_dev": dev, "fst_mntpt": point, "fst_type": fs_type, "fst_opts": "defaults",
        "fst_dump": "0", "fst_pass": "0", "fst_uuid": "none", "fst_size": str(size),
    }  # fmt: skip


TABLES = {
    "fstab": [
        fstab("/dev/md0", "/", "ext4", 128 * MIB),
        fstab("UUID=/dev/sda2", "swap", "swap", 32 * MIB),
        fstab("UUID=/dev/sdb2", "swap", "swap", 32 * MIB),
        fstab("/dev/vg1/lv01", "/var", "ext4", 64 * MIB),
        fstab("/dev/vg1/lv02", "/mnt/dbgen64prod", "ext4", 96 * MIB),
    ],
    "logicalVolumes": [
        {"lv_name": "lv01", "lv_vgroup": "vg1", "lv_uuid": "none"},
        {"lv_name": "lv02", "lv_vgroup": "vg1", "lv_uuid": "none"},
    ],
    "mdadm": [
        {
            "md_device": "/dev/md0",
            "md_level": "raid1",
            "md_num_devices": "2",
            "md_UUID": "/dev/sda1,/dev/sdb1",
        },
        {
            "md_device": "/dev/md1",
            "md_level": "raid1",
            "md_num_devices": "2",
            "md_UUID": "/dev/sda3,/dev/sdb3",
        },
    ],  # fmt: skip
    "physicalVolumes": [{"pv_uuid": "/dev/md1", "pv_vgroup": "vg1", "pv_size": "-1"}],
}


class GuestConfiguration:
    """The configuration as the tables above, in memory: the guest has no web server."""

    def __init__(self):
        self.recorded: list[dict] = []

    def export_mirror(self, directory: Path) -> None:
        variables: dict[str, list[MirrorValue]] = {}
        for table, rows in TABLES.items():
            for column in TABLE_COLUMNS[table]:
                variables[column] = [MirrorValue(i, row[column]) for i, row in enumerate(rows, 1)]
        (directory / "server").mkdir(parents=True, exist_ok=True)
        (directory / "server" / "gasket").write_bytes(
            entity_xml(MirrorEntity("server", "gasket", variables))
        )

    def record(self, server: str, changes: dict) -> None:
        self.recorded.append(changes)
        for table, rows in changes.items():
            for row, cells in rows.items():
                TABLES[table][row - 1].update(cells)

    def report(self, server: str, status: int, log: str) -> None:
        with (OUT / "build.log").open("a") as kept:
            kept.write(log)


def build(config: GuestConfiguration) -> Build:
    """Steps 1 to 5 (the guest has no rsync source, GRUB or managed files)."""
    options = Options("gasket", TARGET, {"sda": "/dev/vdb", "sdb": "/dev/vdc"}, yes=True)
    run = Build(options, config, Console(True))
    for step in (
        run.load,
        run.match,
        run.partition,
        run.volumes,
        run.format,
        run.write_back,
        run.mount,
    ):
        step()
    run.keep_log(0)
    return run


def main() -> None:
    config = GuestConfiguration()
    first = build(config)
    text = first.console.text()
    check("the first run creates both arrays", text.count("started.") == 2, text)
    md0 = sh("mdadm", "--detail", "/dev/md0")
    check("md0 is RAID1 of vdb1 and vdc1", "raid1" in md0 and "/dev/vdb1" in md0, md0)
    check("vg1 is on md1", "/dev/md1" in sh("pvs", "-o", "pv_name,vg_name"), sh("pvs"))
    mounts = sh("findmnt", "-rn", "-o", "TARGET,SOURCE")
    check("/ is md0 at the target", f"{TARGET} /dev/md0" in mounts, mounts)
    check("/var is lv01", f"{TARGET}/var /dev/mapper/vg1-lv01" in mounts, mounts)
    uuids = {r["fst_mntpt"]: r["fst_uuid"] for r in TABLES["fstab"]}
    written = [*uuids.values(), *(r["lv_uuid"] for r in TABLES["logicalVolumes"])]
    pv_uuid = TABLES["physicalVolumes"][0]["pv_uuid"]
    check(
        "every UUID is written back",
        "none" not in written and all(":" in r["md_UUID"] for r in TABLES["mdadm"])
        and not pv_uuid.startswith("/dev/"),
        json.dumps(TABLES),
    )  # fmt: skip
    check("one batch of UUIDs and sizes", len(config.recorded) == 1, json.dumps(config.recorded))
    (TARGET / "var" / "kept").write_text("still here\n")

    sh("umount", "-R", str(TARGET))
    sh("vgchange", "-an", "vg1")
    sh("mdadm", "--stop", "/dev/md1")
    sh("mdadm", "--stop", "/dev/md0")
    check(
        "everything stopped",
        "md0" not in Path("/proc/mdstat").read_text(),
        Path("/proc/mdstat").read_text(),
    )

    second = build(config)
    text = second.console.text()
    check(
        "the second run creates nothing", "started." not in text and "made, UUID=" not in text, text
    )
    check("the second run writes nothing back", len(config.recorded) == 1, text)
    mounts = sh("findmnt", "-rn", "-o", "TARGET,SOURCE")
    check("the arrays are re-assembled and mounted", f"{TARGET} /dev/md0" in mounts
          and f"{TARGET}/mnt/dbgen64prod /dev/mapper/vg1-lv02" in mounts, mounts)  # fmt: skip
    check("the data is there", (TARGET / "var" / "kept").read_text() == "still here\n")
    check("the build log is on the server", "Matching file systems" in
          (TARGET / "var/log/buildserver.log").read_text())  # fmt: skip
    check("the guest script ran to its end", True)


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        check("the guest script ran to its end", False, traceback.format_exc())
    (OUT / "result.json").write_text(json.dumps({"checks": checks}))
