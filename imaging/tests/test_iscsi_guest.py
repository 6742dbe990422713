"""The real lvm2 and LIO code in a QEMU guest (this machine's kernel has neither
device-mapper nor LIO): the thin pool cached by a RAM disk as the appserver's variables say,
a master built, 5 clients booted through menuserver's COW queue,
each logging in with iscsiadm and libiscsi with its CHAP and no other, writes landing in the
COW and never in the master (a thin COW's bytes written measured), a reboot's fresh COW, a
failed target step leaving nothing, boots after LIO was changed by targetcli, and the guide's
classic snapshots; then syncimage building a master from a raw boot partition
and a block image of an ext4 made here, a client booting from it, an appserver restart's
empty LIO refilled, the clean-up of an unbooted COW and a reboot that loses the RAM cache.
One guest boot under TCG once the image is cached (scripts/guest-image): 5 to 9 minutes
here with the 2 cores shared at load average 7 to 12."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from imaging.host.blockimage.make import make_image
from imaging.tests.filesystems import make, need
from imaging.tests.guest import run_in_guest

MIB = 1 << 20

EXPECTED = [
    "the thin pool is cached by a RAM disk of iscsi_image_size + iscsi_cow_cache_size",
    "a second pass keeps the cache as it is",
    "master has a partition table",
    "5 COWs of the master",
    "5 targets, each with its client's ACL alone",
    *(f"iscsi-inq {c} logs in with its CHAP" for c in ("rook", "wren", "finch", "hawk", "jay")),
    "iscsi-ls lists rook's target",
    "iscsi-inq with a wrong password fails",
    "iscsi-inq as another initiator fails",
    "iscsiadm logs rook in",
    "rook's disk shows the master",
    "reads of the master are served by the RAM cache",
    "the target reports rook's session",
    "rook reads back what it wrote",
    "the master is untouched",
    "rook's COW holds the write",
    "a thin COW's bytes written are measured",
    "a thin COW's filling is a monitoring reading of its cowLvSize",
    "iscsiadm with a wrong password fails",
    "iscsiadm as another initiator fails",
    "a reboot gives rook a fresh COW",
    "rook logs in to its new target",
    "a failing target step leaves neither COW nor target",
    "after the failure rook gets its target back",
    "rtslib's own cache is stale after targetcli clearconfig",
    "rook boots after targetcli clearconfig",
    "a backstore made by hand meanwhile does not stop wren's boot",
    "a storage object left under hawk's target name does not stop its boot",
    "classic COW of cowLvSize",
    "the guide's -cow device",
    "bytes written of the COW are reported",
    "classic master untouched",
    "a COW larger than the free space is refused",
    "an SSD holding a file system is refused",
    "iscsi_cow_cache_dev caches the thin pool instead of RAM",
    "syncimage refuses an image a client has",
    "syncimage builds lab_sync's master",
    "the master starts with the bootsect",
    "the boot partition is the raw bootpart",
    "the system partition is the restored block image (e2fsck)",
    "the restored file reads back",
    "syncimage keeps the TimeStamp for the web server",
    "a second syncimage finds lab_sync up to date",
    "robin boots from the synced master",
    "a restart's empty LIO gets robin's target back",
    "robin logs in after the restart",
    "the clean-up removes robin's unbooted COW and target",
    "after a reboot the lost RAM disk keeps the pool inactive",
    "the upkeep drops the lost cache and makes a new one",
    "the master is back as it was",
    "the guest script ran to its end",
]


def make_sync_files(images: Path, expected: Path) -> None:
    """lab_sync's files for syncimage in the guest: a bootsect with two partitions (4 MiB at
    1 MiB, 16 MiB at 5 MiB), a raw bootpart and the system partition as a block image of an
    ext4 (made here: the guest has no partclone)."""
    need("ext4")
    images.mkdir(parents=True)
    with open(images / "lab_sync.bootsect", "wb") as disk:
        disk.truncate(24 * MIB)  # sfdisk wants the partitions inside the file
    subprocess.run(
        ["sfdisk", "-q", str(images / "lab_sync.bootsect")],
        input="label: dos\nstart=2048,size=8192,type=7,bootable\nstart=10240,size=32768,type=7\n",
        text=True,
        check=True,
        capture_output=True,
    )
    with open(images / "lab_sync.bootsect", "r+b") as disk:
        disk.truncate(512)
    (images / "lab_sync.bootpart").write_bytes(os.urandom(4 * MIB))
    content = os.urandom(300_000)
    with tempfile.TemporaryDirectory() as work:
        system = Path(work) / "system.ext4"
        make("ext4", system, 16, {"hello.bin": content})
        make_image(str(system), str(images / "lab_sync"))
    expected.write_text(json.dumps({"hello.bin": hashlib.sha256(content).hexdigest()}))


@pytest.fixture(scope="module")
def guest_result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("iscsi-guest") / "out"
    make_sync_files(out / "images" / "cs", out / "expected.json")
    status = run_in_guest(
        "python3 /labnet/imaging/tests/iscsi_guest.py /out", out, disks_mib=[1536, 512, 64]
    )
    log = (out / "run.log").read_text(errors="replace")
    result_file = out / "result.json"
    assert result_file.exists(), f"the guest wrote no result (exit {status}):\n{log[-3000:]}"
    result = json.loads(result_file.read_text())
    result["log"] = log
    return result


@pytest.mark.parametrize("check", EXPECTED)
def test_in_the_guest(guest_result, check):
    found = guest_result["checks"].get(check)
    assert found is not None, f"the guest never reached {check!r}:\n{guest_result['log'][-3000:]}"
    ok, detail = found
    assert ok, f"{check}: {detail}"
