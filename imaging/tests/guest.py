"""Boot the cached Debian guest (scripts/guest-image) under QEMU's TCG with the clone shared
read-only over 9p as /labnet and a scratch directory as /out, run a script there as root
and return when it powers off. For kernel features this machine lacks (device-mapper, LIO)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("LABNET_GUEST_CACHE", "/var/cache/labnet-test/guest"))
QEMU = "qemu-system-x86_64"
BUILD_TIMEOUT = 1800
SITE_PACKAGES = ".venv/lib/python3.11/site-packages"  # the guest's python3 is 3.11 too


def guest_image() -> Path:
    """The cache directory, built on first use; skip only where QEMU cannot run."""
    if shutil.which(QEMU) is None:
        pytest.skip(f"{QEMU} is not installed (Debian qemu-system-x86; scripts/setup installs it)")
    if not (CACHE / "VERSION").exists():
        if shutil.which("debootstrap") is None:
            pytest.skip("debootstrap is not installed: the guest image cannot be built")
        subprocess.run([str(REPO / "scripts" / "guest-image")], check=True, timeout=BUILD_TIMEOUT)
    return CACHE


def run_in_guest(script: str, out: Path, disks_mib: list[int], timeout: float = 900) -> int:
    """Run script (sh) in the guest with sparse data disks /dev/vdb, /dev/vdc, ...; the
    guest's exit status of script (its output in out/run.log, the console in
    out/serial.log)."""
    cache = guest_image()
    out.mkdir(parents=True, exist_ok=True)
    (out / "run").write_text(
        f"export PYTHONPATH=/labnet:/labnet/{SITE_PACKAGES} PYTHONDONTWRITEBYTECODE=1\n{script}\n"
    )
    drives = []
    for n, size in enumerate(disks_mib):
        disk = out.parent / f"{out.name}-disk{n}.img"
        with open(disk, "wb") as sparse:
            sparse.truncate(size << 20)
        drives += ["-drive", f"file={disk},if=virtio,format=raw,cache=unsafe"]
    argv = [
        QEMU, "-accel", "tcg", "-cpu", "max", "-m", "2048", "-smp", "1", "-nographic",
        "-no-reboot", "-nic", "none",
        "-kernel", str(cache / "vmlinuz"), "-initrd", str(cache / "initrd.img"),
        "-append", "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0",
        "-drive", f"file={cache / 'root.img'},if=virtio,format=raw,snapshot=on",
        *drives,
        "-virtfs", f"local,path={REPO},mount_tag=labnet,security_model=none,readonly=on",
        "-virtfs", f"local,path={out},mount_tag=out,security_model=none",
    ]  # fmt: skip
    with open(out / "serial.log", "wb") as serial:
        subprocess.run(
            argv, stdout=serial, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            timeout=timeout, check=False,
        )  # fmt: skip
    for n in range(len(disks_mib)):
        (out.parent / f"{out.name}-disk{n}.img").unlink()
    status = out / "exit-status"
    if not status.exists():
        tail = (out / "serial.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"the guest did not run the script; its console ended:\n{tail}")
    return int(status.read_text())
