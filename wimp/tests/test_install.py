"""New Managed Install from the first page to the verified archive, in one process: the
administrator's pages, the appserver's host side (its tasks run as the agent runs them, on
the mirror exported from the database, reporting through megatron's token) over the
recording backend standing in for lvm2/LIO, and the real makeimage, restoreimage, losetup
and rsync. The broker is a list of the tasks sent (the live-agent test is
test_agent_e2e.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from entities.exporting import export_mirror
from entities.models import Entity
from entities.reading import entity_contents
from testing.clients import signed_in
from wimp.choices import INSTALL
from wimp.host.tasks import WimpTasks
from wimp.models import AgentTask

from . import recording, windows
from .conftest import Agent

pytestmark = pytest.mark.usefixtures("guide_campus")
TARGET = "iqn.1989-06.edu.example.cs.megatron:cs-lab2"
BUNTING = "iqn.1989-06.edu.example.cs.bunting:system-disk"


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (scripts/setup installs them)")


def run_sent(broker, host_tasks: WimpTasks, etc: Path, commit) -> None:
    """The agent takes the last task sent: on the mirror as the database has it now."""
    export_mirror(etc)
    name, kwargs, queue = broker[-1]
    assert queue == f"host.{host_tasks.host}"
    with commit(execute=True):
        host_tasks.tasks()[name](**kwargs)


def test_new_managed_install_to_the_verified_archive(
    broker, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    need("losetup", "sfdisk", "rsync", "partclone.fat", "partclone.extfs")
    commit = django_capture_on_commit_callbacks
    admin = signed_in("admin", "wimpadmin")
    storage = recording.storage("vg2", tmp_path / "vg2")
    etc, root, peers = tmp_path / "etc", tmp_path / "root", tmp_path / "peers"
    megatron = WimpTasks("megatron", etc, root, Agent("megatron"), lambda vgroup: storage)
    monkeypatch.setenv("LABNET_PEER_ROOTS", str(peers))

    choose = admin.get("/wimp/new/new/?server=megatron").content.decode()
    assert "bunting (intel_hd)" in choose and "heron (intel_hd)" in choose
    form = {"client": "bunting", "image": "cs_lab2", "image_size": "40M", "cow_size": "8M"}
    with commit(execute=True):
        started = admin.post("/wimp/new/new/?server=megatron", form)
    assert started.status_code == 302 and started["Location"] == "/wimp/session/cs_lab2/"

    run_sent(broker, megatron, etc, commit)
    calls = storage.volumes.calls()
    assert [c["call"] for c in calls] == ["create_master", "export"]
    assert (calls[0]["name"], calls[0]["size"], calls[0]["vgroup"]) == (
        "cs_lab2_m",
        40 << 20,
        "vg2",
    )
    assert (calls[1]["iqn"], calls[1]["initiator"], calls[1]["chap"]) == (TARGET, BUNTING, True)

    # Another browser, another administrator: the session is where it was left.
    page = signed_in("admin").get("/wimp/session/cs_lab2/").content.decode()
    assert 'data-step="windows_install" data-state="current"' in page
    assert "cs_lab2_m 40.0\xa0MB" in page and f"{TARGET} -> " in page and f"ACL {BUNTING}" in page
    assert "no client can boot a COW disk of cs_lab2" in page
    for step in INSTALL:
        assert admin.post(f"/wimp/session/cs_lab2/done/{step}/").status_code == 302
    page = admin.get("/wimp/session/cs_lab2/").content.decode()
    assert 'data-step="imaging" data-state="current"' in page

    windows.install(Path(storage.volumes.volumes()[0].path), tmp_path)
    with commit(execute=True):
        admin.post("/wimp/session/cs_lab2/imaging/")
    name, kwargs, _ = broker[-1]
    assert (name, kwargs["master_host"], kwargs["master_dir"]) == (
        "wimp.capture", "pooky", "/mnt/images/cs"
    )  # fmt: skip
    run_sent(broker, megatron, etc, commit)

    task = AgentTask.objects.get(kind="capture")
    assert task.state == "done", task.message
    archive, copy = root / "images/cs", peers / "pooky/mnt/images/cs"
    for name in ("cs_lab2.bootsect", "cs_lab2.bootpart/manifest.json", "cs_lab2/manifest.json"):
        assert (archive / name).read_bytes() == (copy / name).read_bytes()
    assert (archive / "cs_lab2.bootsect").stat().st_size == windows.BOOT[0]
    assert storage.targets.targets() == []  # the client's target went before the capture
    server = entity_contents(Entity.objects.get(entity_type__name="server", name="megatron"))
    row = server.tables["WindowsImageTab"][-1]
    assert row["wi_image"] == "cs_lab2" and row["TimeStamp"] == task.detail["timestamp"]
    finished = admin.get("/wimp/session/cs_lab2/").content.decode()
    assert "cs_lab2: session finished" in finished and "archive verified" in finished
    assert "cs_lab2" not in admin.get("/wimp/").content.decode()
