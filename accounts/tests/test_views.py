"""What an administrator and an account's owner see doing things in the webtool."""

from datetime import date, timedelta

import pytest

from accounts import services
from accounts.models import AccountChange


@pytest.fixture
def alice(directory):
    services.do_create_account(
        "tests", uid="alice", sn="Liddell", given_name="Alice", password="correct horse battery"
    )
    return "alice"


def test_create_shows_the_first_password_once(directory, admin):
    page = admin.post("/ldap/create/", {"uid": "bob", "sn": "Builder", "kind": "person"})
    text = page.content.decode()
    assert "bob created" in text and "Shown only this once" in text
    assert AccountChange.objects.get(uid="bob").actor.startswith("admin")


def test_a_refusal_is_shown_beside_the_field(directory, admin):
    page = admin.post("/ldap/create/", {"uid": "Bad)(uid=*", "sn": "X", "kind": "person"})
    assert "is not a user name" in page.content.decode()
    assert services.search_accounts()[0] == []


def test_batch_prints_a_sheet(directory, admin):
    expiry = date.today() + timedelta(days=5)
    page = admin.post(
        "/ldap/batch/",
        {"prefix": "cs101-", "count": "3", "expiry": expiry, "sponsor": "prof@example.edu"},
    )
    text = page.content.decode()
    assert "Labnet accounts for cs101-" in text
    assert all(f"cs101-0{n}" in text for n in (1, 2, 3))


def test_lock_button_locks_and_the_history_shows_it(alice, admin):
    answer = admin.post("/ldap/alice/lock/")
    assert answer.status_code == 302
    page = admin.get("/ldap/alice/").content.decode()
    assert "locked" in page and "Locked" in page


def test_reset_shows_the_new_password(alice, admin):
    text = admin.post("/ldap/alice/reset/").content.decode()
    assert "alice given a new password" in text


def test_bad_expiry_is_a_message(alice, admin):
    admin.post("/ldap/alice/expiry/", {"expiry": "not a date"})
    assert "Enter a valid date" in admin.get("/ldap/alice/").content.decode()


def test_unknown_account_and_action_are_404(alice, admin):
    assert admin.get("/ldap/nobody/").status_code == 404
    assert admin.get("/ldap/Bad%29%28x/").status_code == 404
    assert admin.post("/ldap/alice/explode/").status_code == 404


def test_linked_account_synced_name_cannot_be_edited(alice, admin):
    admin.post("/ldap/alice/linked/", {"campus_id": "aliddell"})
    page = admin.post(
        "/ldap/alice/modify/", {"sn": "Other", "given_name": "Alice", "kind": "person"}
    )
    assert "ldapsync owns it" in page.content.decode()
    assert services.get_account("alice").sn == "Liddell"


def test_self_service_shows_the_policy_message(alice, client):
    form = {"uid": "alice", "old_password": "correct horse battery"}
    page = client.post("/ldap/password/", form | {"new_password": "weak", "again": "weak"})
    assert "Password fails quality checking policy" in page.content.decode()
    new = "a much better passphrase"
    page = client.post("/ldap/password/", form | {"new_password": new, "again": new})
    assert "Password changed" in page.content.decode()


def test_self_service_wrong_password_and_unknown_user_read_the_same(alice, client):
    for uid in ("alice", "nobody"):
        form = {"uid": uid, "old_password": "wrong", "new_password": "x" * 12, "again": "x" * 12}
        page = client.post("/ldap/password/", form).content.decode()
        assert "The user name or the current password is wrong." in page


def test_directory_down_is_a_503_saying_so(directory, admin):
    directory.stop()
    page = admin.get("/ldap/")
    assert page.status_code == 503 and "does not answer" in page.content.decode()
