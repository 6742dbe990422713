"""buildserver for real on two loop-backed disks: partitions, file systems whose UUIDs land in
the database, mounts under --target, the image rsynced over a real sshd, the managed files
rendered (/etc/fstab from the fstab table), GRUB 2 in the disk's MBR; a second run changes
nothing; bad input is refused with nothing lost. Needs root, losetup, sfdisk, mkfs."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from entities import services
from entities.models import Change, Entity
from entities.reading import entity_contents
from imaging.models import BuildReport
from testing import factories, hosts, live
from testing.sshd import available, running_sshd
from workers.services import do_make_host_token

from .test_buildserver_planning import fstab

MIB = 1 << 20
TOOLS = ("losetup", "sfdisk", "partx", "mkfs.ext4", "mkswap", "blkid", "wipefs", "rsync")
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="loop devices and mount need root"),
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in TOOLS),
        reason=f"needs {', '.join(TOOLS)} (scripts/setup installs fdisk, e2fsprogs, rsync)",
    ),
    pytest.mark.skipif(not available(), reason="needs /usr/sbin/sshd (openssh-server)"),
    pytest.mark.django_db,
]
FSTAB_TEMPLATE = Path(__file__).resolve().parents[2] / "demo" / "files" / "fstab" / "default_server"


def blkid(device: str, tag: str = "UUID") -> str:
    return subprocess.run(
        ["blkid", "-p", "-s", tag, "-o", "value", device], capture_output=True, text=True
    ).stdout.strip()


def part(device: str, number: int) -> str:
    return f"{device}p{number}"


class Rig:
    """Two loop disks, the target, a source root for host jon and an sshd reaching it."""

    def __init__(self, tmp_path: Path, sizes: tuple[int, int]):
        self.tmp = tmp_path
        self.target = tmp_path / "slash"
        self.peers = tmp_path / "peers"
        self.disks: dict[str, str] = {}
        for name, size in zip(("sda", "sdb"), sizes, strict=True):
            image = tmp_path / f"{name}.img"
            with open(image, "wb") as sparse:
                sparse.truncate(size * MIB)
            device = subprocess.run(
                ["losetup", "-fP", "--show", str(image)], capture_output=True, text=True, check=True
            ).stdout.strip()
            self.disks[name] = device

    def close(self) -> None:
        if subprocess.run(["mountpoint", "-q", str(self.target)]).returncode == 0:
            subprocess.run(["umount", "-R", str(self.target)], check=True)
        for device in self.disks.values():
            subprocess.run(["losetup", "-d", device], check=True)

    def build(self, server: str, *extra: str, sshd=None, answers: str | None = None) -> int:
        argv = [
            "buildserver",
            server,
            "--target",
            str(self.target),
            "--peer-roots",
            str(self.peers),
        ]
        argv += ["--disks", ",".join(f"{n}={d}" for n, d in self.disks.items())]
        if sshd is not None:
            argv += ["--ssh-config", str(sshd.ssh_config)]
        stdin = sys.stdin
        if answers is not None:
            sys.stdin = io.StringIO(answers)
        else:
            argv.append("--yes")
        try:
            call_command(*argv, *extra)
        except CommandError as failed:
            return failed.returncode
        finally:
            sys.stdin = stdin
        return 0


@pytest.fixture
def rig(tmp_path, settings):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    made = Rig(tmp_path, (96, 64))
    yield made
    made.close()


def tables(server: str) -> dict[str, list[dict[str, str]]]:
    return entity_contents(Entity.objects.get(name=server)).tables


def rsync_row(src: str, dst: str) -> dict[str, str]:
    return {"rs_host": "jon", "rs_src": src, "rs_dst": dst, "rs_sync": "yes", "rs_date": "none"}


@pytest.fixture
def bolt(rig):
    """The server: / on sda1, swap on sda2 and sdb1 (by UUID), /var on the rest of sdb; its
    image on jon, whose /tmp/ the image's filter leaves out; a plain and a template managed
    file."""
    server = hosts.host_type("server")
    factories.entity(server, "jon")
    factories.entity(
        factories.demo_type("rsyncImage"), "dbgen64", host="jon", directory="/mnt/image",
        tables={"Rsync_Filter_Tab": [{"rf_action": "exclude", "rf_pattern": "/tmp/"}]},
    )  # fmt: skip
    factories.entity(
        server, "bolt", kernel="vmlinuz-6.1", functions=["basic_services"],
        tables={
            "fstab": [
                fstab("/dev/sda1", "/", size=str(48 * MIB), pass_="1"),
                fstab("UUID=/dev/sda2", "swap", "swap", str(16 * MIB), opts="sw"),
                fstab("UUID=/dev/sdb1", "swap", "swap", str(8 * MIB), opts="sw"),
                fstab("/dev/sdb2", "/var", size="-1"),
            ],
            "Rsync": [rsync_row("/mnt/image", "/"), rsync_row("/mnt/image/var", "/var")],
        },
    )  # fmt: skip
    hosts.managed_file("motd", "/etc/motd", {"default_server": ("Labnet server\n", False)})
    hosts.managed_file(
        "fstab", "/etc/fstab", {"default_server": (FSTAB_TEMPLATE.read_text(), True)}
    )
    image = rig.peers / "jon" / "mnt" / "image"
    for path, text in {
        "usr/bin/tool": "#!/bin/sh\n",
        "etc/motd": "the image's motd\n",
        "tmp/junk": "never copied\n",
        "boot/vmlinuz-6.1": "a kernel\n",
        "var/lib/thing": "state\n",
    }.items():
        (image / path).parent.mkdir(parents=True, exist_ok=True)
        (image / path).write_text(text)
    return rig


def test_a_server_is_built_end_to_end_and_a_second_run_changes_nothing(bolt, capsys):
    rig = bolt
    sda, sdb = rig.disks["sda"], rig.disks["sdb"]
    with running_sshd(rig.tmp / "sshd") as sshd:
        assert rig.build("bolt", sshd=sshd) == 0, capsys.readouterr().out
        first = capsys.readouterr().out

        rows = tables("bolt")["fstab"]
        assert [r["fst_uuid"] for r in rows] == [
            blkid(part(sda, 1)), blkid(part(sda, 2)), blkid(part(sdb, 1)), blkid(part(sdb, 2))
        ]  # fmt: skip
        assert "none" not in [r["fst_uuid"] for r in rows]
        assert [r["fst_dev"] for r in rows] == ["/dev/sda1", "UUID=", "UUID=", "/dev/sdb2"]
        assert rows[0]["fst_size"] == str(48 * MIB)
        assert int(rows[3]["fst_size"]) == 64 * MIB - 8 * MIB - MIB  # 1 MiB before sdb1
        assert blkid(part(sda, 1), "TYPE") == "ext4" and blkid(part(sdb, 1), "TYPE") == "swap"

        mounts = subprocess.run(
            ["findmnt", "-rn", "-o", "TARGET,SOURCE"], capture_output=True, text=True
        ).stdout
        assert f"{rig.target} {part(sda, 1)}" in mounts
        assert f"{rig.target}/var {part(sdb, 2)}" in mounts

        assert (rig.target / "usr/bin/tool").read_text() == "#!/bin/sh\n"
        assert (rig.target / "var/lib/thing").read_text() == "state\n"
        assert not (rig.target / "tmp/junk").exists()
        assert (rig.target / "etc/motd").read_text() == "Labnet server\n"
        etc_fstab = (rig.target / "etc/fstab").read_text()
        assert f"UUID={rows[1]['fst_uuid']} " in etc_fstab
        assert "/dev/sda1" in etc_fstab and "/var" in etc_fstab
        assert all(r["rs_date"] != "none" for r in tables("bolt")["Rsync"])
        assert (rig.target / "usr/local/etc/labnet/server/bolt").exists()

        key = (rig.target / "etc/ssh/ssh_host_ed25519_key.pub").read_text().strip()
        assert entity_contents(Entity.objects.get(name="bolt")).values["ssh_key"] == [key]
        assert (rig.target / "dev/null").is_char_device()

        if shutil.which("grub-install"):
            assert (rig.target / "boot/grub/i386-pc/core.img").exists()
            assert (rig.target / "boot/grub/i386-pc/normal.mod").exists()
            with open(sda, "rb") as disk:
                assert b"GRUB" in disk.read(512)
            assert (
                "linux /boot/vmlinuz-6.1 root=PARTUUID="
                in (rig.target / "boot/grub/grub.cfg").read_text()
            )

        log = (rig.target / "var/log/buildserver.log").read_text()
        assert "Build finished" in log and "Build finished" in first
        assert BuildReport.objects.get().status == 0

        built = {t: r for t, r in tables("bolt").items() if t != "Rsync"}
        changes = Change.objects.count()
        assert rig.build("bolt", sshd=sshd) == 0
        second = capsys.readouterr().out
    assert "about to be committed" not in second and "made, UUID=" not in second
    assert "The tables already hold every UUID and size" in second
    assert "Number of regular files transferred: 0" in second
    assert {t: r for t, r in tables("bolt").items() if t != "Rsync"} == built
    assert Change.objects.count() - changes <= 2  # the two rs_date of the new syncs
    assert (rig.target / "etc/ssh/ssh_host_ed25519_key.pub").read_text().strip() == key
    assert log in (rig.target / "var/log/buildserver.log").read_text()
    assert [r["fst_uuid"] for r in tables("bolt")["fstab"]] == [r["fst_uuid"] for r in rows]


def test_a_failed_rsync_stops_the_build_and_the_next_run_resumes(bolt, capsys):
    rig = bolt
    var = rig.peers / "jon/mnt/image/var"
    var.rename(rig.tmp / "var-away")
    with running_sshd(rig.tmp / "sshd") as sshd:
        assert rig.build("bolt", "--no-grub", sshd=sshd) == 1
        printed = capsys.readouterr().out
        assert "rsync of /var from jon:/mnt/image/var FAILED, rsync exited 23" in printed
        rsync = tables("bolt")["Rsync"]
        assert rsync[0]["rs_date"] != "none" and rsync[1]["rs_date"] == "none"
        uuids = [r["fst_uuid"] for r in tables("bolt")["fstab"]]

        (rig.tmp / "var-away").rename(var)
        assert rig.build("bolt", "--no-grub", sshd=sshd) == 0
    assert [r["fst_uuid"] for r in tables("bolt")["fstab"]] == uuids
    assert tables("bolt")["Rsync"][1]["rs_date"] != "none"
    assert (rig.target / "var/lib/thing").exists()
    assert [r.status for r in BuildReport.objects.order_by("pk")] == [1, 0]


def spare_server(**values) -> None:
    """A server with no image: / on sda1 and swap on sdb1."""
    factories.entity(
        hosts.host_type("server"), "spare",
        tables={"fstab": [
            fstab("/dev/sda1", "/", size=str(32 * MIB), pass_="1"),
            fstab("UUID=/dev/sdb1", "swap", "swap", str(16 * MIB), opts="sw"),
        ]},
        **values,
    )  # fmt: skip


@pytest.fixture
def spare(rig):
    spare_server()
    return rig


@pytest.fixture
def spare_master(rig):
    """spare as the master directory server: step 9 runs its masterldap function."""
    spare_server(functions=["masterldap"])
    return rig


def test_an_interrupted_build_resumes_from_what_exists(spare, capsys):
    rig = spare
    # yes to both partition tables, no to writing the UUIDs back: stopped after formatting.
    assert rig.build("spare", "--no-grub", answers="yes\nyes\nno\n") == 1
    assert "the tables were not updated" in capsys.readouterr().out
    assert tables("spare")["fstab"][0]["fst_uuid"] == "none"
    made = blkid(part(rig.disks["sda"], 1)), blkid(part(rig.disks["sdb"], 1))

    assert rig.build("spare", "--no-grub") == 0
    printed = capsys.readouterr().out
    assert "from an earlier run, kept" in printed and "made, UUID=" not in printed
    assert tuple(r["fst_uuid"] for r in tables("spare")["fstab"]) == made


def test_a_disk_holding_data_not_in_the_tables_is_refused_without_wipe(spare, capsys):
    rig = spare
    subprocess.run(["mkfs.ext4", "-q", "-F", rig.disks["sdb"]], check=True)
    theirs = blkid(rig.disks["sdb"])
    before = Change.objects.count()

    assert rig.build("spare", "--no-grub") == 1
    printed = capsys.readouterr().out
    assert (
        f"disk sdb ({rig.disks['sdb']}) holds a ext4 file system on the whole disk, which "
        "buildserver did not make for spare and whose UUIDs are not in the tables; give "
        "--wipe sdb to erase it"
    ) in printed
    assert blkid(rig.disks["sdb"]) == theirs  # untouched
    assert blkid(part(rig.disks["sda"], 1)) == ""  # nothing written to the other disk either
    assert Change.objects.count() == before

    assert rig.build("spare", "--no-grub", "--wipe", "sdb") == 0
    assert tables("spare")["fstab"][1]["fst_uuid"] == blkid(part(rig.disks["sdb"], 1))


def test_a_disk_smaller_than_the_plan_is_refused(spare, tmp_path, capsys):
    rows = tables("spare")
    rows["fstab"][1]["fst_size"] = str(80 * MIB)
    services.do_set_values(Entity.objects.get(name="spare"), tables=rows)
    assert spare.build("spare", "--no-grub") == 1
    printed = capsys.readouterr().out
    assert (
        f"disk sdb ({spare.disks['sdb']}) has 67,108,864 bytes but the tables need 84,934,656 "
        "(/dev/sdb1 0.08 GiB)"
    ) in printed
    assert blkid(part(spare.disks["sda"], 1)) == ""


@pytest.fixture
def web():
    with live.web_server() as server:
        yield server


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_through_the_api_with_the_servers_own_token(spare_master, web, capsys):
    spare = spare_master
    token = do_make_host_token("spare")
    assert spare.build("spare", "--no-grub", "--server", web.url, "--token", token) == 0
    printed = capsys.readouterr().out
    assert token not in printed
    # Step 9's masterldap asked the web server, which has no directory configured here.
    assert (
        "masterldap: 0 changed, problems: no LDAP directory is configured (LABNET_LDAP_URL)"
    ) in printed
    rows = tables("spare")["fstab"]
    assert rows[0]["fst_uuid"] == blkid(part(spare.disks["sda"], 1))
    assert rows[1]["fst_dev"] == "UUID=" and rows[1]["fst_uuid"] == blkid(
        part(spare.disks["sdb"], 1)
    )
    key = (spare.target / "etc/ssh/ssh_host_ed25519_key.pub").read_text().strip()
    assert entity_contents(Entity.objects.get(name="spare")).values["ssh_key"] == [key]
    assert (spare.target / "usr/local/etc/labnet/server/spare").exists()
    report = BuildReport.objects.get()
    assert report.status == 0 and report.run_by == "spare@agent" and token not in report.log
