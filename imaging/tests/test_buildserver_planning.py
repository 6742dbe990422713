"""buildserver's step 1: the guide's tables become a plan, and every inconsistency is refused
naming its table, row and column before anything is written."""

from __future__ import annotations

import copy

import pytest

from imaging.host.buildserver.planning import (
    MD_RESERVE,
    MIB,
    PlanError,
    make_plan,
    parse_disks,
    tables_of,
)

GIB = 1 << 30


def row(**cells: str) -> dict[str, str]:
    return cells


def fstab(dev, point, fs_type="ext4", size=str(GIB), uuid="none", opts="noatime", pass_="2"):
    return row(
        fst_dev=dev, fst_mntpt=point, fst_type=fs_type, fst_opts=opts, fst_dump="0",
        fst_pass=pass_, fst_uuid=uuid, fst_size=size,
    )  # fmt: skip


def gasket() -> dict[str, list[dict[str, str]]]:
    """The guide's gasket before buildserver (demo/mirror/server/gasket), smaller."""
    return {
        "fstab": [
            fstab("/dev/md0", "/", size=str(4 * GIB), pass_="1"),
            fstab("UUID=/dev/sda2", "swap", "swap", str(GIB), opts="sw"),
            fstab("UUID=/dev/sdb2", "swap", "swap", str(GIB), opts="sw"),
            fstab("/dev/vg1/lv01", "/var", size=str(2 * GIB)),
            fstab("/dev/vg1/lv02", "/mnt/dbgen64prod", size=str(3 * GIB)),
        ],
        "logicalVolumes": [
            row(lv_name="lv01", lv_vgroup="vg1", lv_uuid="none"),
            row(lv_name="lv02", lv_vgroup="vg1", lv_uuid="none"),
        ],
        "mdadm": [
            row(
                md_device="/dev/md0",
                md_level="raid1",
                md_num_devices="2",
                md_UUID="/dev/sda1,/dev/sdb1",
            ),
            row(
                md_device="/dev/md1",
                md_level="raid1",
                md_num_devices="2",
                md_UUID="/dev/sda3,/dev/sdb3",
            ),
        ],  # fmt: skip
        "physicalVolumes": [row(pv_uuid="/dev/md1", pv_vgroup="vg1", pv_size="-1")],
        "Rsync": [
            row(
                rs_host="jon", rs_src="/mnt/dbgen64prod", rs_dst="/", rs_sync="yes", rs_date="none"
            ),
            row(
                rs_host="jon",
                rs_src="/mnt/dbgen64prod/var",
                rs_dst="/var",
                rs_sync="no",
                rs_date="none",
            ),
        ],  # fmt: skip
    }


def refusals(tables, disks=("sda", "sdb")) -> list[str]:
    with pytest.raises(PlanError) as refused:
        make_plan("gasket", tables, list(disks) if disks else None)
    return refused.value.problems


def test_the_guides_appserver_layout_is_planned_partition_by_partition():
    plan = make_plan("gasket", gasket(), ["sda", "sdb"])

    sda = plan.partitions["sda"]
    assert [(p.name, p.kind, p.boot) for p in sda] == [
        ("/dev/sda1", "fd", True),
        ("/dev/sda2", "82", False),
        ("/dev/sda3", "fd", False),
    ]
    # a RAID1 member holds the array and mdadm's superblock; the last takes the rest
    assert sda[0].size == 4 * GIB + MD_RESERVE
    assert sda[1].size == GIB
    assert sda[2].size is None
    assert [p.name for p in plan.partitions["sdb"]] == ["/dev/sdb1", "/dev/sdb2", "/dev/sdb3"]
    assert [(a.device, a.members) for a in plan.arrays] == [
        ("/dev/md0", ["/dev/sda1", "/dev/sdb1"]),
        ("/dev/md1", ["/dev/sda3", "/dev/sdb3"]),
    ]
    assert list(plan.volume_groups()) == ["vg1"]
    assert [(lv.device, lv.size) for lv in plan.logical] == [
        ("/dev/vg1/lv01", 2 * GIB),
        ("/dev/vg1/lv02", 3 * GIB),
    ]
    assert [f.mount_point for f in plan.mounts()] == ["/", "/var", "/mnt/dbgen64prod"]
    assert [(r.dst, r.sync) for r in plan.rsyncs] == [("/", True), ("/var", False)]
    assert plan.minimum_size("sda") == MIB + 4 * GIB + MD_RESERVE + GIB + MIB


