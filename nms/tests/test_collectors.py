"""Each collector on real samples, then on this machine for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from nms.host.collectors import (
    ERROR,
    FstabRow,
    HostConfig,
    Reading,
    System,
    categories,
    collect_all,
    daemon,
    diskinodes,
    diskspace,
    fsck,
    loadaverage,
    mdstat,
    mounts,
    uuids,
)
from nms.host.collectors._filesystems import disk_mounts, parse_mounts, percent_used
from nms.host.collectors._network import percent, usage

SAMPLES = Path(__file__).parent / "samples"
VAR_UUID = "b87936eb-d088-5db3-b1fd-97a68d2e1da0"
MEGATRON = HostConfig(
    "megatron",
    fstab=[
        FstabRow("/dev/md0", "/", "ext4", "noatime", "1", "cfa2b27b-07c0-5ce0-8013-ffa9f40bd410"),
        FstabRow("UUID=", "swap", "swap", "sw", "0", "3b8507f5-8d64-5052-b0de-989376a30f71"),
        FstabRow("/dev/vg1/lv01", "/var", "ext4", "noatime", "2", VAR_UUID),
        FstabRow("/dev/vg1/lv03", "/diskless/vars", "ext4", "noatime", "2", "none"),
        FstabRow("/dev/sdz1", "/backup", "ext4", "noauto", "0", ""),
    ],
)  # fmt: skip


def sample_root(tmp_path: Path, **files: str) -> Path:
    """A folder laid out like / with the given sample files (proc_mdstat -> /proc/mdstat)."""
    for name, sample in files.items():
        target = tmp_path / name.replace("_", "/", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / sample, target)
    return tmp_path


def test_every_category_of_the_guide_has_a_collector():
    assert categories() == [
        "daemon", "diskinodes", "diskspace", "fsck", "imageage", "loadaverage",
        "mdstat", "mounts", "netrx", "nettx", "uuids",
    ]  # fmt: skip


def test_mdstat_reports_degraded_resync_recovery_and_inactive_arrays():
    readings = {r.item: r for r in mdstat.parse_mdstat((SAMPLES / "mdstat").read_text())}
    assert {item: r.value for item, r in readings.items()} == {
        "/dev/md1": "resync",
        "/dev/md0": "degraded",
        "/dev/md3": "recovery",
        "/dev/md2": "active",
        "/dev/md127": "inactive",
    }
    assert readings["/dev/md0"].detail == "raid1 [2/1] [U_]"
    assert readings["/dev/md1"].detail == "raid1, [2/2] [UU], resync 8.6%, finish 74.3min"
    assert "recovery 17.7%" in readings["/dev/md3"].detail


def test_mdstat_without_the_md_driver_has_no_arrays(tmp_path):
    assert mdstat.collect(MEGATRON, System(root=tmp_path)) == []


def test_tune2fs_mount_count_past_the_maximum_schedules_a_check():
    fields = fsck.parse_tune2fs((SAMPLES / "tune2fs-due").read_text())
    now = time.mktime((2013, 6, 9, 2, 0, 0, 0, 0, -1))
    value, detail = fsck.evaluate(fields, now)
    assert value == "scheduled"
    assert "mounted 31 of 30 times" in detail
    assert "checked 2013-03-05, next by 2013-09-01" in detail


def test_tune2fs_interval_run_out_schedules_a_check_and_pass_0_never_checks():
    fields = fsck.parse_tune2fs((SAMPLES / "tune2fs-ok").read_text())
    june, october = (time.mktime((2013, m, 9, 2, 0, 0, 0, 0, -1)) for m in (6, 10))
    assert fsck.evaluate(fields, june)[0] == "ok"
    assert fsck.evaluate(fields, october)[0] == "scheduled"
    assert fsck.evaluate(fields, october, passno="0")[0] == "ok"


def test_a_mounted_file_system_without_a_journal_is_not_due_for_its_state():
    fields = {"filesystem state": "not clean", "filesystem features": "ext_attr dir_index"}
    assert fsck.evaluate(fields, 0, mounted=True)[0] == fsck.NOT_SCHEDULED
    assert fsck.evaluate(fields, 0, mounted=False)[0] == fsck.SCHEDULED
    journalled = {**fields, "filesystem features": "has_journal ext_attr"}
    assert fsck.evaluate(journalled, 0, mounted=True)[0] == fsck.SCHEDULED
    errors = {**fields, "filesystem state": "not clean with errors"}
    assert fsck.evaluate(errors, 0, mounted=True)[0] == fsck.SCHEDULED


def test_fsck_runs_tune2fs_on_the_fstab_devices(tmp_path):
    root = sample_root(tmp_path, proc_mounts="mounts", proc_filesystems="filesystems")
    ran = []

    def run(argv):
        ran.append(argv[-1])
        return (
            SAMPLES / ("tune2fs-due" if argv[-1] == "/dev/vg1/lv01" else "tune2fs-ok")
        ).read_text()

    system = System(root=root, run=run, clock=lambda: time.mktime((2013, 6, 9, 2, 0, 0, 0, 0, -1)))
    readings = {r.item: r.value for r in fsck.collect(MEGATRON, system)}
    assert readings["/var"] == "scheduled"
    assert readings["/"] == "ok"
    assert readings["/backup"] == "ok"  # pass 0
    assert "/dev/md0" in ran and "/dev/vg1/lv01" in ran


def test_mounts_compares_the_fstab_table_with_proc_mounts():
    readings = mounts.compare(MEGATRON, (SAMPLES / "mounts").read_text())
    assert [(r.item, r.value) for r in readings] == [
        ("/", "mounted"),
        ("/var", "mounted"),
        ("/diskless/vars", "unmounted"),
    ]


def test_proc_mounts_escapes_and_disk_backed_file_systems(tmp_path):
    parsed = parse_mounts((SAMPLES / "mounts").read_text())
    assert "/srv/images copy" in [m.mountpoint for m in parsed]
    root = sample_root(tmp_path, proc_mounts="mounts", proc_filesystems="filesystems")
    assert [m.mountpoint for m in disk_mounts(System(root=root))] == [
        "/", "/var", "/diskless", "/images",
    ]  # fmt: skip


def test_a_mount_point_mounted_twice_is_read_once_as_the_visible_mount(tmp_path):
    root = sample_root(tmp_path, proc_filesystems="filesystems")
    (root / "proc" / "mounts").write_text(
        "/dev/sdb1 /data ext4 rw 0 0\n/dev/sdc1 /data ext4 rw 0 0\n/dev/sdb1 /old ext4 rw 0 0\n"
    )
    assert [(m.device, m.mountpoint) for m in disk_mounts(System(root=root))] == [
        ("/dev/sdc1", "/data"), ("/dev/sdb1", "/old"),
    ]  # fmt: skip


def test_read_only_file_systems_have_no_disk_space_or_inode_readings(tmp_path):
    root = sample_root(tmp_path, proc_filesystems="filesystems")
    (root / "proc" / "mounts").write_text(
        "/dev/sda1 / ext4 rw,noatime 0 0\n/dev/loop0 /snap/core squashfs ro,nodev 0 0\n"
        "/dev/sr0 /media/cd iso9660 ro 0 0\n/dev/sda2 /archive ext4 ro,noatime 0 0\n"
    )
    system = System(root=root)
    assert [r.item for r in diskspace.collect(MEGATRON, system)] == ["/"]
    assert [r.item for r in diskinodes.collect(MEGATRON, system)] == ["/"]


def test_percent_used_counts_the_root_reserve_as_used():
    # df: 100 blocks, 30 free of which 25 available to users -> 70 / 95
    assert percent_used(100, 30, 25) == 73.7
    assert percent_used(0, 0, 0) is None


def test_uuids_match_mismatch_and_missing():
    on_device = {"/dev/md0": "cfa2b27b-07c0-5ce0-8013-ffa9f40bd410", "/dev/vg1/lv01": "0000"}
    readings = uuids.compare(MEGATRON, on_device.get, lambda u: None)
    assert [(r.item, r.value) for r in readings] == [
        ("/", "match"),
        ("swap UUID=3b8507f5-8d64-5052-b0de-989376a30f71", "mismatch"),
        ("/var", "mismatch"),
    ]
    assert readings[2].detail == (
        "/dev/vg1/lv01 has UUID=0000, the fstab table says b87936eb-d088-5db3-b1fd-97a68d2e1da0"
    )


def test_uuids_compare_without_case(tmp_path):
    by_uuid = tmp_path / "dev" / "disk" / "by-uuid"
    by_uuid.mkdir(parents=True)
    (tmp_path / "dev" / "sdb1").touch()
    (by_uuid / "5E2A-1F3C").symlink_to(tmp_path / "dev" / "sdb1")
    host = HostConfig(
        "odie",
        fstab=[
            FstabRow("UUID=", "/boot/efi", "vfat", "", "2", "5e2a-1f3c"),
            FstabRow("/dev/sdc1", "/usb", "vfat", "", "0", "70AB-0001"),
        ],
    )

    def blkid(argv):
        if argv[-1] == "/dev/sdc1":
            return "70ab-0001\n"
        raise OSError("not found")

    readings = uuids.collect(host, System(root=tmp_path, run=blkid))
    assert [(r.item, r.value) for r in readings] == [("/boot/efi", "match"), ("/usb", "match")]


def test_loadaverage_is_normalised_per_cpu():
    reading = loadaverage.normalised("3.10 6.00 2.50 3/412 9910\n", 4)
    assert reading == Reading("", "1.50", "3.10 6.00 2.50 on 4 CPUs")


def test_network_percent_of_link_speed_between_two_samples(tmp_path):
    port = tmp_path / "sys/class/net/eth0"
    (port / "statistics").mkdir(parents=True)
    (port / "speed").write_text("1000\n")
    (tmp_path / "sys/class/net/lo/statistics").mkdir(parents=True)
    (tmp_path / "sys/class/net/lo/speed").write_text("-1\n")
    counters = {"rx": 0, "tx": 0}

    def write():
        for direction, value in counters.items():
            (port / "statistics" / f"{direction}_bytes").write_text(f"{value}\n")
            (tmp_path / f"sys/class/net/lo/statistics/{direction}_bytes").write_text("5\n")

    clock = [1000.0]
    system = System(
        root=tmp_path, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
    )
    write()
    assert [r.value for r in usage(system, "rx")] == ["0.0"]
    clock[0] += 300
    counters["rx"] += 300 * 125_000_000 * 3 // 10  # 30% of 1 Gb/s for 5 minutes
    write()
    [reading] = usage(system, "rx")
    assert (reading.item, reading.value, reading.detail) == ("eth0", "30.0", "300.0 of 1000 Mb/s")
    assert percent(10, 5, 300, 1000) is None  # counter reset


def test_daemon_reads_blank_arguments_and_names_that_are_not_utf8(tmp_path):
    for pid, comm, cmdline in (
        ("1", b"tr\n", b"tr\0 \0x\0"),
        ("2", b"caf\xe9d\n", b"\xff\xfe\0"),
        ("3", b"sshd\n", b"/usr/sbin/sshd\0"),
    ):
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "comm").write_bytes(comm)
        (tmp_path / pid / "cmdline").write_bytes(cmdline)
    assert daemon.process_names(tmp_path) == {"tr", "caf\ufffdd", "\ufffd\ufffd", "sshd"}


def test_daemon_compares_configured_daemons_with_processes():
    host = HostConfig("odie", daemons=["sshd", "dhcpd", "sshd"])
    assert daemon.compare(host, {"sshd", "bash"}) == [
        Reading("dhcpd", "stopped"),
        Reading("sshd", "running"),
    ]


def test_a_failing_collector_reports_an_error_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(diskspace, "collect", lambda host, system: 1 / 0)
    report = collect_all(HostConfig("x"), System(root=tmp_path, sleep=lambda s: None))
    assert report["diskspace"] == [
        {"item": "", "value": ERROR, "detail": "ZeroDivisionError: division by zero"}
    ]


# On this machine, for real.


def test_every_collector_runs_on_this_machine():
    me = Path("/proc/self/comm").read_text().strip()
    host = HostConfig(
        "here", fstab=[FstabRow("/dev/nothing", "/nonexistent", "ext4")], daemons=[me]
    )
    report = collect_all(host, System(sleep=lambda s: None))
    assert set(report) == set(categories())
    assert all(r["value"] != ERROR for readings in report.values() for r in readings), report
    assert float(report["loadaverage"][0]["value"]) >= 0
    assert "/" in [r["item"] for r in report["diskspace"]]
    assert 0 <= float(next(r["value"] for r in report["diskspace"] if r["item"] == "/")) <= 100
    assert {"item": "/nonexistent", "value": "unmounted"}.items() <= report["mounts"][0].items()
    assert report["daemon"] == [{"item": me, "value": "running", "detail": ""}]


@pytest.fixture
def ext4_image(tmp_path):
    if not shutil.which("mkfs.ext4"):
        pytest.skip("mkfs.ext4 is not installed")
    image, fs_uuid = tmp_path / "fs.img", str(uuid.uuid4())
    subprocess.run(["truncate", "-s", "8M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-U", fs_uuid, str(image)], check=True)
    return image, fs_uuid


def test_fsck_and_uuids_run_tune2fs_and_blkid_for_real(ext4_image, tmp_path):
    image, fs_uuid = ext4_image
    root = tmp_path / "root"
    (root / "proc").mkdir(parents=True)
    (root / "proc/mounts").write_text("")
    (root / "proc/filesystems").write_text("")
    row = FstabRow(str(image), "/data", "ext4", "defaults", "2", fs_uuid)
    system = System(root=root)
    host = HostConfig("here", fstab=[row])
    [checked] = fsck.collect(host, system)
    assert (checked.item, checked.value) == ("/data", "ok")
    subprocess.run(["tune2fs", "-c", "1", "-C", "3", str(image)], check=True, capture_output=True)
    [checked] = fsck.collect(host, system)
    assert checked.value == "scheduled" and "mounted 3 of 1 times" in checked.detail
    assert [r.value for r in uuids.collect(host, system)] == ["match"]
    other = HostConfig(
        "here", fstab=[FstabRow(str(image), "/data", "ext4", "", "2", str(uuid.uuid4()))]
    )
    assert [r.value for r in uuids.collect(other, system)] == ["mismatch"]


def test_diskspace_of_a_real_mount_point_matches_statvfs():
    [root] = [r for r in diskspace.collect(HostConfig("here"), System()) if r.item == "/"]
    stat = os.statvfs("/")
    expected = percent_used(stat.f_blocks, stat.f_bfree, stat.f_bavail)
    assert abs(float(root.value) - expected) < 1.0
