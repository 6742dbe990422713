"""Backup figures (issue 14), printed, not asserted: a home tree of 50,000 files with 1 %
of them changed each night, backed up for 10 nights over a real sshd on loopback

1. by backupsync (rsync -a --delete --link-dest into <date>.partial, renamed), and by
   rsnapshot (the Debian package, link_dest 1, the same ssh) on the same data in the same
   run: wall time per night and the disk both use at the end (du, hard links counted once);
2. bkupclean removing the 10 oldest dates against `rm -rf` of the same trees (an exact copy
   made with cp -a, hard links kept).

Everything lives in a temporary folder removed at the end.

    .venv/bin/python bench/bench_backups.py [--files 50000] [--nights 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _setup import ROOT, use_database

FILES_PER_FOLDER = 100


def make_tree(top: Path, files: int) -> list[Path]:
    paths = []
    for n in range(files):
        folder = top / f"d{n // FILES_PER_FOLDER:04d}"
        if n % FILES_PER_FOLDER == 0:
            folder.mkdir(parents=True)
        path = folder / f"f{n:05d}.txt"
        path.write_bytes(os.urandom(512 + n % 3584))
        paths.append(path)
    return paths


def change(paths: list[Path], night: int) -> None:
    """1 % of the files get new contents, a different 1 % each night."""
    step = 100
    for path in paths[night % step :: step]:
        path.write_bytes(os.urandom(len(path.read_bytes()) or 1))


def du(path: Path) -> int:
    return int(
        subprocess.run(
            ["du", "-sk", str(path)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )


def rsnapshot_config(work: Path, source: Path, ssh_config: Path, nights: int) -> Path:
    config = work / "rsnapshot.conf"
    lines = [
        ("config_version", "1.2"),
        ("snapshot_root", f"{work / 'rsnapshot'}/"),
        ("cmd_rsync", "/usr/bin/rsync"),
        ("cmd_ssh", "/usr/bin/ssh"),
        ("ssh_args", f"-F {ssh_config}"),
        ("link_dest", "1"),
        ("lockfile", str(work / "rsnapshot.pid")),
        ("logfile", str(work / "rsnapshot.log")),
        ("verbose", "1"),
        ("retain", f"daily\t{nights + 1}"),
        ("backup", f"carme:{source}/\tcarme/"),
    ]
    config.write_text("".join(f"{key}\t{value}\n" for key, value in lines))
    subprocess.run(["rsnapshot", "-c", str(config), "configtest"], check=True, capture_output=True)
    return config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--nights", type=int, default=10)
    options = parser.parse_args()
    if not shutil.which("rsnapshot"):
        sys.exit("bench_backups: needs rsnapshot (apt-get install rsnapshot)")

    work = Path(tempfile.mkdtemp(prefix="labnet-bench-backups-"))
    use_database(f"sqlite:///{work / 'db.sqlite3'}")
    import django

    django.setup()
    from backups.host.backupsync import backupsync
    from backups.host.bkupclean import bkupclean
    from backups.host.config import Retention
    from backups.host.table import BackupRow
    from core.ssh import rsync_shell
    from testing.sshd import running_sshd
    from workers.host.paths import AgentPaths

    try:
        source = work / "carme" / "home"
        started = time.monotonic()
        paths = make_tree(source, options.files)
        print(
            f"home tree: {options.files:,} files, {du(source) / 1024:.0f} MB "
            f"(made in {time.monotonic() - started:.1f} s); {options.nights} nights, "
            f"1 % changed each night"
        )
        agent = AgentPaths(work / "bumper", work / "etc")
        (agent.root / "backup1").mkdir(parents=True)
        row = BackupRow("carme", 1, str(source), "bumper", "/backup1", True, "", "none", "none")
        with running_sshd(work / "sshd") as sshd:
            rsh = rsync_shell(sshd.ssh_config)
            config = rsnapshot_config(work, source, sshd.ssh_config, options.nights)
            print(f"{'night':>5} {'backupsync s':>13} {'rsnapshot s':>12}")
            first = date(2013, 6, 1)
            totals = [0.0, 0.0]
            for night in range(options.nights + 1):
                if night:
                    change(paths, night)
                day = (first + timedelta(days=night)).isoformat()
                with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
                    start = time.monotonic()
                    results = backupsync(agent, [row], day, rsh, lambda _: [], say=lambda _: None)
                    ours = time.monotonic() - start
                assert results[0].ok, results[0].message
                start = time.monotonic()
                subprocess.run(
                    ["rsnapshot", "-c", str(config), "daily"], check=True, capture_output=True
                )
                theirs = time.monotonic() - start
                label = "full" if night == 0 else str(night)
                print(f"{label:>5} {ours:13.2f} {theirs:12.2f}")
                if night:
                    totals[0] += ours
                    totals[1] += theirs
        nights = options.nights
        print(
            f"mean of the {nights} incremental nights: backupsync {totals[0] / nights:.2f} s, "
            f"rsnapshot {totals[1] / nights:.2f} s (ratio {totals[0] / totals[1]:.2f})"
        )
        ours_kb, theirs_kb = du(agent.root / "backup1"), du(work / "rsnapshot")
        print(
            f"disk used after {nights + 1} backups: backupsync {ours_kb / 1024:.0f} MB, "
            f"rsnapshot {theirs_kb / 1024:.0f} MB (source {du(source) / 1024:.0f} MB)"
        )

        mangled = agent.root / "backup1" / row.mangled
        copy = work / "copy"
        subprocess.run(["cp", "-a", str(mangled), str(copy)], check=True)
        oldest = sorted(p for p in copy.iterdir())[:-1]
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            start = time.monotonic()
            bkupclean(agent.state, [agent.root / "backup1"], 1.0, Retention(), say=lambda _: None)
            ours = time.monotonic() - start
        left = sorted(p.name for p in mangled.iterdir())
        start = time.monotonic()
        subprocess.run(["rm", "-rf", *map(str, oldest)], check=True)
        theirs = time.monotonic() - start
        print(
            f"removing the {len(oldest)} oldest dates ({options.files:,} entries each): "
            f"bkupclean {ours:.2f} s, rm -rf {theirs:.2f} s (ratio {ours / theirs:.2f}); "
            f"bkupclean kept {left}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
