"""syncimage: a master rebuilt from <image>.bootsect, .bootpart and <image> when they are
newer than the WindowsImageTab TimeStamp, byte for byte where the partition table puts them;
refused, with nothing touched, while a client of the appserver has the image or a
wimpSession of it is open, or when the files are not a disk that fits imageLvSize."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from imaging.host.iscsi.mirror import IscsiMirror
from imaging.host.iscsi.syncimage import (
    CURRENT,
    FAILED,
    REFUSED,
    SYNCED,
    files_newer,
    image_rows,
    sync_images,
)

from .iscsi_fakes import memory_storage, write_entity

MIB = 1 << 20
SECTOR = 512
BOOTPART = (2048, 2048)  # start and length in sectors: 1 MiB at 1 MiB
SYSTEM = (4096, 8192)  # 4 MiB at 2 MiB


def mbr(*parts: tuple[int, int]) -> bytes:
    table = bytearray(SECTOR)
    for n, (start, count) in enumerate(parts):
        entry = 446 + 16 * n
        table[entry + 4] = 0x07  # NTFS
        table[entry + 8 : entry + 12] = start.to_bytes(4, "little")
        table[entry + 12 : entry + 16] = count.to_bytes(4, "little")
    table[510:512] = b"\x55\xaa"
    return bytes(table)


@pytest.fixture
def appserver(tmp_path) -> tuple[Path, Path]:
    etc, root = tmp_path / "etc", tmp_path / "root"
    write_entity(
        etc,
        "server",
        "megatron",
        domain="cs.example.edu",
        iscsi_image_vgroup="vg2",
        wi_image=["lab_a", "lab_b"],
        TimeStamp=["none", "2013-06-09 02:14:51"],
    )
    write_entity(etc, "lnappconf", "menuserver", iqn_prefix="iqn.1989-06")
    for image in ("lab_a", "lab_b"):
        write_entity(etc, "windowsImage", image, imageLvSize="8M", cowLvSize="4M", dept="cs")
    write_entity(
        etc,
        "client",
        "rook",
        server="megatron",
        domain="cs.example.edu",
        windowsImage="lab_b",
        iscsi_password="Rookpassword",
    )
    images = root / "images" / "cs"
    images.mkdir(parents=True)
    for image in ("lab_a", "lab_b"):
        (images / f"{image}.bootsect").write_bytes(mbr(BOOTPART, SYSTEM))
        (images / f"{image}.bootpart").write_bytes(os.urandom(MIB))
        (images / image).write_bytes(os.urandom(3 * MIB))
    return etc, root


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "vg2").mkdir()
    return memory_storage(free=64 * MIB, directory=tmp_path / "vg2")


def master_bytes(storage, image: str) -> bytes:
    return Path(storage.volumes.held[f"{image}_m"].path).read_bytes()


def test_a_new_image_is_built_where_its_partition_table_says(appserver, storage):
    etc, root = appserver
    outcomes = sync_images(storage, IscsiMirror(etc, "megatron", root), root, "lab_a")
    assert [(o.image, o.state) for o in outcomes] == [("lab_a", SYNCED)]
    disk = master_bytes(storage, "lab_a")
    images = root / "images" / "cs"
    assert len(disk) == 8 * MIB
    assert disk[:SECTOR] == (images / "lab_a.bootsect").read_bytes()
    assert disk[MIB : 2 * MIB] == (images / "lab_a.bootpart").read_bytes()
    assert disk[2 * MIB : 5 * MIB] == (images / "lab_a").read_bytes()
    assert disk[5 * MIB :] == bytes(3 * MIB)
    assert outcomes[0].synced.timestamp <= time.strftime("%Y-%m-%d %H:%M:%S")


def test_a_client_of_the_appserver_with_the_image_refuses_its_sync(appserver, storage):
    etc, root = appserver
    outcomes = sync_images(storage, IscsiMirror(etc, "megatron", root), root)
    assert {o.image: o.state for o in outcomes} == {"lab_a": SYNCED, "lab_b": REFUSED}
    refused = next(o for o in outcomes if o.image == "lab_b")
    assert "image lab_b is the windowsImage of megatron's clients rook" in refused.message
    assert "lab_b_m" not in storage.volumes.held


def test_an_open_wimp_session_refuses_the_sync(appserver, storage):
    etc, root = appserver
    write_entity(etc, "wimpSession", "lab_a", description="open")
    [outcome] = sync_images(storage, IscsiMirror(etc, "megatron", root), root, "lab_a")
    assert (outcome.state, outcome.message) == (
        REFUSED,
        "syncimage lab_a: image lab_a has an open wimpSession",
    )
    assert storage.volumes.held == {}


def test_files_older_than_the_timestamp_are_not_synced_again(appserver, storage):
    etc, root = appserver
    write_entity(
        etc,
        "server",
        "megatron",
        domain="cs.example.edu",
        iscsi_image_vgroup="vg2",
        wi_image=["lab_a"],
        TimeStamp=["2100-01-01 00:00:00"],
    )
    [outcome] = sync_images(storage, IscsiMirror(etc, "megatron", root), root)
    assert outcome.state == CURRENT
    row = image_rows(IscsiMirror(etc, "megatron", root))[0]
    old = time.mktime((2013, 6, 9, 0, 0, 0, 0, 0, -1))
    assert not files_newer(root, row)
    for path in (root / "images" / "cs").glob("lab_a*"):
        os.utime(path, (old, old))
    row = row.__class__(row.image, "2013-06-09 02:14:51", row.dept, row.size)
    assert not files_newer(root, row)
    os.utime(root / "images" / "cs" / "lab_a", None)  # the system partition's file changed
    assert files_newer(root, row)


def test_a_resync_replaces_the_master_and_removes_stale_cows(appserver, storage):
    etc, root = appserver
    mirror = IscsiMirror(etc, "megatron", root)
    sync_images(storage, mirror, root, "lab_a")
    storage.volumes.create_cow("wren_c", "lab_a_m", 4 * MIB)
    (root / "images" / "cs" / "lab_a").write_bytes(b"\x11" * 4 * MIB)
    write_entity(etc, "windowsImage", "lab_a", imageLvSize="16M", cowLvSize="4M", dept="cs")
    [outcome] = sync_images(storage, mirror, root, "lab_a")
    assert outcome.state == SYNCED
    assert sorted(storage.volumes.held) == ["lab_a_m"]
    disk = master_bytes(storage, "lab_a")
    assert len(disk) == 16 * MIB and disk[2 * MIB : 6 * MIB] == b"\x11" * 4 * MIB


@pytest.mark.parametrize(
    "damage, message",
    [
        (("lab_a.bootsect", b"\x00" * SECTOR), "no MBR partition table (no 55 AA signature)"),
        (("lab_a.bootsect", mbr(BOOTPART)), "the partition table has 1 partitions, not 2"),
        (("lab_a.bootsect", mbr(BOOTPART, (4096, 65536))), "ends past imageLvSize (8 MiB)"),
        (
            ("lab_a.bootsect", mbr((1, 2047), SYSTEM) + bytes(SECTOR)),
            "runs into the first partition",
        ),
        (("lab_a", bytes(5 * MIB)), "more than its partition's 4194304"),
        (("lab_a.bootpart", None), "lab_a.bootpart is missing"),
    ],
)
def test_files_that_are_not_a_fitting_disk_are_refused_with_nothing_written(
    appserver, storage, damage, message
):
    etc, root = appserver
    name, content = damage
    path = root / "images" / "cs" / name
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    [outcome] = sync_images(storage, IscsiMirror(etc, "megatron", root), root, "lab_a")
    assert outcome.state == REFUSED
    assert message in outcome.message and "lab_a" in outcome.message
    assert storage.volumes.held == {}


def test_an_image_not_in_the_table_is_refused(appserver, storage):
    etc, root = appserver
    [outcome] = sync_images(storage, IscsiMirror(etc, "megatron", root), root, "notes")
    assert (outcome.state, outcome.message) == (
        REFUSED,
        "image notes is not in megatron's WindowsImageTab",
    )


def test_a_failing_volume_step_is_reported_and_the_next_image_still_synced(
    appserver, storage, monkeypatch
):
    etc, root = appserver
    write_entity(etc, "client", "rook", server="megatron", windowsImage="")

    def no_space(name: str, size: int):
        from imaging.host.iscsi.storage import StorageError

        raise StorageError(f"lvcreate {name}: insufficient free space")

    real = storage.volumes.create_master
    monkeypatch.setattr(
        storage.volumes,
        "create_master",
        lambda n, s: no_space(n, s) if n == "lab_a_m" else real(n, s),
    )
    outcomes = sync_images(storage, IscsiMirror(etc, "megatron", root), root)
    assert {o.image: o.state for o in outcomes} == {"lab_a": FAILED, "lab_b": SYNCED}
    assert "insufficient free space" in outcomes[0].message


def test_the_sync_lock_is_held_while_writing_so_boots_are_refused(appserver, storage, monkeypatch):
    etc, root = appserver
    mirror = IscsiMirror(etc, "megatron", root)
    seen = []
    from imaging.host.iscsi import syncimage

    real = syncimage._write_file

    def watching(device, offset, source):
        seen.append(mirror.syncing())
        real(device, offset, source)

    monkeypatch.setattr(syncimage, "_write_file", watching)
    sync_images(storage, mirror, root, "lab_a")
    assert seen and all(s == frozenset({"lab_a"}) for s in seen)
    assert mirror.syncing() == frozenset()


def test_the_command_refuses_a_host_that_is_no_appserver(appserver, tmp_path, capsys):
    etc, root = appserver
    from workers.host.__main__ import main

    status = main(
        ["syncimage", "odie", "--etc", str(etc), "--root", str(root), "--server", "http://x",
         "--token", "t0ken"]
    )  # fmt: skip
    assert status == 1
    assert "odie is not a server in the mirror" in capsys.readouterr().err
