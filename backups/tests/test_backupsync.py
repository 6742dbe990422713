"""backupsync over a real sshd with real rsync: nights simulated by date, hard links on disk,
bk_date set through bumper's token, failures that leave everything as it was."""

from __future__ import annotations

import os

import pytest

from backups.host.commands import sync_and_report
from backups.host.disks import disk_lock
from backups.models import BackupDisk, BackupRun

from .campus import campus

pytestmark = pytest.mark.django_db


@pytest.fixture
def fs1(tmp_path, sshd):
    with campus(tmp_path, sshd, ["fs1"]) as built:
        home = built.source("fs1") / "alice"
        (home / ".cache").mkdir(parents=True)
        (home / "thesis.tex").write_text("chapter 1\n")
        (home / "data.csv").write_text("1,2,3\n")
        (home / "old.txt").write_text("to be deleted\n")
        (home / ".cache" / "junk").write_text("not backed up\n")
        yield built


def night(built, date: str, **options) -> int:
    return sync_and_report(built.bumper, built.client, date, built.rsh, **options)


def test_each_night_is_a_whole_tree_whose_unchanged_files_are_hard_links(fs1):
    home = fs1.source("fs1") / "alice"
    target = fs1.target("fs1")

    assert night(fs1, "2013-06-08") == 0
    first = target / "2013-06-08" / "alice"
    assert (first / "thesis.tex").read_text() == "chapter 1\n"
    assert not (first / ".cache").exists()  # bk_filter user_homes
    assert fs1.bk_dates() == ["2013-06-08"]

    (home / "thesis.tex").write_text("chapter 1\nchapter 2\n")
    (home / "old.txt").unlink()
    (home / "new.txt").write_text("new\n")
    assert night(fs1, "2013-06-09") == 0
    second = target / "2013-06-09" / "alice"
    assert (second / "thesis.tex").read_text() == "chapter 1\nchapter 2\n"
    assert (first / "thesis.tex").read_text() == "chapter 1\n"
    assert (second / "data.csv").stat().st_ino == (first / "data.csv").stat().st_ino
    assert (second / "data.csv").stat().st_nlink == 2
    assert (second / "thesis.tex").stat().st_nlink == 1
    assert not (second / "old.txt").exists() and (first / "old.txt").exists()
    assert (second / "new.txt").read_text() == "new\n"
    assert sorted(p.name for p in target.iterdir()) == ["2013-06-08", "2013-06-09"]
    assert fs1.bk_dates() == ["2013-06-09"]

    run = BackupRun.objects.get()
    assert (run.ok, run.date, run.source, run.bk_server) == (True, "2013-06-09", "carme", "bumper")
    assert run.files >= 4 and run.last_good is not None
    disk = BackupDisk.objects.get(bk_server="bumper")
    assert disk.holds == [
        {"directory": f"/backup1/users/{target.name}", "dates": ["2013-06-08", "2013-06-09"]}
    ]


def test_a_source_that_cannot_be_read_leaves_the_backups_and_bk_date_as_they_were(fs1):
    assert night(fs1, "2013-06-08") == 0
    before = sorted(p.name for p in fs1.target("fs1").iterdir())
    os.rename(fs1.source("fs1"), fs1.source("moved"))
    try:
        assert night(fs1, "2013-06-09") == 1
    finally:
        os.rename(fs1.source("moved"), fs1.source("fs1"))
    target = fs1.target("fs1")
    assert sorted(p.name for p in target.iterdir() if not p.name.endswith(".partial")) == before
    assert (target / "2013-06-08" / "alice" / "thesis.tex").read_text() == "chapter 1\n"
    assert fs1.bk_dates() == ["2013-06-08"]
    run = BackupRun.objects.get()
    assert not run.ok and run.date == "2013-06-09" and run.exit_code == 23
    assert "No such file or directory" in run.message


def test_an_unreachable_source_is_reported_and_bk_date_stays(fs1, tmp_path):
    config = tmp_path / "ssh_config"
    config.write_text(fs1.sshd.ssh_config.read_text().replace(f"Port {fs1.sshd.port}", "Port 1"))
    rsh = fs1.rsh.replace(str(fs1.sshd.ssh_config), str(config))
    assert sync_and_report(fs1.bumper, fs1.client, "2013-06-08", rsh) == 1
    run = BackupRun.objects.get()
    assert not run.ok and "Connection refused" in run.message
    assert fs1.bk_dates() == ["none"]
    assert not (fs1.target("fs1") / "2013-06-08").exists()


def test_a_partial_tree_left_by_a_failed_run_is_resumed_and_renamed(fs1):
    target = fs1.target("fs1")
    left = target / "2013-06-07.partial" / "alice"
    left.mkdir(parents=True)
    (left / "stale").write_text("from a run that was killed\n")
    assert night(fs1, "2013-06-08") == 0
    assert sorted(p.name for p in target.iterdir()) == ["2013-06-08"]
    assert not (target / "2013-06-08" / "alice" / "stale").exists()


def test_a_second_run_the_same_day_replaces_that_date_once_it_is_whole(fs1):
    assert night(fs1, "2013-06-08") == 0
    (fs1.source("fs1") / "alice" / "later.txt").write_text("afternoon\n")
    assert night(fs1, "2013-06-08") == 0
    target = fs1.target("fs1")
    assert sorted(p.name for p in target.iterdir()) == ["2013-06-08"]
    assert (target / "2013-06-08" / "alice" / "later.txt").read_text() == "afternoon\n"


def test_a_dry_run_writes_nothing_and_reports_nothing(fs1, capsys):
    assert night(fs1, "2013-06-08", dry_run=True) == 0
    assert "alice/thesis.tex" in capsys.readouterr().out
    assert not (fs1.target("fs1") / "2013-06-08").exists()
    assert fs1.bk_dates() == ["none"] and not BackupRun.objects.exists()


def test_only_backs_up_the_one_directory_named(tmp_path, sshd):
    with campus(tmp_path, sshd, ["fs1", "fs2"]) as built:
        fs2 = str(built.source("fs2"))
        assert night(built, "2013-06-08", only=fs2) == 0
        assert built.bk_dates() == ["none", "2013-06-08"]
        assert night(built, "2013-06-08", only="/users/nowhere") == 2


def test_a_disk_another_run_holds_is_busy_and_nothing_is_copied(fs1):
    disk = fs1.root / "backup1/users"
    with disk_lock(fs1.root / "etc-state", disk, "bkupclean"):
        pass  # a lock released is free again
    with disk_lock(fs1.bumper.paths.state, disk, "bkupclean"):
        assert night(fs1, "2013-06-08") == 1
    run = BackupRun.objects.get()
    assert "busy (bkupclean pid" in run.message
    assert not (fs1.target("fs1") / "2013-06-08").exists()


def test_verify_finds_a_stored_file_whose_bytes_rotted(fs1):
    assert night(fs1, "2013-06-08", check=True) == 0
    stored = fs1.target("fs1") / "2013-06-08" / "alice" / "data.csv"
    times = stored.stat()
    stored.write_text("1,2,4\n")  # same size
    os.utime(stored, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert night(fs1, "2013-06-09", check=True) == 1  # data.csv links to the rotten copy
    assert BackupRun.objects.get().differences == ["2013-06-09/alice/data.csv"]
