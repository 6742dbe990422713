"""buildserver on the database: --plan prints the plan and writes nothing; what a build writes
back is limited to the server's UUID, size and rs_date columns, in one batch."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from entities import services
from entities.models import Change, Entity
from entities.reading import entity_contents
from imaging import build_records
from imaging.models import BuildReport
from testing import hosts

from .test_buildserver_planning import gasket

pytestmark = pytest.mark.django_db


@pytest.fixture
def server():
    hosts.host("server", "jon")
    return hosts.host("server", "gasket", kernel="bzImage", tables=gasket())


def tables(name="gasket"):
    return entity_contents(Entity.objects.get(name=name)).tables


def test_plan_prints_every_part_and_writes_nothing(server, tmp_path):
    before = Change.objects.count()
    out = io.StringIO()
    call_command(
        "buildserver", "gasket", "--plan", "--disks", "sda=/dev/nosuch1,sdb=/dev/nosuch2",
        "--target", str(tmp_path / "slash"), stdout=out,
    )  # fmt: skip
    assert Change.objects.count() == before
    assert not (tmp_path / "slash").exists()
    assert BuildReport.objects.count() == 0


def test_plan_output(server, tmp_path, capsys):
    call_command("buildserver", "gasket", "--plan", "--target", str(tmp_path / "slash"))
    printed = capsys.readouterr().out
    for line in (
        "Loading Sysconfig database information",
        "disk sda: /dev/sda is not on this machine; not scanned",
        "The plan for gasket (nothing is written):",
        "  /dev/sda1 type fd boot: 4.01 GiB for mdadm row 1 (/dev/md0)",
        "  /dev/sdb3 type fd: the rest of the disk for mdadm row 2 (/dev/md1)",
        "array /dev/md0 raid1 of /dev/sda1, /dev/sdb1: 4.00 GiB",
        "volume group vg1 on /dev/md1",
        "logical volume /dev/vg1/lv02: 3.00 GiB",
        "/dev/sda2 swap on swap: formatted now",
        f"mount /var at {tmp_path / 'slash' / 'var'}",
        "rsync jon:/mnt/dbgen64prod/var to /var (rs_sync no: skipped)",
    ):
        assert line in printed.splitlines(), line


def test_an_inconsistent_entity_stops_before_anything_is_written(server, capsys):
    rows = gasket()
    rows["fstab"][3]["fst_dev"] = "/dev/vg1/lv09"
    services.do_set_values(Entity.objects.get(name="gasket"), tables=rows)
    with pytest.raises(CommandError) as failed:
        call_command(
            "buildserver", "gasket", "--yes", "--disks", "sda=/dev/nosuch1,sdb=/dev/nosuch2"
        )
    assert failed.value.returncode == 2
    printed = capsys.readouterr().out
    assert "buildserver gasket: the tables are not consistent:" in printed
    assert "  fstab row 4, fst_dev: logical volume lv09 of vg1 is not in logicalVolumes" in printed
    report = BuildReport.objects.get()
    assert report.status == 2 and "lv09" in report.log and report.server == "gasket"


def test_a_build_writes_uuids_sizes_and_removes_device_names_in_one_batch(server):
    before = Change.objects.values("batch").distinct().count()
    build_records.do_record_build(
        "gasket",
        {
            "fstab": {
                1: {"fst_uuid": "b6fbcac0-caad-5e93-b089-af135954adc8"},
                2: {"fst_uuid": "a5cb3b73-c0be-4cec-b4ae-d6f4fe6fb112", "fst_dev": "UUID=",
                    "fst_size": "1073741824"},
            },
            "mdadm": {1: {"md_UUID": "aac293b5:4f2306a1:ed13523e:85f127b2"}},
            "Rsync": {1: {"rs_date": "2024-05-01 10:00:00"}},
        },
    )  # fmt: skip
    rows = tables()
    assert rows["fstab"][1]["fst_dev"] == "UUID="
    assert rows["fstab"][1]["fst_uuid"] == "a5cb3b73-c0be-4cec-b4ae-d6f4fe6fb112"
    assert rows["fstab"][2]["fst_dev"] == "UUID=/dev/sdb2"  # untouched
    assert rows["mdadm"][0]["md_UUID"] == "aac293b5:4f2306a1:ed13523e:85f127b2"
    assert rows["Rsync"][0]["rs_date"] == "2024-05-01 10:00:00"
    assert Change.objects.values("batch").distinct().count() == before + 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"BackupTable": {1: {"bk_date": "x"}}}, "BackupTable: buildserver writes only"),
        ({"fstab": {1: {"fst_mntpt": "/srv"}}}, "fstab row 1, fst_mntpt: buildserver writes only"),
        ({"fstab": {9: {"fst_uuid": "none"}}}, "fstab row 9: gasket has no such row"),
        ({"fstab": {1: {"fst_dev": "UUID="}}}, "fstab row 1, fst_dev: buildserver only removes"),
        (
            {"fstab": {2: {"fst_dev": "/dev/sdz9"}}},
            "fstab row 2, fst_dev: buildserver only removes",
        ),
        ({"fstab": {1: {"fst_uuid": "not a uuid"}}}, "fst_uuid"),
    ],
)
def test_a_build_writes_nothing_else(server, changes, message):
    before = tables()
    with pytest.raises(ValidationError) as refused:
        build_records.do_record_build("gasket", changes)
    assert message in " ".join(refused.value.messages)
    assert tables() == before


def test_reports_are_kept_per_server_up_to_a_limit(server, monkeypatch):
    monkeypatch.setattr(build_records, "KEPT_PER_SERVER", 2)
    for status in (1, 1, 0):
        build_records.do_keep_build_report("gasket", status, "x" * 10, "manage.py buildserver")
    assert list(BuildReport.objects.values_list("status", flat=True)) == [0, 1]
