"""A fresh Labnet directory (a real slapd with ldapinit's tree) for tests outside accounts,
with the settings pointing at it, and accounts made through accounts.services.

    from testing.directory import labnet_directory  # noqa: F401 (a fixture)
    def test_x(labnet_directory): make_account("alice", home_server="carme")"""

from __future__ import annotations

import pytest

from accounts import services
from accounts.directory import initialise
from testing import slapd

PASSWORD = "correct horse battery"


@pytest.fixture
def labnet_directory(db, tmp_path, settings):
    if not slapd.available():
        pytest.skip("slapd is not installed (scripts/setup installs it)")
    with slapd.running_slapd(tmp_path / "labnet") as server:
        initialise(server.url, server.root_dn, server.root_pw, server.base, slapd.WEBTOOL_PW)
        settings.LABNET_LDAP_URL = server.url
        settings.LABNET_LDAP_BASE = server.base
        settings.LABNET_LDAP_BIND_DN = ""
        settings.LABNET_LDAP_BIND_PASSWORD = slapd.WEBTOOL_PW
        yield server


def make_account(uid: str, **fields: object) -> None:
    """An account made by an administrator in the webtool's service."""
    fields = {"sn": uid.title(), "given_name": uid.title(), "password": PASSWORD} | fields
    services.do_create_account("admin", uid=uid, **fields)
