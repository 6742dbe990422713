"""Retrieve Backup Files: a user's own home in every date; browse, download, restore, every
version; and every way of reaching past it refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from backups.host.mangle import mangle
from backups.trees import parts_of
from testing.clients import signed_in

from .restores import DATES, FS1, backups_on_disk

pytestmark = pytest.mark.django_db
NEWEST = DATES[-1]


@pytest.fixture
def live(tmp_path, settings):
    return backups_on_disk(tmp_path, settings)


@pytest.fixture
def alice(live):
    return signed_in("viewer", "alice")


def browse(client, path="", date=NEWEST, **query):
    return client.get(f"/backups/retrieve/{date}/", {"path": path, **query})


def restore(client, path, new_name, date=NEWEST, **form):
    return client.post(
        f"/backups/retrieve/{date}/restore/", {"path": path, "new_name": new_name, **form}
    )


def test_a_user_sees_the_dates_of_their_home_and_browses_it(alice):
    page = alice.get("/backups/retrieve/").content.decode()
    assert all(date in page for date in DATES)
    assert f"carme:{FS1}/alice" in page
    listing = browse(alice).content.decode()
    assert "thesis/" in listing and "notes.txt" in listing and "secret.txt" not in listing
    assert "version 3" not in listing
    assert "1 byte" not in browse(alice, "thesis/thesis.tex").content.decode()


def test_a_user_downloads_a_file_and_a_folder_as_zip(alice):
    answer = alice.get(f"/backups/retrieve/{DATES[0]}/download/", {"path": "thesis/thesis.tex"})
    assert b"".join(answer.streaming_content) == b"version 1\n"
    assert 'filename="thesis.tex"' in answer["Content-Disposition"]
    answer = alice.get(f"/backups/retrieve/{NEWEST}/download/", {"path": "thesis"})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)))
    assert archive.namelist() == ["thesis/thesis.tex"]
    assert archive.read("thesis/thesis.tex") == b"version 3\n"
    whole = alice.get(f"/backups/retrieve/{NEWEST}/download/", {"path": ""})
    names = zipfile.ZipFile(io.BytesIO(b"".join(whole.streaming_content))).namelist()
    assert sorted(names) == [f"backup-{NEWEST}/notes.txt", f"backup-{NEWEST}/thesis/thesis.tex"]


def test_a_folder_over_the_zip_limit_is_refused_with_the_sizes(alice, settings):
    settings.LABNET_BACKUP_ZIP_MAX_BYTES = 5
    answer = alice.get(f"/backups/retrieve/{NEWEST}/download/", {"path": "thesis"})
    assert answer.status_code == 400
    assert "more than the 5 bytes a zip may" in answer.content.decode()


def test_a_folder_of_more_files_than_a_zip_may_hold_is_refused(alice, settings):
    settings.LABNET_BACKUP_ZIP_MAX_FILES = 1
    answer = alice.get(f"/backups/retrieve/{NEWEST}/download/", {"path": ""})
    assert answer.status_code == 400
    assert "more than the 1 files a zip may" in answer.content.decode()
    one = alice.get(f"/backups/retrieve/{NEWEST}/download/", {"path": "thesis"})
    assert one.status_code == 200


def test_a_user_restores_under_a_new_name_and_never_over_a_file_unasked(alice, live):
    answer = restore(alice, "notes.txt", "notes.old")
    assert answer.status_code == 302
    assert (live / "alice/notes.old").read_text() == "notes\n"
    assert "Restored notes.txt" in alice.get(answer.url).content.decode()

    answer = restore(alice, "notes.txt", "notes.txt")
    assert "exists in your home" in alice.get(answer.url).content.decode()
    assert (live / "alice/notes.txt").read_text() == "today's notes\n"
    restore(alice, "notes.txt", "notes.txt", replace="on")
    assert (live / "alice/notes.txt").read_text() == "notes\n"

    restore(alice, "thesis", "thesis-june")
    assert (live / "alice/thesis-june/thesis.tex").read_text() == "version 3\n"
    assert (
        "exists in your home"
        in alice.get(restore(alice, "thesis", "thesis-june").url).content.decode()
    )


def test_every_version_of_a_path_marks_where_it_changed(alice):
    page = alice.get("/backups/retrieve/find/", {"path": "thesis/thesis.tex"}).content.decode()
    rows = page.split("<tbody>")[1].split("</tr>")
    assert [d in r for d, r in zip(DATES[::-1], rows, strict=False)] == [True] * 3
    assert ["changed" in r for r in rows[:3]] == [True, False, True]


@pytest.mark.parametrize(
    "path",
    [
        "../bob/secret.txt",
        "thesis/../../bob",
        "/etc/passwd",
        f"/{FS1}/bob",
        "passwd",  # a symlink in the backup to /etc/passwd
        "bobs",  # a symlink to bob's file in the same backup
        "notes.txt\n",
        "notes\0.txt",
        "\ufffd",  # Django's reading of bytes that were not UTF-8
        "a" * 300,
    ],
)
def test_a_path_leading_out_of_the_users_home_is_refused(alice, live, path):
    for url in (f"/backups/retrieve/{NEWEST}/", f"/backups/retrieve/{NEWEST}/download/"):
        answer = alice.get(url, {"path": path})
        assert answer.status_code == 400, (url, path)
    assert alice.get("/backups/retrieve/find/", {"path": path}).status_code == 400
    restore(alice, path, "stolen")
    if path not in ("passwd", "bobs"):  # plain names in the live home, where no link is
        restore(alice, "notes.txt", path)
    assert sorted(p.name for p in (live / "alice").iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in (live / "bob").iterdir()) == []


def test_bytes_that_are_not_utf8_in_the_url_are_refused(alice):
    answer = alice.get(f"/backups/retrieve/{NEWEST}/?path=caf%C3")
    assert answer.status_code == 400


@pytest.mark.parametrize("text", ["caf\udcc3", "a/./b", "a//../b"])
def test_a_name_read_from_bytes_that_are_not_utf8_or_not_plain_is_refused(text):
    with pytest.raises(ValidationError):
        parts_of(text)


def test_a_link_inside_the_home_is_followed(alice):
    assert browse(alice, "my-notes").status_code == 200


def test_a_second_user_is_refused_the_first_users_tree(live):
    bob = signed_in("viewer", "bob")
    assert "secret.txt" in browse(bob).content.decode()
    assert "thesis" not in browse(bob).content.decode()
    tree = mangle("carme", FS1)
    assert bob.get("/backups/retrieve/", {"tree": tree}).status_code == 403
    assert browse(bob, "alice", tree=tree).status_code == 403
    assert bob.get(f"/backups/retrieve/{NEWEST}/download/", {"path": "../alice"}).status_code == 400


def test_an_administrator_opens_any_backed_up_directory(live):
    admin = signed_in("admin")
    choose = admin.get("/backups/retrieve/").content.decode()
    tree = mangle("carme", FS1)
    assert f"?tree={tree}" in choose
    page = browse(admin, "bob", tree=tree).content.decode()
    assert "secret.txt" in page and "Restore into your home" not in page


def test_a_user_without_a_home_or_a_date_that_is_not_a_backup(live):
    assert signed_in("viewer", "carol").get("/backups/retrieve/").status_code == 404
    alice = signed_in("viewer", "alice")
    assert browse(alice, date="2013-06-10").status_code == 400
    assert browse(alice, date="..").status_code in (400, 404)
