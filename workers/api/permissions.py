"""Host tokens: a host's agent reads the configuration like any signed-in user (the default
ConfigurationPermission) and writes only under its own /agents/<host>/ endpoints."""

from rest_framework.permissions import BasePermission


class IsTheHostAgent(BasePermission):
    """The request comes with the token of the host named in the URL."""

    message = "Only this host's agent token may do this."

    def has_permission(self, request, view) -> bool:
        host = getattr(request.user, "agent_host", None) if request.user.is_authenticated else None
        return host is not None and host.name == view.kwargs.get("host")


class CanViewReports(BasePermission):
    """Reports are read by people with a login, never by other hosts' agents."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not hasattr(user, "agent_host"))
