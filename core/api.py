"""What every app's REST API shares: who may write for a host, and the fields of a host's
reports."""

from __future__ import annotations

import math

from rest_framework import serializers
from rest_framework.permissions import BasePermission


class IsTheHostAgent(BasePermission):
    """The request comes with the token of the host named in the URL (`<host>`): a host's
    agent writes only its own reports, readings and agent-owned variables."""

    message = "Only this host's agent token may do this."

    def has_permission(self, request, view) -> bool:
        # `agent_host` is the host a token user stands for (workers.AgentHost.user).
        host = getattr(request.user, "agent_host", None) if request.user.is_authenticated else None
        return host is not None and host.name == view.kwargs.get("host")


class Seconds(serializers.FloatField):
    """A duration or an age in seconds: finite and not negative. float() reads "NaN" and
    "Infinity", which the database and the JSON answer would refuse with a server error."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, **kwargs)

    def to_internal_value(self, data) -> float:
        seconds = super().to_internal_value(data)
        if not math.isfinite(seconds):
            self.fail("invalid")
        return seconds
