"""The account webtool and the self-service password page in headless chromium, against a
real slapd: an administrator creates an account, finds it, locks and unlocks it and makes a
batch with its printable sheet; the account's owner changes the first password, and the
directory's policy message shows for a weak one."""

from __future__ import annotations

import ldap
import pytest

from testing import slapd
from testing.browser import shot, sign_in
from testing.directory import PASSWORD, labnet_directory, make_account  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
NEW_PASSWORD = "a much longer passphrase"


def binds(server: slapd.Slapd, uid: str, password: str) -> bool:
    conn = ldap.initialize(server.url)
    try:
        conn.simple_bind_s(f"uid={uid},ou=people,{server.base}", password)
    except ldap.INVALID_CREDENTIALS:
        return False
    return True


def test_an_administrator_creates_finds_locks_and_batches_accounts(page, labnet_directory):  # noqa: F811
    sign_in(page, "admin")
    page.goto("/ldap/")
    page.click("text=Create account")
    page.fill("input[name=uid]", "alice")
    page.fill("input[name=given_name]", "Alice")
    page.fill("input[name=sn]", "Liddell")
    page.fill("input[name=home_server]", "carme")
    page.click("button:has-text('Create')")
    first = page.locator("code").first.inner_text()
    assert "alice created" in page.locator("h1").inner_text()
    assert binds(labnet_directory, "alice", first)

    page.goto("/ldap/?q=lidd")
    page.click("a:has-text('alice')")
    assert "carme:/home/alice" in page.content()
    page.click("button:has-text('Lock')")
    assert "locked" in page.locator("h1").inner_text()
    assert not binds(labnet_directory, "alice", first)
    page.click("button:has-text('Unlock')")
    assert "locked" not in page.locator("h1").inner_text()
    assert "lock" in page.locator("section:has(h2:has-text('History'))").inner_text()
    shot(page, "accounts-account")

    page.goto("/ldap/batch/")
    page.fill("input[name=prefix]", "cs101")
    page.fill("input[name=count]", "3")
    page.fill("input[name=expiry]", "2031-12-31")
    page.fill("input[name=sponsor]", "teacher@example.edu")
    page.click("button:has-text('Create the batch')")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 3
    uid, password = rows.nth(2).locator("code").all_inner_texts()
    assert uid == "cs10103" and binds(labnet_directory, uid, password)
    shot(page, "accounts-batch-sheet")


def test_the_owner_changes_their_password_and_sees_the_policy_refuse_a_weak_one(
    page,
    labnet_directory,  # noqa: F811
):
    make_account("bob")
    page.goto("/ldap/password/")
    page.fill("input[name=uid]", "bob")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password]", "short")
    page.fill("input[name=again]", "short")
    page.click("button:has-text('Change password')")
    assert "Password fails quality checking policy" in page.locator(".error").first.inner_text()
    assert binds(labnet_directory, "bob", PASSWORD)

    page.fill("input[name=uid]", "bob")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=again]", NEW_PASSWORD)
    page.click("button:has-text('Change password')")
    assert page.locator("h1").inner_text() == "Password changed"
    assert binds(labnet_directory, "bob", NEW_PASSWORD)
    assert not binds(labnet_directory, "bob", PASSWORD)
