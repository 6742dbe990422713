"""The expiry pass (a periodic task): a week before an account's last day its sponsor gets a
mail; after it the account is locked (slapd already refuses its binds: pwdEndTime); after the
grace period (LABNET_ACCOUNT_GRACE_DAYS) it is deleted. Its history stays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail

from . import directory, layout, services
from .choices import Action
from .entries import ATTRIBUTES, Account, search_all


@dataclass
class ExpiryReport:
    warned: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.warned) + len(self.locked) + len(self.deleted)

    def lines(self) -> list[str]:
        return (
            [f"{uid}: sponsor told" for uid in self.warned]
            + [f"{uid}: locked at expiry" for uid in self.locked]
            + [f"{uid}: deleted after the grace period" for uid in self.deleted]
        )


def _expiring(today: date) -> list[Account]:
    labnet = directory.labnet()
    conn = labnet.connect()
    try:
        return [
            Account.from_entry(dn, attrs)
            for dn, attrs in search_all(
                conn,
                layout.unit_dn(labnet.base, layout.PEOPLE),
                "(&(objectClass=posixAccount)(labnetExpiry=*))",
                ATTRIBUTES,
            )
        ]
    finally:
        conn.unbind_s()


def _warn(account: Account) -> None:
    send_mail(
        f"Labnet account {account.uid} expires on {account.expiry}",
        f"The Labnet account {account.uid} ({account.cn}), which you sponsor, works until "
        f"{account.expiry} and is then locked, and deleted "
        f"{settings.LABNET_ACCOUNT_GRACE_DAYS} days later. Ask the Labnet administrators to "
        "extend it if it is still needed.\n",
        settings.DEFAULT_FROM_EMAIL,
        [account.sponsor],
    )


def expiry_pass(today: date | None = None, user: object = "expiry") -> ExpiryReport:
    today = today or date.today()
    grace = timedelta(days=settings.LABNET_ACCOUNT_GRACE_DAYS)
    warn = timedelta(days=settings.LABNET_ACCOUNT_WARN_DAYS)
    report = ExpiryReport()
    for account in _expiring(today):
        if account.expiry is None:
            continue
        if today > account.expiry + grace:
            services.do_delete_account(user, account.uid, "expired and past the grace period")
            report.deleted.append(account.uid)
        elif today > account.expiry:
            if not account.locked:
                services.do_lock(user, account.uid, Action.EXPIRED, f"expired {account.expiry}")
                report.locked.append(account.uid)
        elif today >= account.expiry - warn and account.sponsor and not account.expiry_warned:
            _warn(account)
            services.do_mark_expiry_warned(user, account.uid, account.sponsor)
            report.warned.append(account.uid)
    return report
