"""Backups on disk as backupsync leaves them, for the restore pages' tests: carme's
/users/labnet2/fs1 backed up by bumper on three dates, the homes of alice and bob in it, and
the web server's view of both hosts under LABNET_BACKUP_HOSTS_ROOT."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from backups.host.mangle import mangle
from testing import hosts

from .campus import row

DATES = ["2013-06-07", "2013-06-08", "2013-06-09"]
FS1 = "/users/labnet2/fs1"
HOMES = f"alice=carme:{FS1}/alice,bob=carme:{FS1}/bob,editor1=carme:{FS1}/nobody"


def backups_on_disk(root: Path, settings) -> Path:
    """The trees, and the settings that show them; returns carme's live fs1."""
    settings.LABNET_BACKUP_HOSTS_ROOT = str(root / "{host}")
    settings.LABNET_BACKUP_HOMES = HOMES
    hosts.host("server", "bumper")
    hosts.host("server", "carme", tables={"BackupTable": [row(FS1, bk_date=DATES[-1])]})
    backups = root / "bumper/backup1/users" / mangle("carme", FS1)
    previous = None
    for number, date in enumerate(DATES, start=1):
        tree = backups / date
        if previous is None:
            (tree / "alice/thesis").mkdir(parents=True)
            (tree / "bob").mkdir()
            (tree / "alice/notes.txt").write_text("notes\n")
            (tree / "bob/secret.txt").write_text("bob's\n")
            os.symlink("/etc/passwd", tree / "alice/passwd")
            os.symlink("../bob/secret.txt", tree / "alice/bobs")
            os.symlink("notes.txt", tree / "alice/my-notes")
        else:
            subprocess.run(["cp", "-al", str(previous), str(tree)], check=True)
        if number != 2:  # night 2 left thesis.tex unchanged: a hard link to night 1's
            (tree / "alice/thesis/thesis.tex").unlink(missing_ok=True)
            (tree / "alice/thesis/thesis.tex").write_text(f"version {number}\n")
        previous = tree
    live = root / f"carme{FS1}"
    for user in ("alice", "bob"):
        (live / user).mkdir(parents=True)
    (live / "alice/notes.txt").write_text("today's notes\n")
    return live
