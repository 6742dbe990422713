"""Sending a session's work to a host's agent: the task `wimp.<kind>` by name to the queue
host.<host> (labnet_site.celery, as imaging's sync now does), once the transaction that
recorded it has committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from .choices import TaskState
from .models import AgentTask

log = logging.getLogger("labnet.wimp")
BROKER_DOWN = "the message broker is not reachable: nothing was sent"


def queue(image: str, host: str, kind: str, user: str, arguments: dict[str, Any]) -> AgentTask:
    """Record the task and send it on commit; refused (IntegrityError) while the image has
    work under way."""
    now = timezone.now()
    task = AgentTask.objects.create(
        image=image,
        host=host,
        kind=kind,
        arguments=arguments,
        requested_by=user,
        created=now,
        updated=now,
    )
    transaction.on_commit(lambda: send(task))
    return task


def send(task: AgentTask) -> bool:
    from labnet_site.celery import app

    try:
        app.send_task(
            f"wimp.{task.kind}",
            kwargs={"task": task.pk, **task.arguments},
            queue=f"host.{task.host}",
            retry=False,
        )
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("WIMP: could not reach %s's agent: %s", task.host, exc)
        AgentTask.objects.filter(pk=task.pk).update(
            state=TaskState.FAILED, message=BROKER_DOWN, updated=timezone.now()
        )
        return False
    return True