def test_a_built_server_plans_to_find_everything_by_uuid():
    tables = gasket()
    tables["fstab"][0]["fst_uuid"] = "b6fbcac0-caad-5e93-b089-af135954adc8"
    tables["fstab"][1].update(fst_dev="UUID=", fst_uuid="a5cb3b73-c0be-4cec-b4ae-d6f4fe6fb112")
    tables["mdadm"][0]["md_UUID"] = "aac293b5:4f2306a1:ed13523e:85f127b2"

    plan = make_plan("gasket", tables, ["sda", "sdb"])

    swap = plan.filesystems[1]
    assert (swap.device, swap.uuid, swap.by_uuid) == (
        None,
        "a5cb3b73-c0be-4cec-b4ae-d6f4fe6fb112",
        True,
    )
    assert [p.name for p in plan.partitions["sda"]] == ["/dev/sda3"]
    assert plan.arrays[0].members == [] and plan.arrays[0].uuid.startswith("aac293b5")


def test_tables_are_read_by_row_number_from_an_entitys_values():
    held = [
        ("fst_dev", 1, "/dev/sda1"),
        ("fst_mntpt", 1, "/"),
        ("fst_dev", 3, " /dev/sda3 "),
        ("kernel", 1, "bzImage"),
    ]
    tables = tables_of(held)
    assert [r["fst_dev"] for r in tables["fstab"]] == ["/dev/sda1", "", "/dev/sda3"]
    assert tables["fstab"][1]["fst_uuid"] == "" and tables["mdadm"] == []


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t["fstab"][3].update(fst_dev="/dev/vg1/lv09"),
         "fstab row 4, fst_dev: logical volume lv09 of vg1 is not in logicalVolumes"),
        (lambda t: t["fstab"][0].update(fst_dev="/dev/md7"),
         "fstab row 1, fst_dev: /dev/md7 is not in mdadm"),
        (lambda t: t["fstab"][0].update(fst_uuid="not-a-uuid"),
         "fstab row 1, fst_uuid: 'not-a-uuid' is neither none nor a file system UUID"),
        (lambda t: t["fstab"][1].update(fst_size="big"),
         "fstab row 2, fst_size: 'big' is not a size in bytes (or -1: the rest)"),
        (lambda t: t["fstab"][1].update(fst_size="512"),
         "fstab row 2, fst_size: 512 bytes is less than 1 MiB (or -1: the rest)"),
        (lambda t: t["fstab"][1].update(fst_dev="UUID="),
         "fstab row 2, fst_dev: UUID= names no device and fst_uuid is none: nothing to build "
         "or find"),
        (lambda t: t["fstab"][2].update(fst_dev="UUID=/dev/sda2"),
         "fstab row 3, fst_dev: /dev/sda2 is already used by fstab row 2"),
        (lambda t: t["fstab"][4].update(fst_mntpt="/var"),
         "fstab row 5, fst_mntpt: /var is mounted by fstab row 4 too"),
        (lambda t: t["fstab"][4].update(fst_mntpt="/mnt/../etc"),
         "fstab row 5, fst_mntpt: path '/mnt/../etc' has an empty, '.' or '..' segment"),
        (lambda t: t["fstab"][4].update(fst_type="btrfs"),
         "fstab row 5, fst_type: 'btrfs': buildserver formats ext2, ext3, ext4, xfs, vfat, swap"),
        (lambda t: t["fstab"][1].update(fst_dev="UUID=/dev/sdc2"),
         "fstab row 2, fst_dev: /dev/sdc2 is on disk sdc, which --disks does not name"),
        (lambda t: t["fstab"][1].update(fst_dev="UUID=/dev/sda"),
         "fstab row 2, fst_dev: /dev/sda is not a disk partition such as /dev/sda1"),
        (lambda t: t["mdadm"][0].update(md_num_devices="3"),
         "mdadm row 1, md_UUID: lists 2 devices but md_num_devices is 3"),
        (lambda t: t["mdadm"][0].update(md_level="raid7"),
         "mdadm row 1, md_level: 'raid7' is not one of raid0, raid1, raid5, raid6, raid10"),
        (lambda t: t["mdadm"][0].update(md_UUID="/dev/sda1,sdb1"),
         "mdadm row 1, md_UUID: '/dev/sda1,sdb1' is neither an array UUID nor partitions"),
        (lambda t: t["mdadm"][1].update(md_device="/dev/md0"),
         "mdadm row 2, md_device: /dev/md0 is in mdadm row 1 too"),
        (lambda t: t["mdadm"].append(row(md_device="/dev/md5", md_level="raid1",
                                         md_num_devices="2", md_UUID="/dev/sda5,/dev/sdb5")),
         "mdadm row 3, md_device: /dev/md5 is used by no fstab or physicalVolumes row, so it "
         "has no size"),
        (lambda t: t["logicalVolumes"].append(row(lv_name="lv07", lv_vgroup="vg1",
                                                  lv_uuid="none")),
         "logicalVolumes row 3, lv_name: /dev/vg1/lv07 has no fstab row to give its size"),
        (lambda t: t["logicalVolumes"][1].update(lv_vgroup="vg2"),
         "logicalVolumes row 2, lv_vgroup: volume group vg2 has no physicalVolumes row"),
        (lambda t: t["logicalVolumes"][1].update(lv_name="lv01"),
         "logicalVolumes row 2, lv_name: /dev/vg1/lv01 is in row 1 too"),
        (lambda t: t["logicalVolumes"][0].update(lv_uuid="abc"),
         "logicalVolumes row 1, lv_uuid: 'abc' is neither none nor an LVM UUID"),
        (lambda t: t["physicalVolumes"][0].update(pv_uuid="/dev/md4"),
         "physicalVolumes row 1, pv_uuid: /dev/md4 is not in mdadm"),
        (lambda t: t["physicalVolumes"][0].update(pv_size=str(4 * GIB)),
         "physicalVolumes row 1, pv_size: volume group vg1 holds 4,293,918,720 bytes but its "
         "logical volumes need 5,368,709,120"),
        (lambda t: t["Rsync"][0].update(rs_dst="var"),
         "Rsync row 1, rs_dst: path 'var' is not absolute (it must start with /)"),
        (lambda t: t["Rsync"][0].update(rs_host="jon;rm"),
         "Rsync row 1, rs_host: 'jon;rm' is not a host name"),
        (lambda t: t["fstab"][0].update(fst_mntpt="/srv"),
         "fstab: no row mounts / (fst_mntpt), so there is no root to build"),
        (lambda t: t["fstab"][1].update(fst_size="-1"),
         "disk sda: only its last partition may take the rest of the disk (size -1); "
         "/dev/sda2 of fstab row 2 is not the last"),
        (lambda t: t["fstab"][2].update(fst_dev="UUID=/dev/sdb6"),
         "disk sdb: logical partitions are numbered 5, 6, ... without a gap"),
    ],
)  # fmt: skip
def test_each_inconsistency_is_refused_naming_table_row_and_column(change, message):
    tables = copy.deepcopy(gasket())
    change(tables)
    assert any(p.startswith(message) for p in refusals(tables)), refusals(tables)


