"""The used-block maps makeimage reads itself, from ext2/3/4's block bitmaps and from the FAT,
against partclone's on real filesystems made with mkfs; and makeimage without partclone."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from imaging.host.blockimage import ext4, fat, usedmap
from imaging.host.blockimage.restore import restore_image
from imaging.tests import filesystems
from workers.host.__main__ import main

MB = 1024 * 1024


def tree_files(tmp_path: Path, count: int = 40) -> Path:
    rng = random.Random(4)
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(count):
        (tree / f"f{i:02d}").write_bytes(rng.randbytes(rng.randint(0, 200_000)))
    return tree


def map_of(fs: str, path: Path, block_size: int, ranges: list[tuple[int, int]]) -> bytes:
    """The map, in image blocks of block_size, of the used byte ranges of path."""
    head = path.read_bytes()[:4096]
    made = usedmap.used_map_of(fs, head, path.stat().st_size, block_size, ranges, str(path))
    return bytes(made.bits)


def maps(fs: str, path: Path, block_size: int) -> tuple[bytes, bytes]:
    """(our map, partclone's map) of the partition path."""
    with open(path, "rb") as f:
        reader = {"ext4": ext4, "fat": fat}[fs]
        own = reader.used_ranges(f.fileno(), path.stat().st_size, str(path))
    theirs = usedmap.partclone_ranges(fs, str(path))
    return map_of(fs, path, block_size, own), map_of(fs, path, block_size, theirs)


@pytest.mark.parametrize(
    "megabytes, options",
    [
        (24, []),  # a small ext4: 1 KiB blocks, flex_bg, uninitialised groups
        (300, ["-b", "4096"]),
        (64, ["-t", "ext2"]),
        (64, ["-t", "ext3", "-b", "2048"]),
        (128, ["-b", "4096", "-O", "64bit,metadata_csum"]),
        (128, ["-b", "4096", "-O", "^flex_bg"]),
        (128, ["-O", "^uninit_bg,^metadata_csum"]),
        (200, ["-O", "sparse_super2"]),
    ],
)
def test_the_ext4_bitmaps_give_partclone_s_map(megabytes, options, tmp_path):
    filesystems.need("ext4")
    source = tmp_path / "source.img"
    with open(source, "wb") as f:
        f.truncate(megabytes * MB + 3 * 1024)  # a partition a little larger than its filesystem
    filesystems.run("mkfs.ext4", "-q", "-F", *options, "-d", tree_files(tmp_path), source)
    for block_size in (4096, 512):
        own, theirs = maps("ext4", source, block_size)
        assert own == theirs and own.count(0) < len(own)


def test_an_ext4_layout_not_read_here_is_left_to_partclone(tmp_path):
    filesystems.need("ext4")
    source = tmp_path / "source.img"
    with open(source, "wb") as f:
        f.truncate(128 * MB)
    tree = tree_files(tmp_path)
    options = ("-b", "4096", "-O", "meta_bg,^resize_inode")
    filesystems.run("mkfs.ext4", "-q", "-F", *options, "-d", tree, source)
    with open(source, "rb") as f:
        assert ext4.used_ranges(f.fileno(), 128 * MB, str(source)) is None
    made = usedmap.read_used_map(str(source), 128 * MB, 4096)
    theirs = usedmap.partclone_ranges("ext4", str(source))
    assert bytes(made.bits) == map_of("ext4", source, 4096, theirs)


@pytest.mark.parametrize(
    "megabytes, options", [(64, ["-F", "16"]), (300, ["-F", "32"]), (100, ["-F", "32", "-s", "1"])]
)
def test_the_fat_gives_partclone_s_map(megabytes, options, tmp_path):
    filesystems.need("fat")
    source = tmp_path / "source.img"
    with open(source, "wb") as f:
        f.truncate(megabytes * MB + 5 * 512)
    filesystems.run("mkfs.vfat", *options, source)
    files = sorted(tree_files(tmp_path).iterdir())
    filesystems.run("mcopy", "-i", source, *files, "::/")
    filesystems.run("mdel", "-i", source, "::/f03", "::/f17")  # free clusters between used ones
    for block_size in (4096, 512):
        own, theirs = maps("fat", source, block_size)
        assert own == theirs and own.count(0) < len(own)


def test_a_fat12_partition_restores_onto_a_blank_one(tmp_path):
    """FAT12 packs two entries in three bytes; partclone 0.3.23 reads them wrongly (its map
    misses used clusters), so only a restore shows our map is whole."""
    filesystems.need("fat")
    source = tmp_path / "source.img"
    with open(source, "wb") as f:
        f.truncate(4 * MB)
    filesystems.run("mkfs.vfat", "-F", "12", source)
    files = sorted(tree_files(tmp_path, 12).iterdir())
    filesystems.run("mcopy", "-i", source, *files, "::/")
    filesystems.run("mdel", "-i", source, "::/f03")
    assert main(["makeimage", str(source), str(tmp_path / "image")]) == 0
    blank = tmp_path / "blank.img"
    with open(blank, "wb") as f:
        f.truncate(4 * MB)
    assert restore_image(str(tmp_path / "image"), str(blank)).good
    assert filesystems.fsck("fat", blank).returncode == 0
    assert filesystems.checksums("fat", blank) == filesystems.checksums("fat", source)


def test_makeimage_needs_no_partclone_for_ext4_and_fat(tmp_path, monkeypatch, capsys):
    for fs in ("ext4", "fat", "ntfs"):
        filesystems.make(fs, tmp_path / f"{fs}.img", 24, {"a.txt": b"labnet\n" * 1000})
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    for fs in ("ext4", "fat"):
        image = tmp_path / f"{fs}-image"
        assert main(["makeimage", str(tmp_path / f"{fs}.img"), str(image)]) == 0
        assert restore_image(str(image), str(tmp_path / f"{fs}.img"), verify_only=True).good
    assert main(["makeimage", str(tmp_path / "ntfs.img"), str(tmp_path / "ntfs-image")]) == 1
    assert "partclone.ntfs is not installed" in capsys.readouterr().err
