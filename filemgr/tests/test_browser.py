"""The File webtool in headless chromium against a live server (guide 2.5): editing an
instance in the browser, committing it, reading its history."""

import pytest

from filemgr.store import MasterStore
from testing import hosts
from testing.browser import shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ACCESS = "+ : root wheel : LOCAL\n+ : pbonnah : ALL\n- : ALL : ALL\n"


@pytest.fixture
def store(settings, tmp_path):
    settings.LABNET_MASTER_STORE = tmp_path / "master"
    return MasterStore()


def edit_and_commit(page, url: str, old: str, new: str, message: str) -> None:
    page.goto(url)
    content = page.locator("textarea[name=content]")
    content.fill(content.input_value().replace(old, new))
    page.fill("textarea[name=message]", message)
    page.click("button:has-text('Update Config')")
    page.wait_for_selector(".message.success")


def test_a_one_line_edit_keeps_the_files_line_endings_and_diffs_as_one_line(page, store):
    hosts.managed_file(
        "access.conf",
        "/etc/security/access.conf",
        {
            "mun@site_server": (ACCESS, False),
            "dos@site_server": (ACCESS.replace("\n", "\r\n"), False),
        },
    )
    sign_in(page, "admin")
    edit_and_commit(page, "/files/access.conf/mun@site_server/", "pbonnah", "jsmith", "jsmith in")
    assert (
        store.read("access.conf", "mun@site_server") == ACCESS.replace("pbonnah", "jsmith").encode()
    )
    page.locator("a:has-text('diff')").first.click()
    diff = page.inner_text("pre.diff")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == ["-+ : pbonnah : ALL", "++ : jsmith : ALL"]
    shot(page, "file-1-one-line-diff")

    edit_and_commit(page, "/files/access.conf/dos@site_server/", "pbonnah", "jsmith", "on dos")
    stored = store.read("access.conf", "dos@site_server")
    assert stored == ACCESS.replace("pbonnah", "jsmith").replace("\n", "\r\n").encode()
