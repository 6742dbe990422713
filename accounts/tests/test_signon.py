"""Signing in to the web tools with a directory account (django-auth-ldap)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts import services
from testing import factories

PASSWORD = "correct horse battery"


@pytest.fixture
def ldap_signon(directory, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "accounts.auth.LabnetLDAPBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return directory


def person(uid, groups=()):
    services.do_create_account(
        "tests", uid=uid, sn="Person", given_name="Ann", password=PASSWORD, groups=list(groups)
    )


def sign_in(uid, password=PASSWORD) -> Client:
    client = Client()
    answer = client.post("/accounts/login/", {"username": uid, "password": password})
    return client if answer.status_code == 302 else None


def test_directory_group_gives_the_role(ldap_signon):
    person("ann", ["labnet-editors"])
    person("root", ["labnet-viewers", "labnet-admins"])
    assert sign_in("ann") is not None
    assert list(User.objects.get(username="ann").groups.values_list("name", flat=True)) == [
        "editor"
    ]
    client = sign_in("root")
    assert list(User.objects.get(username="root").groups.values_list("name", flat=True)) == [
        "admin"
    ]
    assert client.get("/ldap/").status_code == 200


def test_a_visitor_cannot_sign_in_to_the_tools(ldap_signon):
    person("visitor1")
    assert sign_in("visitor1") is None
    assert not User.objects.filter(username="visitor1").exists()


def test_a_locked_or_expired_account_cannot_sign_in(ldap_signon):
    from datetime import date, timedelta

    person("ann", ["labnet-editors"])
    services.do_lock("tests", "ann")
    assert sign_in("ann") is None
    services.do_unlock("tests", "ann")
    services.do_set_expiry("tests", "ann", date.today() - timedelta(days=1))
    assert sign_in("ann") is None


def test_local_users_still_sign_in(ldap_signon):
    factories.user("admin", "localadmin")
    assert sign_in("localadmin", "pw-labnet") is not None


def test_a_user_name_with_dn_syntax_is_refused(ldap_signon):
    person("ann", ["labnet-admins"])
    assert sign_in("ann,ou=people") is None
    assert sign_in("*") is None
