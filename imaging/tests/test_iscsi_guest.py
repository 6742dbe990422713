"""The real lvm2 and LIO code in a QEMU guest (this machine's kernel has neither
device-mapper nor LIO): a master built, 5 clients booted through menuserver's COW queue,
each logging in with iscsiadm and libiscsi with its CHAP and no other, writes landing in the
COW and never in the master, a reboot's fresh COW, a failed target step leaving nothing, and
the guide's classic snapshots. One guest boot, about a minute under TCG once the image is
cached (scripts/guest-image)."""

from __future__ import annotations

import json

import pytest

from imaging.tests.guest import run_in_guest

EXPECTED = [
    "master has a partition table",
    "5 COWs of the master",
    "5 targets, each with its client's ACL alone",
    *(f"iscsi-inq {c} logs in with its CHAP" for c in ("rook", "wren", "finch", "hawk", "jay")),
    "iscsi-ls lists rook's target",
    "iscsi-inq with a wrong password fails",
    "iscsi-inq as another initiator fails",
    "iscsiadm logs rook in",
    "rook's disk shows the master",
    "the target reports rook's session",
    "rook reads back what it wrote",
    "the master is untouched",
    "rook's COW holds the write",
    "iscsiadm with a wrong password fails",
    "iscsiadm as another initiator fails",
    "a reboot gives rook a fresh COW",
    "rook logs in to its new target",
    "a failing target step leaves neither COW nor target",
    "after the failure rook gets its target back",
    "classic COW of cowLvSize",
    "the guide's -cow device",
    "bytes written of the COW are reported",
    "classic master untouched",
    "a COW larger than the free space is refused",
    "the guest script ran to its end",
]


@pytest.fixture(scope="module")
def guest_result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("iscsi-guest") / "out"
    status = run_in_guest(
        "python3 /labnet/imaging/tests/iscsi_guest.py /out", out, disks_mib=[1536, 512]
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
