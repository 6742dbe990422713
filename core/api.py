"""What every app's REST API shares: who may write for a host."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class IsTheHostAgent(BasePermission):
    """The request comes with the token of the host named in the URL (`<host>`): a host's
    agent writes only its own reports, readings and agent-owned variables."""

    message = "Only this host's agent token may do this."

    def has_permission(self, request, view) -> bool:
        # `agent_host` is the host a token user stands for (workers.AgentHost.user).
        host = getattr(request.user, "agent_host", None) if request.user.is_authenticated else None
        return host is not None and host.name == view.kwargs.get("host")
