"""buildserver's real mdadm and lvm2 code in the QEMU guest (this machine's kernel has
neither md nor device-mapper): the guide's appserver layout built on two disks, then
re-assembled and mounted by a second run from the UUIDs the first wrote back. One guest
boot, about a minute under TCG once the image is cached (scripts/guest-image)."""

from __future__ import annotations

import json

import pytest

from imaging.tests.guest import run_in_guest

EXPECTED = [
    "the first run creates both arrays",
    "md0 is RAID1 of vdb1 and vdc1",
    "vg1 is on md1",
    "/ is md0 at the target",
    "/var is lv01",
    "every UUID is written back",
    "one batch of UUIDs and sizes",
    "everything stopped",
    "the second run creates nothing",
    "the second run writes nothing back",
    "the arrays are re-assembled and mounted",
    "the data is there",
    "the build log is on the server",
    "the guest script ran to its end",
]


@pytest.fixture(scope="module")
def guest_result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("buildserver-guest") / "out"
    status = run_in_guest(
        "python3 /labnet/imaging/tests/buildserver_guest.py /out", out, disks_mib=[512, 512]
    )
    log = (out / "run.log").read_text(errors="replace")
    result_file = out / "result.json"
    assert result_file.exists(), f"the guest wrote no result (exit {status}):\n{log[-3000:]}"
    result = json.loads(result_file.read_text())
    builds = out / "build.log"
    result["log"] = (builds.read_text() if builds.exists() else "") + log
    return result


@pytest.mark.parametrize("check", EXPECTED)
def test_in_the_guest(guest_result, check):
    found = guest_result["checks"].get(check)
    assert found is not None, f"the guest never reached {check!r}:\n{guest_result['log'][-3000:]}"
    ok, detail = found
    assert ok, f"{check}: {detail}\n{guest_result['log'][-3000:]}"
