"""The Windows 7 appserver's COW planning: names, IQNs, which image, and every refusal, from
plain data and from the demo mirror; make_cow's promise that a failure between the snapshot
and the target leaves neither (the real lvm2/LIO run in test_iscsi_guest.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from imaging.host.iscsi.cow import cow_for, make_cow, maker
from imaging.host.iscsi.mirror import SYNC_LOCKS, IscsiMirror
from imaging.host.iscsi.planning import (
    Appserver,
    CachePlan,
    IscsiClient,
    Occupancy,
    Refused,
    WindowsImage,
    cache_plan,
    parse_size,
    plan_cow,
    target_iqn,
)
from imaging.host.iscsi.storage import Storage, StorageError, Volume

from .iscsi_fakes import MemoryTargets, MemoryVolumes

DEMO = Path(__file__).resolve().parents[2] / "demo" / "mirror"
GIB = 1 << 30
PASSWORD = "rookiscsipas"
MEGATRON = Appserver("megatron", "cs.mun.ca", "iqn.1989-06", "vg2", ("cs_lab", "csi5"))
ROOK = IscsiClient("rook", "cs.mun.ca", "cs_lab", PASSWORD)
IMAGES = {"cs_lab": WindowsImage("cs_lab", 80 * GIB, 2 * GIB)}
ROOM = Occupancy(volumes={"cs_lab_m": 80 * GIB}, free_bytes=10 * GIB)


def test_a_plan_names_the_guides_volumes_and_the_configured_iqns():
    plan = plan_cow(MEGATRON, ROOK, IMAGES, ROOM)
    assert (plan.master, plan.cow, plan.cow_size) == ("cs_lab_m", "rook_c", 2 * GIB)
    assert plan.target_iqn == "iqn.1989-06.ca.mun.cs.megatron:cs-lab:rook"
    assert plan.initiator_iqn == "iqn.1989-06.ca.mun.cs.rook:system-disk"
    assert plan.chap_user == plan.initiator_iqn
    assert plan.chap_password == PASSWORD
    assert PASSWORD not in repr(plan)


def test_a_wimp_sessions_direct_target_has_no_client():
    assert target_iqn(MEGATRON, "csi5", None) == "iqn.1989-06.ca.mun.cs.megatron:csi5"


def test_another_sites_prefix_gives_its_iqns():
    plan = plan_cow(replace(MEGATRON, iqn_prefix="iqn.2024-11"), ROOK, IMAGES, ROOM)
    assert plan.target_iqn.startswith("iqn.2024-11.ca.mun.cs.megatron:")


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"client": replace(ROOK, windows_image="notes")},
            "client rook, image notes: 'notes' is not a windowsImage",
        ),
        ({"client": replace(ROOK, windows_image="")}, "client rook has no windowsImage"),
        ({"client": replace(ROOK, iscsi_password="")}, "client rook has no iscsi_password"),
        (
            {"client": replace(ROOK, iscsi_password="a b" + PASSWORD)},
            "client rook: iscsi_password has a space",
        ),
        (
            {"client": replace(ROOK, iscsi_password="x" * 256)},
            "client rook: iscsi_password must be at most 255",
        ),
        ({"client": replace(ROOK, domain="")}, "client rook has no domain"),
        (
            {"occupancy": replace(ROOM, free_bytes=GIB)},
            "client rook, image cs_lab: cowLvSize 2048 MiB is more than the 1024 MiB free",
        ),
        (
            {"occupancy": replace(ROOM, syncing=frozenset({"cs_lab"}))},
            "client rook, image cs_lab: image cs_lab is being synced",
        ),
        (
            {"occupancy": replace(ROOM, wimp_sessions=frozenset({"cs_lab"}))},
            "client rook, image cs_lab: image cs_lab has an open wimpSession",
        ),
        (
            {"occupancy": replace(ROOM, session_clients=frozenset({"rook"}))},
            "client rook is in a WIMP session: it boots the session's direct disk",
        ),
        (
            {"occupancy": replace(ROOM, volumes={})},
            "client rook, image cs_lab: megatron has no master volume cs_lab_m (run syncimage)",
        ),
        (
            {"server": replace(MEGATRON, windows_images=("csi5",))},
            "client rook, image cs_lab: image cs_lab is not in megatron's WindowsImageTab",
        ),
        (
            {"server": replace(MEGATRON, iqn_prefix="iqn.1989-6")},
            "iqn_prefix 'iqn.1989-6' is not iqn.YYYY-MM",
        ),
        (
            {"client": replace(ROOK, name="rook!")},
            "client rook!: 'rook!_c' cannot be a logical volume name",
        ),
    ],
)
def test_refusals_name_the_client_and_image_never_the_password(change, message):
    arguments = {"server": MEGATRON, "client": ROOK, "images": IMAGES, "occupancy": ROOM}
    arguments.update(change)
    with pytest.raises(Refused) as refused:
        plan_cow(**arguments)
    assert str(refused.value).startswith(message)
    assert PASSWORD not in str(refused.value)


def test_the_clients_previous_cow_counts_as_free():
    tight = Occupancy(volumes={"cs_lab_m": 80 * GIB, "rook_c": 2 * GIB}, free_bytes=GIB)
    assert plan_cow(MEGATRON, ROOK, IMAGES, tight).cow == "rook_c"


@pytest.mark.parametrize(
    "text, size",
    [("2G", 2 * GIB), ("512m", 512 << 20), ("100", 100 << 20), ("1T", 1 << 40)],
)
def test_sizes_read_as_lvm_reads_them(text, size):
    assert parse_size(text, "cowLvSize") == size


@pytest.mark.parametrize("text", ["", "0", "2GB", "-1G", "1" * 13])
def test_a_bad_size_is_refused(text):
    with pytest.raises(Refused, match="cowLvSize .* is not a size"):
        parse_size(text, "cowLvSize")


@pytest.fixture
def storage() -> Storage:
    volumes = MemoryVolumes(free=10 * GIB)
    volumes.create_master("cs_lab_m", 80 * GIB)
    return Storage(volumes, MemoryTargets())


def test_a_boot_replaces_the_previous_cow_and_target(storage):
    plan = plan_cow(MEGATRON, ROOK, IMAGES, ROOM)
    first = make_cow(storage, plan)
    storage.volumes.held["rook_c"] = replace(storage.volumes.held["rook_c"], written=GIB)
    second = make_cow(storage, plan)
    assert first.iqn == second.iqn == plan.target_iqn
    assert storage.volumes.held["rook_c"].written is None  # a fresh COW
    assert storage.targets.held[plan.target_iqn].device == "/dev/vg2/rook_c"


def test_a_failure_between_snapshot_and_target_leaves_neither(storage):
    plan = plan_cow(MEGATRON, ROOK, IMAGES, ROOM)
    make_cow(storage, plan)
    storage.targets.fail_after_creating = True
    with pytest.raises(StorageError, match="no portal"):
        make_cow(storage, plan)
    assert sorted(storage.volumes.held) == ["cs_lab_m"]
    assert storage.targets.held == {}


def test_a_failed_snapshot_makes_no_target(storage, monkeypatch):
    def refuse(name: str, master: str, cow_size: int) -> Volume:
        raise StorageError(f"volume {name}: insufficient free space")

    monkeypatch.setattr(storage.volumes, "create_cow", refuse)
    with pytest.raises(StorageError):
        make_cow(storage, plan_cow(MEGATRON, ROOK, IMAGES, ROOM))
    assert storage.targets.held == {}


@pytest.fixture
def demo_etc(tmp_path) -> Path:
    etc = tmp_path / "etc"
    for folder in ("client", "server", "windowsImage", "wimpSession", "lnappconf"):
        shutil.copytree(DEMO / folder, etc / folder)
    return etc


def test_the_demo_mirror_plans_rooks_cow_on_megatron(demo_etc, tmp_path, storage):
    mirror = IscsiMirror(demo_etc, "megatron", tmp_path)
    target = cow_for(storage, mirror, "rook")
    assert target.iqn == "iqn.1989-06.edu.example.cs.megatron:cs-lab:rook"
    assert target.initiators == ("iqn.1989-06.edu.example.cs.rook:system-disk",)
    assert storage.targets.held[target.iqn].chap_password == PASSWORD


def test_the_demo_mirror_refuses_what_the_guide_refuses(demo_etc, tmp_path, storage):
    mirror = IscsiMirror(demo_etc, "megatron", tmp_path)
    with pytest.raises(Refused, match="client lark is not served by megatron"):
        cow_for(storage, mirror, "lark")
    with pytest.raises(Refused, match="megatron has no master volume csi5_m"):
        cow_for(storage, mirror, "hawk")
    (demo_etc / "wimpSession" / "cs_lab").write_bytes(
        (demo_etc / "wimpSession" / "demo_img")
        .read_bytes()
        .replace(b'name="demo_img"', b'name="cs_lab"')
    )
    with pytest.raises(
        Refused, match="client rook, image cs_lab: image cs_lab has an open wimpSession"
    ):
        cow_for(storage, mirror, "rook")


def test_a_client_in_a_direct_wimp_session_gets_no_cow(demo_etc, tmp_path, storage):
    session = (demo_etc / "wimpSession" / "demo_img").read_bytes()
    (demo_etc / "wimpSession" / "demo_img").write_bytes(
        session.replace(b">heron<", b">rook<").replace(b">sapphire<", b">megatron<")
    )
    mirror = IscsiMirror(demo_etc, "megatron", tmp_path)
    with pytest.raises(Refused, match="client rook is in a WIMP session"):
        cow_for(storage, mirror, "rook")
    assert storage.volumes.held.keys() == {"cs_lab_m"} and storage.targets.held == {}
    # A local-disk session's client boots off its own disk: its COW is made as before.
    (demo_etc / "wimpSession" / "demo_img").write_bytes(
        session.replace(b">heron<", b">rook<").replace(b">clone<", b">local_image<")
    )
    assert cow_for(storage, mirror, "rook").iqn.endswith(":cs-lab:rook")


def test_a_held_sync_lock_refuses_the_image(demo_etc, tmp_path, storage):
    locks = tmp_path / SYNC_LOCKS
    locks.mkdir(parents=True)
    fd = os.open(locks / "cs_lab.lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(Refused, match="image cs_lab is being synced"):
            cow_for(storage, IscsiMirror(demo_etc, "megatron", tmp_path), "rook")
    finally:
        os.close(fd)
    assert cow_for(storage, IscsiMirror(demo_etc, "megatron", tmp_path), "rook")


def test_the_menuserver_hook_logs_a_refusal_without_the_password(
    demo_etc, tmp_path, storage, caplog
):
    from imaging.host.bootclients import ClientIndex

    rook = next(c for c in ClientIndex(demo_etc).clients() if c.name == "rook")
    (demo_etc / "client" / "rook").write_bytes(
        (demo_etc / "client" / "rook").read_bytes().replace(PASSWORD.encode(), b"")
    )
    maker(storage, IscsiMirror(demo_etc, "megatron", tmp_path))(rook)
    assert "client rook has no iscsi_password" in caplog.text
    assert storage.targets.held == {}


def test_the_demo_appservers_cache_is_the_guides_ram_disks():
    mirror = IscsiMirror(DEMO, "megatron", Path("/nonexistent"))
    # iscsi_image_size 8388608 + iscsi_cow_cache_size 4194304 KiB: the guide's 12 GB.
    assert mirror.cache_plan() == CachePlan(ram_kib=12 << 20)


@pytest.mark.parametrize(
    "image, cow, ssd, plan",
    [
        ("2048", "1024", "", CachePlan(ram_kib=3072)),
        ("2048", "", "/dev/sdc", CachePlan(ssd="/dev/sdc")),  # the SSD instead of RAM
        ("", "", "", None),
        (" 512 ", "", " ", CachePlan(ram_kib=512)),
    ],
)
def test_the_cache_is_an_ssd_when_named_else_ram_of_both_sizes(image, cow, ssd, plan):
    assert cache_plan("megatron", image, cow, ssd) == plan


@pytest.mark.parametrize(
    "image, cow, ssd, message",
    [
        ("2G", "", "", "iscsi_image_size '2G' is not a number of KiB"),
        ("", "-5", "", "iscsi_cow_cache_size '-5' is not a number of KiB"),
        (str(1 << 30), "1", "", "more than 1024 GiB of RAM disk"),
        ("", "", "sdc", "iscsi_cow_cache_dev 'sdc' is not a /dev path"),
        ("", "", "/dev/../etc/passwd", "is not a /dev path"),
    ],
)
def test_a_bad_cache_variable_is_refused_naming_it(image, cow, ssd, message):
    with pytest.raises(Refused, match=f"appserver megatron: .*{message}"):
        cache_plan("megatron", image, cow, ssd)