def test_every_problem_is_named_at_once():
    tables = gasket()
    tables["fstab"][3]["fst_dev"] = "/dev/vg1/lv09"
    tables["mdadm"][0]["md_level"] = "raid9"
    assert len(refusals(tables)) >= 2


def test_a_plain_server_with_logical_partitions():
    tables = {
        "fstab": [
            fstab("/dev/sda1", "/", size=str(2 * GIB), pass_="1"),
            fstab("UUID=/dev/sda5", "swap", "swap", str(GIB)),
            fstab("/dev/sda6", "/var", size="-1"),
        ]
    }
    plan = make_plan("odie", tables, None)
    assert [(p.name, p.size) for p in plan.partitions["sda"]] == [
        ("/dev/sda1", 2 * GIB),
        ("/dev/sda5", GIB),
        ("/dev/sda6", None),
    ]
    assert plan.partitions["sda"][0].boot
    assert (
        plan.disk_id == make_plan("odie", tables).disk_id != make_plan("gasket", gasket()).disk_id
    )


def test_disk_names_on_the_command_line():
    assert parse_disks("sda=/dev/loop3,sdb=/dev/loop4") == {
        "sda": "/dev/loop3",
        "sdb": "/dev/loop4",
    }
    for bad in ("sda", "sda=/etc/passwd x", "disk=/dev/loop0", "sda=/dev/loop0,sda=/dev/loop1"):
        with pytest.raises(ValueError, match="--disks"):
            parse_disks(bad)
