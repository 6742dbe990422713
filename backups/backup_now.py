"""Back up now: an editor asks, on a server's backup status page, for one of its directories
or all of them to be backed up at once. Each directory is a step sent to its backup server
(task backups.back_up_now on host.<bk_server>, one message per backup server); that server's
agent runs backupsync for its steps and reports each one's progress with its token."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.runs import record_report, send_to_agent
from entities.services import username

from .configuration import backup_table
from .host.backupnow import BACK_UP_NOW_TASK
from .models import BackupNow, BackupNowStep

log = logging.getLogger("labnet.backups")
KEPT_RUNS = 100


def _same(a: str, b: str) -> bool:
    return (a.rstrip("/") or "/") == (b.rstrip("/") or "/")


def do_request_backup(server: str, directory: str = "", *, user: object) -> BackupNow:
    """Back up server's BackupTable row for directory now, or with no directory every row
    of it switched on. Refused when there is no such row or it is switched off."""
    rows = backup_table([server])
    if not rows:
        raise ValidationError(f"{server} has no BackupTable rows")
    if directory:
        rows = [r for r in rows if _same(r.directory, directory)]
        if not rows:
            raise ValidationError(f"{server} has no BackupTable row for {directory}")
        if not rows[0].on:
            raise ValidationError(
                f"{server}'s backup of {directory} has bk_on off: switch it on first"
            )
    else:
        rows = [r for r in rows if r.on]
        if not rows:
            raise ValidationError(f"every BackupTable row of {server} has bk_on off")
    now = timezone.now()
    with transaction.atomic():
        run = BackupNow.objects.create(
            server=server, directory=directory, requested_by=username(user), requested=now
        )
        steps = [
            BackupNowStep.objects.create(
                run=run, row=r.indx, directory=r.directory, bk_server=r.bk_server, updated=now
            )
            for r in rows
        ]
        BackupNow.keep_newest(KEPT_RUNS)
        by_server: dict[str, list[BackupNowStep]] = {}
        for step in steps:
            by_server.setdefault(step.bk_server, []).append(step)
        transaction.on_commit(lambda: [send_steps(s, found) for s, found in by_server.items()])
    log.info("%s asked to back up %s now", run.requested_by, f"{server}:{directory or '*'}")
    return run


def send_steps(bk_server: str, steps: Iterable[BackupNowStep]) -> bool:
    """One message to bk_server's agent naming the directories it is to back up now. False,
    and the steps failed, when the broker cannot take it."""
    from labnet_site.celery import app

    steps = list(steps)
    payload = [{"step": s.pk, "source": s.run.server, "directory": s.directory} for s in steps]
    return send_to_agent(app, bk_server, BACK_UP_NOW_TASK, {"steps": payload}, steps, "back up now")


def do_record_step(
    host: str, step_id: int, state: str, message: str, progress: str = ""
) -> BackupNowStep:
    """What host's agent reports of a directory it backs up now: running (with rsync's
    progress line), then done or failed."""
    steps = BackupNowStep.objects.select_related("run").filter(bk_server=host)
    missing = f"{host} backs up no step {step_id} of a back up now"
    return record_report(steps, step_id, state, message, missing, progress=progress)
