"""The appserver's iSCSI upkeep: stale COW disks removed (never one logged in), targets
re-created after a restart for COWs that survived it, the storage reported as it is, a COW
disk's filling as the `iscsi_cow` monitoring reading, and syncimage run when files change."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from imaging.host.iscsi.mirror import IscsiMirror
from imaging.host.iscsi.planning import CachePlan
from imaging.host.iscsi.upkeep import (
    IDLE,
    POLL,
    Upkeep,
    clean_up,
    readings,
    restore_targets,
    state_of,
)

from .iscsi_fakes import memory_storage, write_entity
from .test_iscsi_syncimage import BOOTPART, SYSTEM, mbr

MIB = 1 << 20
NOW = datetime(2024, 5, 20, 12, 0, tzinfo=UTC)
CLIENTS = {"rook": "Rookpassword", "wren": "Wrenpassword"}


@pytest.fixture
def mirror(tmp_path) -> IscsiMirror:
    etc = tmp_path / "etc"
    write_entity(
        etc,
        "server",
        "megatron",
        domain="cs.example.edu",
        iscsi_image_vgroup="vg2",
        wi_image=["cs_lab"],
        TimeStamp=["2013-06-09 02:14:51"],
    )
    write_entity(etc, "lnappconf", "menuserver", iqn_prefix="iqn.1989-06", cow_max_age="12")
    write_entity(etc, "windowsImage", "cs_lab", imageLvSize="8M", cowLvSize="4M", dept="cs")
    for name, password in CLIENTS.items():
        write_entity(
            etc,
            "client",
            name,
            server="megatron",
            domain="cs.example.edu",
            windowsImage="cs_lab",
            iscsi_password=password,
        )
    return IscsiMirror(etc, "megatron", tmp_path / "root")


@pytest.fixture
def storage():
    storage = memory_storage(free=64 * MIB)
    storage.volumes.create_master("cs_lab_m", 8 * MIB)
    return storage


def booted(storage, client: str, hours_ago: float) -> None:
    """client's COW as its boot hours_ago made it (the target is gone, as after a restart)."""
    volume = storage.volumes.create_cow(f"{client}_c", "cs_lab_m", 4 * MIB)
    created = (NOW - timedelta(hours=hours_ago)).isoformat()
    storage.volumes.held[volume.name] = replace(volume, created=created)


def test_a_restart_re_exports_young_cows_with_their_acl_and_chap(storage, mirror):
    booted(storage, "rook", 1)
    booted(storage, "wren", 13)  # older than cow_max_age (12 h): left to the clean-up
    assert restore_targets(storage, mirror, NOW) == ["rook"]
    [export] = storage.targets.held.values()
    assert export.target_iqn == "iqn.1989-06.edu.example.cs.megatron:cs-lab:rook"
    assert export.initiator_iqn == export.chap_user == "iqn.1989-06.edu.example.cs.rook:system-disk"
    assert (export.device, export.chap_password) == ("/dev/vg2/rook_c", "Rookpassword")
    assert restore_targets(storage, mirror, NOW) == []  # already exported


def test_a_client_no_longer_assigned_gets_no_target_back(storage, mirror):
    booted(storage, "rook", 1)
    write_entity(mirror.etc, "client", "rook", server="megatron", windowsImage="csi5")
    assert restore_targets(storage, mirror, NOW) == []
    assert storage.targets.held == {}


def test_cows_of_clients_not_booted_lately_are_removed_unless_logged_in(storage, mirror):
    booted(storage, "rook", 13)
    booted(storage, "wren", 13)
    booted(storage, "jay", 1)
    restore_targets(storage, mirror, NOW - timedelta(hours=12))  # exported at that time
    wren = "iqn.1989-06.edu.example.cs.megatron:cs-lab:wren"
    storage.targets.sessions[wren] = ("iqn.1989-06.edu.example.cs.wren:system-disk",)
    assert clean_up(storage, mirror, NOW) == ["rook"]
    assert sorted(storage.volumes.held) == ["cs_lab_m", "jay_c", "wren_c"]
    assert list(storage.targets.held) == [wren]


def test_the_default_max_age_is_a_day(storage, mirror):
    write_entity(mirror.etc, "lnappconf", "menuserver", iqn_prefix="iqn.1989-06")
    booted(storage, "rook", 23)
    booted(storage, "wren", 25)
    assert clean_up(storage, mirror, NOW) == ["wren"]


def test_the_state_and_the_filling_reading(storage, mirror):
    booted(storage, "rook", 1)
    storage.volumes.held["rook_c"] = replace(storage.volumes.held["rook_c"], written=3 * MIB)
    restore_targets(storage, mirror, NOW)
    state = state_of(storage, mirror, {"cs_lab": "up to date"})
    assert state["vgroup"] == "vg2" and state["free_bytes"] == 64 * MIB
    assert state["masters"] == [
        {
            "image": "cs_lab",
            "volume": "cs_lab_m",
            "size": 8 * MIB,
            "timestamp": "2013-06-09 02:14:51",
            "sync": "up to date",
        }
    ]
    assert [(c["client"], c["written"], c["cow_size"]) for c in state["cows"]] == [
        ("rook", 3 * MIB, 4 * MIB)
    ]
    assert state["targets"][0]["device"] == "/dev/vg2/rook_c"
    assert readings(state) == [{"item": "rook", "value": "75.0", "detail": "3 of 4 MiB written"}]
    not_measured = {**state, "cows": [{**state["cows"][0], "written": None}]}
    assert readings(not_measured) == []


