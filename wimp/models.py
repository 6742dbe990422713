"""What a WIMP session did behind the scenes. The session itself is configuration (the
wimpSession entity, named after its image); these rows are its record: each step done, and
each piece of work sent to an agent with what the agent last reported."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.runs import MAX_MESSAGE, UNDER_WAY, HostStep, state_field

from .choices import TaskKind, TaskState

MAX_NAME = 128  # an entity name


class SessionEvent(models.Model):
    """One step of a session done behind the scenes or by its administrator, in order."""

    image = models.CharField(max_length=MAX_NAME, db_index=True, help_text="The session's image.")
    at = models.DateTimeField()
    text = models.CharField(max_length=MAX_MESSAGE)
    by = models.CharField(max_length=150, help_text="The user, or the host whose agent did it.")

    class Meta:
        ordering = ["image", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.image}: {self.text}"


class AgentTask(HostStep):
    """Work of a session sent by name to a host's agent (queue host.<host>); the agent
    reports its state, a message and what its storage holds now (the live state the session
    page shows)."""

    image = models.CharField(max_length=MAX_NAME, db_index=True)
    host = models.CharField(max_length=MAX_NAME, help_text="The host whose agent does it.")
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    state = state_field(TaskState, max_length=10)
    arguments = models.JSONField(default=dict, help_text="What the task was sent with.")
    detail = models.JSONField(default=dict, blank=True, help_text="The agent's last report.")
    requested_by = models.CharField(max_length=150)
    created = models.DateTimeField()

    class Meta:
        ordering = ["image", "-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["image"],
                condition=Q(state__in=UNDER_WAY),
                name="one_agent_task_under_way_per_image",
                violation_error_message="This image's session already has work under way.",
            )
        ]
        permissions = [("run_wimp", "Can build, update, clone and delete managed Windows images")]

    report_noun = "WIMP task"

    def __str__(self) -> str:
        return f"{self.image}: {self.kind} on {self.host} ({self.state})"
