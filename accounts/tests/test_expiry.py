"""The expiry pass: the sponsor's mail a week before, the lock after, the delete after the
grace period."""

from datetime import date, timedelta

import pytest

from accounts import services
from accounts.expiry import expiry_pass
from accounts.tasks import expiry_task


@pytest.fixture
def course(directory) -> date:
    """cs101-01's expiry day, read once: a test reading the clock again may be past midnight."""
    expiry = date.today() + timedelta(days=20)
    services.do_create_account(
        "tests", uid="cs101-01", sn="Student", sponsor="prof@example.edu", expiry=expiry
    )
    return expiry


def test_sponsor_told_once_a_week_before(course, mailoutbox):
    expiry = course
    assert expiry_pass(today=expiry - timedelta(days=8)).count == 0
    assert expiry_pass(today=expiry - timedelta(days=7)).warned == ["cs101-01"]
    assert [m.to for m in mailoutbox] == [["prof@example.edu"]]
    assert "cs101-01" in mailoutbox[0].subject
    assert expiry_pass(today=expiry - timedelta(days=6)).count == 0


def test_locked_after_expiry_then_deleted_after_grace(course, settings):
    settings.LABNET_ACCOUNT_GRACE_DAYS = 10
    expiry = course
    assert expiry_pass(today=expiry).locked == []
    assert expiry_pass(today=expiry + timedelta(days=1)).locked == ["cs101-01"]
    assert services.get_account("cs101-01").locked
    assert expiry_pass(today=expiry + timedelta(days=10)).deleted == []
    assert expiry_pass(today=expiry + timedelta(days=11)).deleted == ["cs101-01"]
    assert services.search_accounts("cs101")[0] == []


def test_the_task_does_nothing_without_a_directory(db, settings):
    settings.LABNET_LDAP_URL = ""
    assert expiry_task() == 0
