"""Sync now: an editor asks for one server's copy of an image, or that copy and every copy
below it, to be synced at once. The steps go, level by level, to the servers holding the
parent copies (task imaging.sync_now on host.<source>); each host's agent reports each
step's progress with its token, and a synced copy sends its children on."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.runs import record_report, send_to_agent

from .choices import StepState
from .host.syncnow import SYNC_NOW_TASK
from .models import SyncRun, SyncStep
from .replication import Node
from .rsync_config import configuration

log = logging.getLogger("labnet.imaging")
KEPT_RUNS = 100


def do_request_sync(server: str, row: int, subtree: bool, *, user: object) -> SyncRun:
    """Sync row `row` of server's Rsync table now, and with subtree every copy below it.
    Refused when the row is in no image's tree or its syncing is off."""
    derivation = configuration().derive()
    image = derivation.image_of((server, row))
    if image is None:
        raise ValidationError(
            f"row {row} of {server}'s Rsync table is in no image's tree (see the Rsync Info "
            "Editor's problems)"
        )
    tree = derivation.trees[image]
    node = tree.find((server, row))
    assert node is not None and node.row is not None
    if not node.row.sync:
        raise ValidationError(f"{node.row.label} has rs_sync no: turn its syncing on first")
    source = tree.parent_of(node)
    assert source is not None
    now = timezone.now()
    with transaction.atomic():
        run = SyncRun.objects.create(
            image=image,
            server=server,
            dst=node.path,
            subtree=subtree,
            requested_by=getattr(user, "username", str(user)),
            requested=now,
        )
        first = _add_steps(run, node, source.server, None, 0, subtree, [0], now)
        SyncRun.keep_newest(KEPT_RUNS)
        transaction.on_commit(lambda: send_steps(source.server, [first]))
    log.info("%s asked to sync %s:%s (%s)%s", run.requested_by, server, node.path, image,
             " and below" if subtree else "")  # fmt: skip
    return run


def _add_steps(
    run: SyncRun, node: Node, source: str, parent: SyncStep | None, depth: int,
    subtree: bool, position: list[int], now,
) -> SyncStep:  # fmt: skip
    assert node.row is not None
    step = SyncStep.objects.create(
        run=run, parent=parent, position=position[0], depth=depth, source=source,
        server=node.server, row=node.row.row, dst=node.path, updated=now,
    )  # fmt: skip
    position[0] += 1
    if subtree:
        for child in node.children:
            _add_steps(run, child, node.server, step, depth + 1, True, position, now)
    return step


def send_steps(source: str, steps: Iterable[SyncStep]) -> bool:
    """One message to source's agent naming the steps it is to push; the step the user
    asked for is pushed even when source's copy is not newer. False, and the steps failed,
    when the broker cannot take it."""
    from labnet_site.celery import app

    steps = list(steps)
    payload = [
        {"step": s.pk, "server": s.server, "dst": s.dst, "force": s.parent_id is None}
        for s in steps
    ]
    return send_to_agent(app, source, SYNC_NOW_TASK, {"steps": payload}, steps, "sync now")


def do_record_step(
    host: str, step_id: int, state: str, message: str, progress: str = ""
) -> SyncStep:
    """What host's agent reports of a step it pushes: running (again with rsync's progress
    line while it runs), then lnrsync's outcome, which keeps the last progress line. A synced
    copy sends the steps below it to its own server; any other outcome skips them
    (SyncStep.end)."""
    steps = SyncStep.objects.filter(source=host)
    missing = f"{host} pushes no step {step_id} of a sync now"
    with transaction.atomic():
        step = record_report(steps, step_id, state, message, missing, progress=progress)
        children = list(step.children.all())
        if state == StepState.SYNCED and children:
            transaction.on_commit(lambda: send_steps(step.server, children))
    return step
