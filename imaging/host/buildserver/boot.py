"""Step 7 of buildserver: GRUB 2 in the master boot record of every disk that holds the boot
file system, its modules under the target's /boot, and a grub.cfg booting the entity's
kernel when no managed file provides one."""

from __future__ import annotations

from pathlib import Path

from workers.host.paths import under

from .disks import run

GRUB_CFG = "/boot/grub/grub.cfg"
GRUB_TARGET = "i386-pc"  # the guide's servers boot from BIOS and an MBR partition table
MODULES = {"ext2": "ext2", "ext3": "ext2", "ext4": "ext2", "xfs": "xfs", "vfat": "fat"}


def modules(fs_type: str, raid: bool, lvm: bool) -> list[str]:
    """What core.img needs to read the boot file system before /boot/grub is reachable."""
    found = ["part_msdos", MODULES[fs_type]]
    if raid:
        found.append("mdraid1x")
    if lvm:
        found.append("lvm")
    return found


def install(target: Path, disk: str, wanted: list[str]) -> str:
    """grub-install into disk's MBR with its files under target/boot; grub-install's output."""
    return run(
        [
            "grub-install", f"--target={GRUB_TARGET}", f"--boot-directory={target / 'boot'}",
            f"--modules={' '.join(wanted)}", "--no-floppy", disk,
        ]
    )  # fmt: skip


def config(
    server: str, kernel: str, boot_uuid: str, prefix: str, root: str, wanted: list[str]
) -> str:
    """grub.cfg: the entity's kernel from the boot file system found by its UUID. prefix is
    "/boot" when /boot is on the root file system, "" when it is its own."""
    loads = "".join(f"  insmod {m}\n" for m in wanted)
    return (
        "# Written by buildserver from the server entity; a managed file replaces it.\n"
        "set timeout=5\n"
        "set default=0\n"
        f'menuentry "{server} ({kernel})" {{\n'
        f"{loads}"
        f"  search --no-floppy --fs-uuid --set=root {boot_uuid}\n"
        f"  linux {prefix}/{kernel} root={root} ro\n"
        "}\n"
    )


def write_config(target: Path, text: str) -> Path:
    path = under(target, GRUB_CFG)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