def test_a_thin_cows_filling_is_of_its_images_cow_lv_size(storage, mirror):
    """A thin snapshot has no size of its own: what it wrote is measured against cowLvSize,
    so the monitoring warns of a thin COW filling up too."""
    booted(storage, "rook", 1)
    thin = replace(storage.volumes.held["rook_c"], cow_size=0, reserved=0, written=MIB)
    storage.volumes.held["rook_c"] = thin
    state = state_of(storage, mirror, {})
    assert [(c["client"], c["written"], c["cow_size"]) for c in state["cows"]] == [
        ("rook", MIB, 4 * MIB)
    ]
    assert readings(state) == [{"item": "rook", "value": "25.0", "detail": "1 of 4 MiB written"}]


class Recorder:
    """The agent's API client, recording what it is sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def post(self, path: str, body: dict) -> dict:
        self.sent.append((path, body))
        return {}


def test_a_pass_syncs_changed_files_and_reports(tmp_path, storage, mirror):
    for name in CLIENTS:  # no client has the image: it may be synced
        write_entity(mirror.etc, "client", name, server="megatron", windowsImage="")
    images = mirror.root / "images" / "cs"
    images.mkdir(parents=True)
    (images / "cs_lab.bootsect").write_bytes(mbr(BOOTPART, SYSTEM))
    (images / "cs_lab.bootpart").write_bytes(os.urandom(MIB))
    (images / "cs_lab").write_bytes(os.urandom(2 * MIB))
    (tmp_path / "vg2").mkdir()
    disk = memory_storage(free=64 * MIB, directory=tmp_path / "vg2")
    client = Recorder()
    upkeep = Upkeep(
        "megatron", mirror.etc, mirror.root, tmp_path / "state", client, lambda vg: disk
    )
    assert upkeep.run() == POLL
    paths = [path for path, _ in client.sent]
    assert paths == ["imaging/iscsi/megatron/synced/", "imaging/iscsi/megatron/state/"]
    assert client.sent[0][1]["image"] == "cs_lab"
    assert client.sent[1][1]["masters"][0]["sync"].startswith("synced at ")
    master = Path(disk.volumes.held["cs_lab_m"].path).read_bytes()
    assert master[MIB : 2 * MIB] == (images / "cs_lab.bootpart").read_bytes()
    # The mirror learns the new TimeStamp only through the feed: no second sync meanwhile.
    client.sent.clear()
    assert upkeep.run() == POLL
    assert [path for path, _ in client.sent] == ["imaging/iscsi/megatron/state/"]
    not_appserver = Upkeep("odie", mirror.etc, mirror.root, tmp_path / "s", client, lambda vg: disk)
    assert not_appserver.run() == IDLE


def test_a_target_naming_its_device_otherwise_is_still_the_cows(tmp_path, mirror):
    """LIO reports /dev/dm-N where lvm says /dev/vg2/rook_c: the same device."""
    (tmp_path / "vg2").mkdir()
    disk = memory_storage(free=64 * MIB, directory=tmp_path / "vg2")
    disk.volumes.create_master("cs_lab_m", 8 * MIB)
    booted(disk, "rook", 1)
    restore_targets(disk, mirror, NOW)
    [export] = disk.targets.held.values()
    (tmp_path / "dm-3").symlink_to(export.device)
    disk.targets.held[export.target_iqn] = replace(export, device=str(tmp_path / "dm-3"))
    assert restore_targets(disk, mirror, NOW) == []
    assert clean_up(disk, mirror, NOW + timedelta(days=1)) == ["rook"]
    assert (sorted(disk.volumes.held), disk.targets.held) == (["cs_lab_m"], {})


def test_a_pass_caches_the_pool_as_the_appserver_says_before_the_targets(
    tmp_path, storage, mirror, caplog
):
    write_entity(mirror.etc, "server", "megatron", domain="cs.example.edu",
                 iscsi_image_vgroup="vg2", wi_image=["cs_lab"], TimeStamp=["none"],
                 iscsi_image_size="2048", iscsi_cow_cache_size="1024")  # fmt: skip
    booted(storage, "rook", 1)
    rook = storage.volumes.held["rook_c"]  # a pass runs now: booted an hour before now
    storage.volumes.held["rook_c"] = replace(
        rook, created=(datetime.now(UTC) - timedelta(hours=1)).isoformat()
    )
    upkeep = Upkeep(
        "megatron", mirror.etc, mirror.root, tmp_path / "state", Recorder(), lambda vg: storage
    )
    upkeep.run()
    assert storage.volumes.cache == CachePlan(ram_kib=3072)
    assert "cached by 3072 KiB of RAM" in caplog.text
    assert list(storage.targets.held) == ["iqn.1989-06.edu.example.cs.megatron:cs-lab:rook"]

    # A bad variable is logged naming it; the targets are re-created all the same.
    write_entity(mirror.etc, "server", "megatron", domain="cs.example.edu",
                 iscsi_image_vgroup="vg2", wi_image=["cs_lab"], TimeStamp=["none"],
                 iscsi_cow_cache_dev="sdc")  # fmt: skip
    storage.targets.held.clear()  # an appserver restart
    Upkeep(
        "megatron", mirror.etc, mirror.root, tmp_path / "state", Recorder(), lambda vg: storage
    ).run()
    assert "cache of megatron not made: appserver megatron: iscsi_cow_cache_dev 'sdc'" in (
        caplog.text
    )
    assert list(storage.targets.held) == ["iqn.1989-06.edu.example.cs.megatron:cs-lab:rook"]
