"""The periodic tasks of the directory: ldapsync and the expiry pass (central worker)."""

from __future__ import annotations

import logging

from celery import shared_task

from .directory import NotConfigured

log = logging.getLogger("labnet.accounts")
LDAPSYNC_TASK = "accounts.ldapsync"
EXPIRY_TASK = "accounts.expiry"
LDAPSYNC_SECONDS = 3600.0
EXPIRY_SECONDS = 3600.0


@shared_task(name=LDAPSYNC_TASK)
def ldapsync_task() -> int:
    """One ldapsync run; the number of accounts changed. Skipped when no campus directory
    is configured."""
    from .sync import ldapsync

    try:
        report = ldapsync()
    except NotConfigured:
        return 0
    for line in report.lines():
        log.info("ldapsync: %s", line)
    return len(report.changed)


@shared_task(name=EXPIRY_TASK)
def expiry_task() -> int:
    """One expiry pass; the number of accounts it acted on."""
    from .expiry import expiry_pass

    try:
        done = expiry_pass()
    except NotConfigured:
        return 0
    for line in done.lines():
        log.info("expiry: %s", line)
    return done.count
