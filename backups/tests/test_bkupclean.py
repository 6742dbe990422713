"""bkupclean on a real 4 MB file system (a tmpfs mount), so the high-water mark is real."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from backups.host.bkupclean import kept
from backups.host.commands import clean_and_report
from backups.host.config import Retention
from backups.host.dates import complete_dates
from backups.host.disks import disk_use
from backups.host.mangle import mangle
from workers.host.paths import AgentPaths
from workers.host.settings import LocalHost
from workers.tests.mirrors import write_entity

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
CHANGED = 256 * 1024  # bytes each night changes


@pytest.fixture
def bumper(tmp_path):
    """bumper's root with a 4 MB tmpfs at /backup1, and carme's rows /fs1 and /fs2 on it."""
    disk = tmp_path / "root" / "backup1"
    disk.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        (disk / "users").mkdir()
        etc = tmp_path / "etc"
        write_entity(
            etc,
            "server",
            "carme",
            bk_directory=["/fs1", "/fs2"],
            bk_server=["bumper", "bumper"],
            bk_basedir=["/backup1/users", "/backup1/users"],
            bk_on=["on", "on"],
        )
        write_entity(etc, "server", "bumper")
        yield LocalHost("bumper", AgentPaths(tmp_path / "root", etc))
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def nights(directory: Path, first: str, count: int) -> list[str]:
    """count dates of backups as backupsync leaves them: each a hard-linked copy of the one
    before with one file changed."""
    day = date.fromisoformat(first)
    dates, previous = [], None
    for _ in range(count):
        name = day.isoformat()
        tree = directory / name
        if previous:
            subprocess.run(["cp", "-al", str(previous), str(tree)], check=True)
            (tree / "changed").unlink()
        else:
            (tree / "same").mkdir(parents=True)
            (tree / "same" / "file").write_bytes(b"s" * 4096)
        (tree / "changed").write_bytes(os.urandom(CHANGED))
        dates.append(name)
        previous, day = tree, day + timedelta(days=1)
    return dates


def fs(host: LocalHost, name: str) -> Path:
    return host.paths.root / "backup1/users" / mangle("carme", f"/{name}")


def percent(host: LocalHost) -> float:
    return disk_use(host.paths.root / "backup1").percent


def test_the_oldest_dates_go_until_the_disk_is_under_the_mark(bumper, capsys):
    fs1 = nights(fs(bumper, "fs1"), "2013-05-01", 10)
    fs2 = nights(fs(bumper, "fs2"), "2013-05-09", 1)
    assert percent(bumper) > 60
    assert clean_and_report(bumper, None, 40) == 0
    assert percent(bumper) <= 40
    left = complete_dates(fs(bumper, "fs1"))
    assert left == fs1[-len(left) :] and len(left) < 10
    assert complete_dates(fs(bumper, "fs2")) == fs2
    assert (fs(bumper, "fs1") / left[0] / "same" / "file").read_bytes() == b"s" * 4096
    assert f"removed {fs(bumper, 'fs1') / '2013-05-01'}" in capsys.readouterr().out


def test_the_newest_backup_of_a_directory_is_never_removed(bumper):
    fs1 = nights(fs(bumper, "fs1"), "2013-05-01", 12)
    assert clean_and_report(bumper, None, 5) == 1  # still above the mark
    assert complete_dates(fs(bumper, "fs1")) == fs1[-1:]


def test_a_dry_run_names_what_the_real_run_removes_and_removes_nothing(bumper, capsys):
    nights(fs(bumper, "fs1"), "2013-05-01", 10)
    before = percent(bumper)
    clean_and_report(bumper, None, 40, dry_run=True)
    said = capsys.readouterr().out
    would = [line.split()[3] for line in said.splitlines() if "would remove" in line]
    assert percent(bumper) == before and len(complete_dates(fs(bumper, "fs1"))) == 10
    clean_and_report(bumper, None, 40)
    removed = [
        line.split()[2] for line in capsys.readouterr().out.splitlines() if "removed" in line
    ]
    assert would == removed and removed


def test_retention_from_the_backup_server_keeps_its_dates(bumper):
    write_entity(bumper.paths.etc, "server", "bumper", bk_keep_daily="3", bk_keep_monthly="2")
    fs1 = nights(fs(bumper, "fs1"), "2013-04-25", 12)  # to 2013-05-06
    assert clean_and_report(bumper, None, 5) == 1
    assert complete_dates(fs(bumper, "fs1")) == ["2013-04-30", *fs1[-3:]]


def test_a_removal_interrupted_is_finished_by_the_next_run(bumper):
    nights(fs(bumper, "fs1"), "2013-05-01", 2)
    shutil.copytree(fs(bumper, "fs1") / "2013-05-01", fs(bumper, "fs1") / ".2013-04-30.removing")
    assert clean_and_report(bumper, None, 99) == 0
    assert not (fs(bumper, "fs1") / ".2013-04-30.removing").exists()


def test_a_bad_retention_count_is_refused_naming_the_variable(bumper, capsys):
    write_entity(bumper.paths.etc, "server", "bumper", bk_keep_weekly="many")
    assert clean_and_report(bumper, None, 50) == 1
    assert "bumper's bk_keep_weekly 'many' is not a count" in capsys.readouterr().err


def test_retention_keeps_the_newest_of_each_week_and_month():
    dates = [f"2013-05-{d:02d}" for d in range(1, 32)]
    assert kept(dates, Retention()) == {"2013-05-31"}
    assert kept(dates, Retention(daily=2)) == {"2013-05-30", "2013-05-31"}
    # ISO weeks end on Sundays: 2013-05-26 and 2013-05-19
    assert kept(dates, Retention(weekly=3)) == {"2013-05-31", "2013-05-26", "2013-05-19"}
    assert kept(["2013-04-30", *dates], Retention(monthly=2)) == {"2013-04-30", "2013-05-31"}
