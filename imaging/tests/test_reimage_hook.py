"""The managed files that wire re-imaging into a client (the demo's fileMgr reimage,
reimage_logout, reimage_boot): what the agent installs on a client re-imaged at logout, at
boot or never, and the installed hook re-imaging the partition with the agent's settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings as django_settings

from entities.mirror import read_entity_file
from entities.schema import DEMO_MIRROR
from filemgr.demo import DEMO_FILES
from filemgr.templating import MirrorSource
from imaging.tests import filesystems
from imaging.tests.test_blockimage import BLOCK, differing, files, used_blocks
from workers.host.__main__ import main
from workers.host.files import HostFiles
from workers.host.paths import AgentPaths
from workers.tests.mirrors import offline_content, write_entity, write_file

HOOK = "usr/local/sbin/labnet-reimage"
LIGHTDM = "etc/lightdm/lightdm.conf.d/50-labnet-reimage.conf"
AT_BOOT = "etc/local.d/labnet-reimage.start"


def install(tmp_path: Path, host: str, **reimage: str) -> Path:
    """The agent's pass on a client with the demo's re-imaging files; its root."""
    paths = AgentPaths(tmp_path / host / "root", tmp_path / host / "etc")
    write_entity(paths.etc, "client", host, **{f"reimage_{k}": v for k, v in reimage.items()})
    for name in ("reimage", "reimage_logout", "reimage_boot"):
        entity = read_entity_file(DEMO_MIRROR / "fileMgr" / name)
        (instance,) = entity.values("ft_instance")
        write_file(
            paths.etc,
            paths.master,
            name,
            entity.values("path")[0],
            {
                instance: (
                    (DEMO_FILES / name / instance).read_text(),
                    entity.values("ft_template")[0] == "yes",
                )
            },
            mode=entity.values("mode")[0],
        )
    run = HostFiles(paths, MirrorSource(paths.etc), host, offline_content(paths.master)).apply()
    assert run.errors == []
    return paths.root


def test_a_client_re_imaged_at_logout_gets_the_hook_and_its_wiring(tmp_path):
    root = install(
        tmp_path, "jay", at="logout", partition="/dev/sda2", image="/srv/images/winxp", fs="ntfs"
    )
    hook = (root / HOOK).read_text()
    assert (root / HOOK).stat().st_mode & 0o777 == 0o755
    assert "# jay re-images /dev/sda2 at logout\n# from /srv/images/winxp;" in hook
    assert "-m workers.host reimage" in hook and "exit 0" not in hook
    lightdm = (root / LIGHTDM).read_text().splitlines()
    assert lightdm[-2:] == [
        "[Seat:*]",
        "session-cleanup-script=/usr/local/sbin/labnet-reimage logout",
    ]
    assert (root / AT_BOOT).stat().st_mode & 0o777 == 0o755
    assert (root / AT_BOOT).read_text().splitlines()[
        -1
    ] == "exec /usr/local/sbin/labnet-reimage boot"


def test_a_client_re_imaged_at_boot_only_or_never_gets_no_logout_hook(tmp_path):
    root = install(tmp_path, "lark", at="boot", partition="/dev/sda2", image="/srv/images/big")
    assert "-m workers.host reimage" in (root / HOOK).read_text()
    assert "session-cleanup-script=" not in (root / LIGHTDM).read_text()

    root = install(tmp_path, "owl", at="never", partition="/dev/sda2", image="/srv/images/big")
    assert (root / HOOK).read_text().splitlines()[-2:] == [
        "# owl re-images no partition (its reimage_at, reimage_partition, reimage_image).",
        "exit 0",
    ]
    assert "session-cleanup-script=" not in (root / LIGHTDM).read_text()


def test_the_installed_hook_re_images_the_partition_at_logout(tmp_path):
    source, image, target = tmp_path / "source.img", tmp_path / "image", tmp_path / "sda2.img"
    filesystems.make("ext4", source, 16, files(7))
    assert main(["makeimage", str(source), str(image)]) == 0
    shutil.copyfile(source, target)
    with open(target, "r+b") as f:
        for n in used_blocks(image)[100:105]:
            os.pwrite(f.fileno(), b"\xee" * BLOCK, n * BLOCK)
    root = install(tmp_path, "jay", at="logout", partition=str(target), image=str(image), fs="ext4")
    etc = tmp_path / "jay" / "etc"
    env_file = tmp_path / "labnet-agent"
    env_file.write_text(
        f"LABNET_ETC={etc}\nLABNET_ROOT={root}\n"
        "LABNET_SERVER=http://127.0.0.1:9\nLABNET_TOKEN=not-a-real-token\n"
    )
    done = subprocess.run(
        ["sh", str(root / HOOK), "logout"],
        env={
            "PATH": "/usr/bin:/bin",
            "LABNET_HOST": "jay",
            "LABNET_AGENT_ENV": str(env_file),
            "LABNET_HOME": str(django_settings.BASE_DIR),
            "LABNET_PYTHON": sys.executable,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "differed in 5;" in done.stdout and "good: every used block matches" in done.stdout
    assert differing(source, target, used_blocks(image)) == 0
    # The web server is away: the report waits in the agent's outbox.
    assert len(os.listdir(etc / ".agent" / "reimage-reports")) == 1
