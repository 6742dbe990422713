"""Update, Clone, Delete and the local disk modes through the pages, with each host's side
run on the mirror as its agent runs it (recording backend for lvm2/LIO, real makeimage,
restoreimage and rsync); the broker is a list of the tasks sent."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from entities import services as entity_services
from entities.models import Entity
from entities.reading import entity_contents
from imaging.tests import filesystems
from testing.clients import signed_in
from wimp import sessions
from wimp.host import resize
from wimp.host.tasks import WimpTasks

from . import recording, windows
from .conftest import Agent
from .test_install import need, run_sent

pytestmark = pytest.mark.usefixtures("guide_campus")


@contextmanager
def device(path: Path) -> Iterator[str]:
    """A loop device over an image file: the client's partition."""
    loop = subprocess.run(
        ["losetup", "--find", "--show", str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        yield loop
    finally:
        subprocess.run(["losetup", "-d", loop], check=False)


@pytest.fixture
def site(broker, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    """The signed-in administrator, megatron's storage holding cs_lab's master, and a
    function running the last task sent on the host it was sent to."""
    monkeypatch.setenv("LABNET_PEER_ROOTS", str(tmp_path / "peers"))
    storage = recording.storage("vg2", tmp_path / "vg2")
    storage.volumes.create_master("cs_lab_m", 8 << 20)
    Path(storage.volumes.volumes()[0].path).write_bytes(b"cs_lab's Windows" * 100)
    etc = tmp_path / "etc"

    def run(host: str) -> None:
        tasks = WimpTasks(host, etc, tmp_path / host, Agent(host), lambda vgroup: storage)
        run_sent(broker, tasks, etc, django_capture_on_commit_callbacks)

    def post(url: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return admin.post(url, data or {})

    admin = signed_in("admin", "wimpadmin")
    return admin, post, run, storage, tmp_path


def test_update_is_refused_with_the_clients_and_a_batch_edit_link(site):
    admin, post, run, storage, tmp = site
    page = post("/wimp/new/update/?server=megatron", {"client": "bunting", "image": "cs_lab"})
    text = page.content.decode()
    assert "image cs_lab cannot be updated while clients boot it: finch" in text
    assert "/search/client/?c-windowsImage=cs_lab&amp;show=windowsImage&amp;search=1" in text
    assert sessions.find("cs_lab") is None


def test_update_of_an_unused_image_exports_its_synced_master(site):
    admin, post, run, storage, tmp = site
    finch = Entity.objects.get(entity_type__name="client", name="finch")
    entity_services.do_set_values(finch, {"windowsImage": []}, user="tests")
    post("/wimp/new/update/?server=megatron", {"client": "bunting", "image": "cs_lab"})
    run("megatron")
    assert [c["call"] for c in storage.volumes.calls()] == ["create_master", "export"]
    assert sessions.get("cs_lab").stage == "software"  # an update starts at the programs


def test_clone_copies_the_master_into_a_new_image(site):
    admin, post, run, storage, tmp = site
    form = {"client": "heron", "source": "cs_lab", "image": "cs_lab3", "image_size": "16M"}
    assert post("/wimp/new/clone/?server=megatron", form).status_code == 302
    run("megatron")
    clone = {v.name: v for v in storage.volumes.volumes()}["cs_lab3_m"]
    assert clone.size == 16 << 20
    assert Path(clone.path).read_bytes()[:1600] == b"cs_lab's Windows" * 100
    image = entity_contents(Entity.objects.get(entity_type__name="windowsImage", name="cs_lab3"))
    assert image.values["imageLvSize"] == ["16M"] and image.values["cowLvSize"] == ["2G"]
    assert sessions.get("cs_lab3").stage == "software"


def _c(disk: str, work: Path) -> tuple[int, int, Path]:
    """(end of C:'s partition, size of its NTFS filesystem) in bytes, and C: as a file."""
    with open(disk, "rb") as f:
        last = resize.last_partition(f.read(512))
        f.seek(last.start)
        part = f.read(last.size)
    copy = work / "c.part"
    copy.write_bytes(part)
    sectors = int.from_bytes(part[0x28:0x30], "little") * int.from_bytes(part[11:13], "little")
    return last.end, sectors, copy


def test_a_clone_of_another_size_grows_or_shrinks_c_with_its_partition(site):
    need("sfdisk", "losetup", "ntfsresize", "mkfs.ntfs", "ntfs-3g", "ntfsfix")
    admin, post, run, storage, tmp = site
    storage.volumes.remove("cs_lab_m")
    source = storage.volumes.create_master("cs_lab_m", 40 << 20)
    windows.install(Path(source.path), tmp, system="ntfs")  # C: from 9 to 33 MiB
    *before, c = _c(source.path, tmp)
    files = filesystems.checksums("ntfs", c)
    assert list(files) == ["system.txt"]

    for image, size in (("cs_big", 64 << 20), ("cs_small", 30 << 20)):
        form = {"client": "heron", "source": "cs_lab", "image": image,
                "image_size": f"{size >> 20}M"}  # fmt: skip
        post("/wimp/new/clone/?server=megatron", form)
        run("megatron")
        clone = {v.name: v for v in storage.volumes.volumes()}[f"{image}_m"]
        assert clone.size == size and Path(clone.path).stat().st_size == size
        end, ntfs, c = _c(clone.path, tmp)
        assert size - (1 << 20) < end <= size  # C: reaches the disk's end (give or take a MiB)
        assert end - (1 << 20) < (9 << 20) + ntfs <= end  # and NTFS fills C:
        assert filesystems.checksums("ntfs", c) == files
        assert filesystems.fsck("ntfs", c).returncode == 0
        assert sessions.get(image).stage == "software"
    resized = [c for c in storage.volumes.calls() if c["call"] == "resize_master"]
    assert resized == [
        {"call": "resize_master", "vgroup": "vg2", "name": "cs_big_m", "size": 64 << 20},
        {"call": "resize_master", "vgroup": "vg2", "name": "cs_small_m", "size": 30 << 20},
    ]
    page = admin.get("/wimp/session/cs_small/").content.decode()
    assert "cs_small_m resized from 40 MiB to 30 MiB" in page
    assert "C: (NTFS) resized to 21 MiB" in page and "partition 2 shrunk to 21 MiB" in page
    # The source is untouched.
    assert list(_c(source.path, tmp)[:2]) == before


def test_a_smaller_clone_of_a_c_that_is_not_ntfs_is_refused_and_leaves_nothing(site):
    need("sfdisk", "losetup", "partclone.extfs")
    admin, post, run, storage, tmp = site
    storage.volumes.remove("cs_lab_m")
    windows.install(Path(storage.volumes.create_master("cs_lab_m", 40 << 20).path), tmp)
    form = {"client": "heron", "source": "cs_lab", "image": "cs_small", "image_size": "20M"}
    post("/wimp/new/clone/?server=megatron", form)
    run("megatron")
    page = admin.get("/wimp/session/cs_small/").content.decode()
    assert "partition 2 ends at 33 MiB, past 20 MiB, and is not NTFS" in page
    assert "Try again" in page
    assert [v.name for v in storage.volumes.volumes()] == ["cs_lab_m"]
    assert sessions.get("cs_small").stage == "start"


def test_delete_removes_master_entity_row_and_after_a_second_confirmation_the_files(site):
    admin, post, run, storage, tmp = site
    refused = post("/wimp/new/delete/?server=megatron", {"image": "cs_lab"}).content.decode()
    assert "cannot be deleted while clients boot it: finch" in refused
    finch = Entity.objects.get(entity_type__name="client", name="finch")
    entity_services.do_set_values(finch, {"windowsImage": []}, user="tests")
    files = tmp / "pooky/mnt/images/cs"
    files.mkdir(parents=True)
    for name in ("cs_lab", "cs_lab.bootsect", "cs_lab.bootpart", "csi5"):
        (files / name).write_text(name)

    assert post("/wimp/new/delete/?server=megatron", {"image": "cs_lab"}).status_code == 302
    run("megatron")
    assert storage.volumes.volumes() == []
    assert not Entity.objects.filter(entity_type__name="windowsImage", name="cs_lab").exists()
    server = entity_contents(Entity.objects.get(entity_type__name="server", name="megatron"))
    assert server.tables.get("WindowsImageTab", []) == []
    page = admin.get("/wimp/session/cs_lab/").content.decode()
    assert 'data-step="finalize" data-state="current"' in page
    assert "The archived files are still on the master image server" in page
    confirm = admin.get("/wimp/session/cs_lab/archive/").content.decode()
    assert "This cannot be undone" in confirm
    post("/wimp/session/cs_lab/archive/", {"archive": "remove"})
    run("pooky")
    assert sorted(p.name for p in files.iterdir()) == ["csi5"]
    assert sessions.find("cs_lab") is None


def test_local_image_then_restore_on_the_clients_own_agent(site):
    need("losetup", "partclone.extfs")
    admin, post, run, storage, tmp = site
    partition = tmp / "sda1"
    filesystems.make("ext4", partition, 8, {"win.txt": b"Windows XP\n"})
    original = partition.read_bytes()
    with device(partition) as sda1:
        form = {"client": "heron", "image": "xp_lab", "partition": sda1,
                "archive_dir": "/images/local"}  # fmt: skip
        assert post("/wimp/new/local_image/", form).status_code == 302
        post("/wimp/session/xp_lab/done/image_prep/")
        post("/wimp/session/xp_lab/imaging/")
        run("heron")
        assert (tmp / "heron/images/local/xp_lab/manifest.json").is_file()
        assert sessions.find("xp_lab") is None

        filesystems.put("ext4", partition, "win.txt", b"broken by a student\n")
        assert partition.read_bytes() != original
        assert post("/wimp/new/local_restore/", form).status_code == 302
        page = admin.get("/wimp/session/xp_lab/").content.decode()
        assert "Restore the partition" in page
        post("/wimp/session/xp_lab/imaging/")
        run("heron")
    assert partition.read_bytes() == original
    assert sessions.find("xp_lab") is None


def test_xp_wimp_walks_its_ten_steps(site):
    need("losetup", "partclone.extfs")
    admin, post, run, storage, tmp = site
    form = {"client": "heron", "image": "xp_lab", "partition": "/dev/sda1",
            "archive_dir": "/images/local"}  # fmt: skip
    assert post("/wimp/new/xp/", form).status_code == 302
    assert sessions.get("xp_lab").stage == "select_type"
    post("/wimp/session/xp_lab/done/select_type/", {"choice": "create"})
    for step in ("xp_install", "domain_setup", "labnet_setup", "software", "image_prep"):
        assert sessions.get("xp_lab").stage == step
        post(f"/wimp/session/xp_lab/done/{step}/")
    page = admin.get("/wimp/session/xp_lab/").content.decode()
    assert 'data-step="imaging" data-state="current"' in page and "Image the partition" in page
    partition = tmp / "sda1"
    filesystems.make("ext4", partition, 8, {"win.txt": b"Windows XP\n"})
    with device(partition) as sda1:
        sessions.do_set(sessions.get("xp_lab"), {"partition": sda1}, user="tests")
        post("/wimp/session/xp_lab/imaging/")
        run("heron")
    assert sessions.get("xp_lab").stage == "testing"
    post("/wimp/session/xp_lab/done/testing/")
    post("/wimp/session/xp_lab/done/finalize/")
    assert sessions.find("xp_lab") is None


def test_xp_select_type_deletes_the_image_on_the_4th_partition(site):
    admin, post, run, storage, tmp = site
    local = tmp / "heron/images/local"
    for image in ("xp_lab", "xp_other"):
        (local / image).mkdir(parents=True)
        (local / image / "manifest.json").write_text("{}")
    form = {"client": "heron", "image": "xp_lab", "partition": "/dev/sda1",
            "archive_dir": "/images/local"}  # fmt: skip
    assert "Delete a Local Disk Image" not in admin.get("/wimp/").content.decode()
    assert admin.get("/wimp/new/local_delete/").status_code == 404  # Select Type's, only

    for attempt in ("there", "gone"):
        post("/wimp/new/xp/", form)
        page = admin.get("/wimp/session/xp_lab/").content.decode()
        assert "Delete an image (from the 4th partition)" in page
        post("/wimp/session/xp_lab/done/select_type/", {"choice": "delete"})
        session = sessions.get("xp_lab")
        assert (session.mode, session.stage) == ("local_delete", "delete")
        page = admin.get("/wimp/session/xp_lab/").content.decode()
        assert 'data-step="delete" data-state="current"' in page
        assert "This cannot be undone" in page and "Delete the image</button>" in page
        post("/wimp/session/xp_lab/imaging/")
        run("heron")
        page = admin.get("/wimp/session/xp_lab/").content.decode()
        if attempt == "there":
            assert sorted(p.name for p in local.iterdir()) == ["xp_other"]
            assert sessions.find("xp_lab") is None
            assert "deleted from heron:/images/local: xp_lab" in page
        else:  # nothing left to delete: said, and the session waits at its step
            assert "heron has no image xp_lab in /images/local" in page and "Try again" in page
            assert sessions.get("xp_lab").stage == "delete"
    assert sorted(p.name for p in local.iterdir()) == ["xp_other"]


def test_the_clients_agent_deletes_nothing_outside_the_image_directory(tmp_path):
    outside = tmp_path / "xp_lab"  # heron's root is tmp_path/heron: this is outside it
    outside.mkdir()
    (outside / "manifest.json").write_text("{}")
    said: list[dict] = []

    class Reports:
        def post(self, path: str, body: dict) -> None:
            said.append(body)

    tasks = WimpTasks("heron", tmp_path / "etc", tmp_path / "heron", Reports())
    tasks.local_delete(1, "xp_lab", "/images/../..")
    assert (said[-1]["state"], said[-1]["message"]) == (
        "failed",
        "image directory: path '/images/../..' leaves the root",
    )
    assert (outside / "manifest.json").is_file()
