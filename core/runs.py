"""Work an editor asks for and hosts' agents do, reporting as they go: a run (back up now,
sync now) made of steps, or a single piece of work (a WIMP session's agent task). The apps'
models subclass these abstract bases; their services find a reported step with
`locked_step` and write the report with `HostStep.report`, or do both with
`record_report`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .params import MAX_BIGINT

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("labnet.runs")

# The states every step has before its host reports it over; an app's TextChoices start
# with these two and add the outcomes its host reports, FAILED among them.
QUEUED, RUNNING, FAILED = "queued", "running", "failed"
UNDER_WAY = (QUEUED, RUNNING)
MAX_MESSAGE = 500  # a step's message and progress line
BROKER_DOWN = "the message broker is not reachable: nothing was sent"


def state_field(states: type[models.TextChoices], max_length: int = 16) -> models.CharField:
    """A step's `state` column with its app's states: queued until its host reports."""
    return models.CharField(max_length=max_length, choices=states.choices, default=QUEUED)


class Run(models.Model):
    """Something asked for on a page, made of steps; the subclass's steps point to it with
    `related_name="steps"`."""

    requested_by = models.CharField(max_length=150)
    requested = models.DateTimeField(db_index=True)
    finished = models.DateTimeField(null=True, blank=True, help_text="When no step was left.")

    class Meta:
        abstract = True
        ordering = ["-requested", "-pk"]

    @classmethod
    def keep_newest(cls, kept: int) -> None:
        """Delete all but the newest `kept` runs (their steps with them)."""
        old = cls.objects.values_list("pk", flat=True)[kept:]
        cls.objects.filter(pk__in=list(old)).delete()

    def finish_if_over(self, now: datetime) -> None:
        """The run is finished once none of its steps is under way."""
        if not self.steps.filter(state__in=UNDER_WAY).exists():
            self.finished = now
            self.save(update_fields=["finished"])


class HostStep(models.Model):
    """A piece of work a host's agent does and reports: queued, running, then an outcome. A
    subclass declares `state` again, a `state_field` of its app's states."""

    state = models.CharField(max_length=16, default=QUEUED)
    message = models.CharField(max_length=MAX_MESSAGE, blank=True)
    updated = models.DateTimeField()

    # What a refusal calls it: "step 7 is done already".
    report_noun = "step"

    class Meta:
        abstract = True

    @classmethod
    def reported_states(cls) -> list[tuple[str, str]]:
        """The states a host may report (all but queued), as choices."""
        return [c for c in cls._meta.get_field("state").choices if c[0] != QUEUED]

    @property
    def under_way(self) -> bool:
        return self.state in UNDER_WAY

    def report(self, state: str, message: str, now: datetime | None = None, **more) -> None:
        """Write where the step stands now, with any of the subclass's own columns."""
        self.state, self.message, self.updated = state, message, now or timezone.now()
        for name, value in more.items():
            setattr(self, name, value)
        self.save(update_fields=["state", "message", "updated", *more])

    def end(self, state: str, message: str, now: datetime | None = None, **more) -> None:
        """The work is over in `state`."""
        self.report(state, message, now, **more)


class Step(HostStep):
    """One step of a run, copied by rsync: the step keeps rsync's last progress line."""

    progress = models.CharField(
        max_length=MAX_MESSAGE, blank=True, help_text="rsync's last progress line, while it runs."
    )

    class Meta:
        abstract = True

    def report(self, state: str, message: str, now: datetime | None = None, **more) -> None:
        """As HostStep.report; a report without a progress line keeps the last one."""
        more["progress"] = more.get("progress") or self.progress
        super().report(state, message, now, **more)

    def end(self, state: str, message: str, now: datetime | None = None, **more) -> None:
        """The step is over in `state`; its run (the subclass's `run`) is finished once no
        step is under way."""
        now = now or timezone.now()
        self.report(state, message, now, **more)
        self.run.finish_if_over(now)


S = TypeVar("S", bound=HostStep)


def locked_step(steps: QuerySet[S], step_id: int, state: str, missing: str) -> S:
    """The step `step_id` among `steps` (those of the reporting host), locked until the
    transaction ends, for a report of `state`. Refused with `missing` when there is no such
    step, and when the state is not one a host reports or the step is over already."""
    if state not in dict(steps.model.reported_states()):
        raise ValidationError(f"{state!r} is not a state a host reports")
    step = None
    if 1 <= step_id <= MAX_BIGINT:
        step = steps.select_for_update().filter(pk=step_id).first()
    if step is None:
        raise ValidationError(missing)
    if not step.under_way:
        raise ValidationError(f"{step.report_noun} {step_id} is {step.state} already")
    return step


def record_report(
    steps: QuerySet[S], step_id: int, state: str, message: str, missing: str, **more
) -> S:
    """A host's report of step `step_id` among `steps` (its own), refused as `locked_step`
    refuses: running is written, any other state ends the step (Step.end)."""
    with transaction.atomic():
        step = locked_step(steps, step_id, state, missing)
        if state == RUNNING:
            step.report(state, message, **more)
        else:
            step.end(state, message, **more)
    return step


def send_to_agent(
    app: Celery, host: str, task: str, kwargs: dict[str, Any], steps: Iterable[HostStep], what: str
) -> bool:
    """Send `task` by name to host's agent (its queue host.<host>), once, without retrying.
    When the broker cannot take it no agent will ever report `steps`: they end failed with
    BROKER_DOWN, and the answer is False."""
    try:
        app.send_task(task, kwargs=kwargs, queue=f"host.{host}", retry=False)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("%s: could not reach %s's agent: %s", what, host, exc)
        for step in steps:
            step.end(FAILED, BROKER_DOWN)
        return False
    return True
