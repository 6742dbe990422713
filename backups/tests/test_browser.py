"""Retrieve Backup Files in headless chromium: alice browses her home's backups, downloads
a file and restores it; bob is refused alice's tree."""

from __future__ import annotations

import pytest

from backups.host.mangle import mangle
from testing import factories
from testing.browser import PASSWORD, shot

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
