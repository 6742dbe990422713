"""The File webtool in headless chromium against a live server (guide 2.5): editing an
instance in the browser, previewing it for a host, committing it, reading its history."""

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


MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>\n"


def test_the_file_editor_guides_a_user_through_preview_history_and_a_refused_commit(page, store):
    hosts.host("server", "odie", room="EN1018", dept="cs", site="mun")
    hosts.host("server", "nermal", room="EN2000", dept="math", site="mun")
    hosts.managed_file(
        "motd",
        "/etc/motd",
        {"default_server": (MOTD, True), "nermal@host_server": ("hello nermal\n", False)},
    )
    sign_in(page, "admin")
    page.goto("/files/motd/")
    assert page.inner_text(".crumbs") == "Config Files › motd"
    page.click("tr:has-text('default_server') a:has-text('history')")
    page.wait_for_url("**/files/motd/default_server/history/")
    assert page.locator("textarea").count() == 0
    assert "motd default_server" in page.inner_text("table.data")
    assert page.inner_text(".crumbs") == "Config Files › motd › default_server › History"

    page.goto("/files/motd/default_server/")
    assert page.inner_text(".crumbs") == "Config Files › motd › default_server"
    page.fill("input[name=preview_host]", "odie")
    page.click("button:has-text('Preview')")
    assert "welcome to EN1018." in page.inner_text("pre.preview")
    assert page.locator(".warn-box").count() == 0
    page.fill("input[name=preview_host]", "nermal")
    page.click("button:has-text('Preview')")
    assert "welcome to EN2000." in page.inner_text("pre.preview")
    warning = page.inner_text(".warn-box")
    assert "nermal does not get default_server" in warning and "nermal@host_server" in warning
    shot(page, "file-2-preview-for-a-host-getting-another-instance")

    content = page.locator("textarea[name=content]")
    content.fill(content.input_value().replace("welcome", "hello"))
    page.click("button:has-text('Update Config')")
    error = page.locator(".form-row.has-error .field-error")
    assert error.inner_text() == "A log message is required."
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(192, 57, 43)"
    # The preview stays, of what was sent.
    assert "hello to EN2000." in page.inner_text("pre.preview")
    assert "hello to" in page.locator("textarea[name=content]").input_value()
    shot(page, "file-3-refused-commit-keeps-the-preview")

    page.fill("textarea[name=message]", "hello")
    page.click("button:has-text('Update Config')")
    page.wait_for_selector(".message.success")
    page.locator("a:has-text('diff')").first.click()
    commit = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.inner_text(".crumbs") == f"Config Files › motd › default_server › {commit[:10]}"
    removed, added = page.locator("pre.diff .del"), page.locator("pre.diff .add")
    assert removed.inner_text() == "-welcome to <varVal>room</varVal>."
    assert added.inner_text() == "+hello to <varVal>room</varVal>."
    colours = {e.evaluate("e => getComputedStyle(e).backgroundColor") for e in (removed, added)}
    assert len(colours) == 2 and "rgba(0, 0, 0, 0)" not in colours
    shot(page, "file-4-coloured-diff")
