"""With the Labnet directory configured, "which backups are mine" is the account's home in
the directory (labnetHomeServer, homeDirectory), read from a real slapd, not the
LABNET_BACKUP_HOMES setting."""

from __future__ import annotations

import pytest

from backups.homes import Home, home_of
from testing.clients import signed_in
from testing.directory import labnet_directory, make_account  # noqa: F401 (a fixture)
from testing.live import free_port

from .restores import DATES, FS1, backups_on_disk


@pytest.fixture
def directory_homes(tmp_path, settings, labnet_directory):  # noqa: F811 (the fixture)
    backups_on_disk(tmp_path, settings)
    settings.LABNET_BACKUP_HOMES = "alice=carme:/somewhere/else"  # not read with a directory
    settings.LABNET_LDAP_HOME_ROOT = FS1
    make_account("alice", home_server="carme")
    make_account("bob")  # no home server
    return settings


def test_a_users_backups_are_those_of_the_home_the_directory_gives(directory_homes):
    assert home_of("alice") == Home("carme", f"{FS1}/alice")
    alice = signed_in("viewer", "alice")
    page = alice.get("/backups/retrieve/").content.decode()
    assert f"carme:{FS1}/alice" in page and all(date in page for date in DATES)
    listing = alice.get(f"/backups/retrieve/{DATES[-1]}/").content
    assert b"thesis/" in listing and b"secret.txt" not in listing


def test_an_account_without_a_home_server_or_no_account_has_no_backups(directory_homes):
    assert home_of("bob") is None and home_of("carol") is None and home_of("*") is None
    answer = signed_in("viewer", "bob").get("/backups/retrieve/")
    assert answer.status_code == 404


def test_a_directory_that_does_not_answer_is_said(directory_homes):
    directory_homes.LABNET_LDAP_URL = f"ldap://127.0.0.1:{free_port()}/"
    answer = signed_in("viewer", "alice").get("/backups/retrieve/")
    assert answer.status_code == 404
    assert b"cannot be looked up now: the Labnet directory could not be asked" in answer.content
