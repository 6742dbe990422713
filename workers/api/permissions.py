"""Host tokens: a host's agent reads the configuration like any signed-in user (the default
ConfigurationPermission) and writes only under its own /agents/<host>/ endpoints
(core.api.IsTheHostAgent)."""

from rest_framework.permissions import BasePermission


class CanViewReports(BasePermission):
    """Reports are read by people with a login, never by other hosts' agents."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not hasattr(user, "agent_host"))
