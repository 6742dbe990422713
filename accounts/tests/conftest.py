"""A fresh Labnet directory (a real slapd, testing.slapd) for each test that asks for one,
with the tree made by accounts.directory.initialise and the settings pointing at it."""

import pytest

from accounts.directory import initialise
from testing import slapd


@pytest.fixture
def directory(db, tmp_path, settings):
    if not slapd.available():
        pytest.skip("slapd is not installed (scripts/setup installs it)")
    with slapd.running_slapd(tmp_path / "labnet") as server:
        initialise(server.url, server.root_dn, server.root_pw, server.base, slapd.WEBTOOL_PW)
        settings.LABNET_LDAP_URL = server.url
        settings.LABNET_LDAP_BASE = server.base
        settings.LABNET_LDAP_BIND_DN = ""
        settings.LABNET_LDAP_BIND_PASSWORD = slapd.WEBTOOL_PW
        yield server


@pytest.fixture
def campus(tmp_path, settings):
    if not slapd.available():
        pytest.skip("slapd is not installed (scripts/setup installs it)")
    with slapd.running_slapd(tmp_path / "campus", kind="campus") as server:
        settings.LABNET_CAMPUS_LDAP_URL = server.url
        settings.LABNET_CAMPUS_LDAP_BASE = f"ou=people,{server.base}"
        settings.LABNET_CAMPUS_LDAP_BIND_DN = server.root_dn
        settings.LABNET_CAMPUS_LDAP_BIND_PASSWORD = server.root_pw
        yield server
