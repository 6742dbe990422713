"""Who may read and who may change the configuration through the API."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class ConfigurationPermission(BasePermission):
    """Any signed-in user reads; a change needs the Django permission the view names in
    `change_permission` (editors hold those for entities, admins also for types and
    variable definitions)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        needed = getattr(view, "change_permission", None)
        return bool(needed) and request.user.has_perm(needed)
