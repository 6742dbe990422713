"""Who may report for a host: only that host's agent, with its own token."""

from rest_framework.permissions import BasePermission


class IsReportingHost(BasePermission):
    message = "Only the host's own agent token may report for it."

    def has_permission(self, request, view) -> bool:
        agent_host = getattr(request.user, "agent_host", None)
        return agent_host is not None and agent_host.name == view.kwargs["host"]
