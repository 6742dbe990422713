"""A syncrepl replica (a third slapd, refreshAndPersist) serves what the master holds, and
`manage.py ldapinit` makes a new directory's tree."""

import os
import time

import ldap
import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.directory import Directory
from testing import slapd
from testing.live import wait_for


def test_a_new_account_reaches_the_replica_within_a_second(directory, tmp_path):
    with slapd.running_slapd(tmp_path / "replica", kind="replica", provider=directory) as replica:

        def there(dn):
            # Until the first refresh has brought the entry, the replica has no such object.
            try:
                return replica.connect().search_s(dn, ldap.SCOPE_BASE)
            except ldap.NO_SUCH_OBJECT:
                return None

        wait_for(lambda: there(f"ou=people,{replica.base}"), 10, "the replica's first refresh")
        started = time.monotonic()
        services.do_create_account("tests", uid="alice", sn="L", password="correct horse battery")
        dn = f"uid=alice,ou=people,{replica.base}"
        wait_for(lambda: there(dn), timeout=5, what="alice on the replica")
        assert time.monotonic() - started < 1.0
        # Authentication against the replica: the argon2 hash came along.
        Directory(replica.url, replica.base, dn, "correct horse battery").connect().unbind_s()


def test_ldapinit_makes_the_tree(db, tmp_path, settings, monkeypatch, capsys):
    if not slapd.available():
        pytest.skip("slapd is not installed (scripts/setup installs it)")
    with slapd.running_slapd(tmp_path / "new") as server:
        settings.LABNET_LDAP_URL = server.url
        settings.LABNET_LDAP_BASE = server.base
        settings.LABNET_LDAP_BIND_PASSWORD = slapd.WEBTOOL_PW
        monkeypatch.delenv("LABNET_LDAP_ROOT_PASSWORD", raising=False)
        with pytest.raises(CommandError, match="LABNET_LDAP_ROOT_PASSWORD"):
            call_command("ldapinit")
        monkeypatch.setenv("LABNET_LDAP_ROOT_PASSWORD", "wrong")
        with pytest.raises(CommandError, match="Invalid credentials"):
            call_command("ldapinit")
        monkeypatch.setenv("LABNET_LDAP_ROOT_PASSWORD", server.root_pw)
        call_command("ldapinit")
        assert "12 entries added" in capsys.readouterr().out
        assert "labnet-admins" in services.group_names()
        assert os.environ["LABNET_LDAP_ROOT_PASSWORD"] not in capsys.readouterr().out
