"""Update, Clone and Delete Managed Image, and the local disk modes, end to end with real
parts as test_agent_e2e.py has them: headless chromium against a live server, Redis, a real
central worker, and the agents of the hosts doing the work as real processes (megatron's
storage calls go to the recording backend standing in for lvm2/LIO; sfdisk, ntfsresize,
losetup, makeimage and restoreimage are real). One browser walks several modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from entities.models import Entity
from imaging.tests import filesystems
from testing.browser import PASSWORD, sign_in
from testing.factories import user

from . import recording, windows
from .test_agent_e2e import calls, live_campus
from .test_install import need
from .test_modes import device

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
WAIT = 90_000  # ms: an agent's report reaching the page


def start(page, mode: str, **fields: str) -> None:
    """A managed mode's form on megatron, filled and sent."""
    page.goto(f"/wimp/new/{mode}/?server=megatron")
    for name, value in fields.items():
        selector = f"[name={name}]"
        if page.get_attribute(selector, "type") is None:  # a <select>
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("text=Start the session")


def test_update_clone_and_delete_in_a_browser_with_the_agents(
    transactional_db, live_server, tmp_path, monkeypatch, page, browser
):
    need("losetup", "sfdisk", "ntfsresize", "mkfs.ntfs", "ntfs-3g")
    # cs_lab's master on megatron: Windows installed, C: NTFS from 9 to 33 MiB.
    master = recording.storage("vg2", tmp_path / "vg2").volumes.create_master("cs_lab_m", 40 << 20)
    windows.install(Path(master.path), tmp_path, system="ntfs")
    archive = tmp_path / "pooky/root/mnt/images/cs"  # the master image server's copy
    archive.mkdir(parents=True)
    for name in ("cs_lab", "cs_lab4", "cs_lab4.bootsect", "cs_lab4.bootpart"):
        (archive / name).write_text(name)
    with live_campus(live_server.url, tmp_path, monkeypatch, "megatron", "pooky"):
        admin = sign_in(page, "admin")

        # Update: refused while finch boots cs_lab, with finch and the way to move it.
        start(page, "update", client="bunting", image="cs_lab")
        refusal = page.text_content("[data-testid=refusal]")
        assert "image cs_lab cannot be updated while clients boot it: finch" in refusal
        page.click("text=Move them with Batch Edit")
        page.wait_for_selector("a:text-is('finch')")
        assert "/search/client/" in page.url

        # Clone at another size: megatron's agent copies and grows the master and C:.
        start(page, "clone", client="heron", source="cs_lab", image="cs_lab4", image_size="48M")
        page.wait_for_url("**/wimp/session/cs_lab4/")
        page.wait_for_selector("[data-step=software][data-state=current]", timeout=WAIT)
        assert "cs_lab4_m 48.0\xa0MB" in page.text_content("[data-testid=lvs]")
        lines = page.text_content("[data-testid=lines]")
        assert "cs_lab4_m resized from 40 MiB to 48 MiB" in lines
        assert "partition 2 grown to 39 MiB" in lines and "C: (NTFS) resized to 39 MiB" in lines

        # A second administrator, in another browser: resumes the clone where it is, and is
        # refused a second session of the image (a delete of it).
        other = browser.new_context(base_url=live_server.url).new_page()
        second = user("admin", "second")
        other.goto("/accounts/login/?next=/wimp/")
        other.fill("input[name=username]", second.username)
        other.fill("input[name=password]", PASSWORD)
        other.click("button[type=submit]")
        other.click("[data-session=cs_lab4] a")
        assert other.get_attribute("[data-step=software]", "data-state") == "current"
        start(other, "delete", image="cs_lab4")
        assert f"image cs_lab4 already has a WIMP session, started by {admin}" in other.content()
        other.context.close()

        # The clone's session is abandoned (after its confirmation); the image stays.
        page.click("text=Abandon this session")
        page.click("button:text-is('Abandon')")
        page.wait_for_selector("text=The session of cs_lab4 was abandoned.")

        # Delete: refused while finch boots cs_lab; cs_lab4 goes, then, after the second
        # confirmation, its archived files on pooky (pooky's agent).
        start(page, "delete", image="cs_lab")
        assert "image cs_lab cannot be deleted while clients boot it: finch" in page.text_content(
            "[data-testid=refusal]"
        )
        start(page, "delete", image="cs_lab4")
        page.wait_for_selector("[data-step=finalize][data-state=current]", timeout=WAIT)
        assert "The archived files are still on the master image server" in page.content()
        page.click("text=Delete or keep the archived files")
        assert "This cannot be undone" in page.content()
        page.click("button:text-is('Delete the archived files')")
        page.wait_for_selector("text=cs_lab4: session finished", timeout=WAIT)
        removed = "removed from pooky:/mnt/images/cs: cs_lab4.bootsect, cs_lab4.bootpart, cs_lab4"
        assert removed in page.content()
        assert sorted(p.name for p in archive.iterdir()) == ["cs_lab"]
        assert not Entity.objects.filter(entity_type__name="windowsImage", name="cs_lab4").exists()
    done = [(c["call"], c.get("name") or c.get("iqn")) for c in calls(tmp_path)][1:]
    assert done == [
        ("create_master", "cs_lab4_m"),
        ("resize_master", "cs_lab4_m"),
        ("export", "iqn.1989-06.edu.example.cs.megatron:cs-lab4"),
        ("remove_target", "iqn.1989-06.edu.example.cs.megatron:cs-lab4"),
        ("remove_volume", "cs_lab4_m"),
    ]
    assert page.console_errors == []


