"""Sending a session's work to a host's agent: the task `wimp.<kind>` by name to the queue
host.<host> (core.runs.send_to_agent, as back up now and sync now do), once the transaction
that recorded it has committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.runs import send_to_agent

from .models import AgentTask


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

    kwargs = {"task": task.pk, **task.arguments}
    return send_to_agent(app, task.host, f"wimp.{task.kind}", kwargs, [task], "WIMP")
