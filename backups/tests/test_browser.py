"""In headless chromium: alice browses her home's backups in Retrieve Backup Files,
downloads a file and restores it, and bob is refused alice's tree; an editor backs up a
directory now and its run page follows the backup server's reports."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backups.host.backupnow import BACK_UP_NOW_TASK
from backups.host.mangle import mangle
from labnet_site.celery import app
from testing import factories, hosts
from testing.browser import PASSWORD, shot, sign_in
from workers.services import do_make_host_token

from .campus import row
from .restores import DATES, FS1, backups_on_disk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in_as(page, name: str) -> None:
    factories.user("viewer", name)
    page.goto("/accounts/login/?next=/backups/retrieve/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/backups/retrieve/")


def test_a_user_browses_downloads_and_restores_and_another_is_refused(page, tmp_path, settings):
    live = backups_on_disk(tmp_path, settings)
    sign_in_as(page, "alice")
    page.click(f"text={DATES[-1]}")
    page.click("text=thesis/")
    page.click("text=thesis.tex")
    with page.expect_download() as download:
        page.click("a.button:has-text('Download')")
    assert download.value.path().read_text() == "version 3\n"
    page.fill("input[name=new_name]", "thesis.tex.june9")
    page.click("button:has-text('Restore')")
    assert page.locator(".message.success").inner_text().startswith("Restored thesis/thesis.tex")
    assert (live / "alice/thesis.tex.june9").read_text() == "version 3\n"
    shot(page, "backups-restore")

    page.click("button:has-text('Sign out')")
    sign_in_as(page, "bob")
    assert f"carme:{FS1}/bob" in page.content()
    answer = page.goto(f"/backups/retrieve/{DATES[-1]}/?path=../alice/thesis")
    assert answer.status == 400 and "has a '.' or '..' segment" in page.content()
    answer = page.goto(f"/backups/retrieve/{DATES[-1]}/?tree={mangle('carme', FS1)}&path=alice")
    assert answer.status == 403


def test_an_editor_backs_up_now_and_the_run_page_follows_without_a_reload(page, monkeypatch):
    sent = []
    monkeypatch.setattr(
        app,
        "send_task",
        lambda name, kwargs=None, **_: name == BACK_UP_NOW_TASK and sent.append(kwargs),
    )
    hosts.host("server", "bumper")
    hosts.host("server", "carme", tables={"BackupTable": [row("/users/fs1"), row("/var")]})
    sign_in(page, "editor")
    page.goto("/backups/server/carme/")
    shot(page, "backups-server")
    page.click("form:has(input[value='/var']) button:has-text('back up now')")
    page.wait_for_url("**/backups/now/*/")
    assert "Under way: 0 of 1 directory done." in page.content()
    [kwargs] = sent
    [step] = kwargs["steps"]
    bumper = APIClient()
    bumper.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('bumper')}")
    url = f"/api/v1/backups/bumper/steps/{step['step']}/"
    line = "1,234,567 bytes, 12 files copied, 12 of 100 checked (45 %, 10.00MB/s, 0:00:01)"
    body = {"state": "running", "message": "carme:/var: rsync to bumper", "progress": line}
    assert bumper.post(url, body, format="json").status_code == 200
    page.locator(f"text={line}").wait_for(timeout=10_000)  # htmx reloaded the body
    shot(page, "backups-now-running")
    done = {"state": "done", "message": "carme:/var: done, 100 files, 2000000 bytes in 3.0 s"}
    assert bumper.post(url, done, format="json").status_code == 200
    page.locator("text=Finished at").wait_for(timeout=10_000)
    assert page.locator("[data-state=done]").count() == 1