def test_local_image_restore_and_xp_delete_in_a_browser_with_the_clients_agent(
    transactional_db, live_server, tmp_path, monkeypatch, page
):
    need("losetup", "partclone.extfs")
    partition = tmp_path / "sda1"
    filesystems.make("ext4", partition, 8, {"win.txt": b"Windows XP\n"})
    original = partition.read_bytes()
    with live_campus(live_server.url, tmp_path, monkeypatch, "heron") as (heron,):
        sign_in(page, "admin")
        with device(partition) as sda1:
            page.goto("/wimp/")
            page.click("text=Image a Local Disk Partition")
            page.fill("[name=client]", "heron")
            page.fill("[name=image]", "xp_lab")
            page.fill("[name=partition]", sda1)
            page.click("text=Start the session")
            page.click("text=Ready to Image")
            page.click("text=Image the partition")
            page.wait_for_selector("text=xp_lab: session finished", timeout=WAIT)
            assert (heron / "images/local/xp_lab/manifest.json").is_file()

            filesystems.put("ext4", partition, "win.txt", b"broken by a student\n")
            page.goto("/wimp/")
            page.click("text=Retrieve/Restore a Local Disk Image")
            page.fill("[name=client]", "heron")
            page.fill("[name=image]", "xp_lab")
            page.fill("[name=partition]", sda1)
            page.click("text=Start the session")
            page.click("text=Restore the partition")
            page.wait_for_selector("text=xp_lab: session finished", timeout=WAIT)
        assert partition.read_bytes() == original

        # XP WIMP, Select Type's third task: the image deleted from the 4th partition.
        page.goto("/wimp/new/xp/")
        page.fill("[name=client]", "heron")
        page.fill("[name=image]", "xp_lab")
        page.click("text=Start the session")
        page.select_option("select[name=choice]", "delete")
        page.click("button:text-is('Select')")
        page.click("button:text-is('Delete the image')")
        page.wait_for_selector("text=xp_lab: session finished", timeout=WAIT)
        assert "deleted from heron:/images/local: xp_lab" in page.content()
        assert not (heron / "images/local/xp_lab").exists()
    assert page.console_errors == []
