"""The roles' permissions under one name each, and the view mixins that check them.

The roles are groups made by migrations (entities 0002, nms 0002, filemgr 0001): viewers read
with secrets masked, editors change values, admins also maintain variables, types and managed
files. A page names the permission it needs from here, never as a string of its own."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied

ROLES = ("viewer", "editor", "admin")

CHANGE_VALUES = "entities.change_value"
ADD_ENTITY = "entities.add_entity"
CHANGE_ENTITY = "entities.change_entity"
DELETE_ENTITY = "entities.delete_entity"
ADD_VARIABLE = "entities.add_variabledefinition"
MAINTAIN_VARIABLES = "entities.change_variabledefinition"
DELETE_VARIABLE = "entities.delete_variabledefinition"
MAINTAIN_TYPES = "entities.add_entitytype"
DELETE_TYPE = "entities.delete_entitytype"
VIEW_SECRETS = "entities.view_secret_values"
ACKNOWLEDGE = "nms.add_acknowledgement"
REQUEST_COLLECTION = "nms.request_collection"
SCHEDULE_MAINTENANCE = "nms.add_maintenancewindow"
MANAGE_FILES = "filemgr.manage_files"
MANAGE_PRINTING = "printing.manage_printing"
MANAGE_ACCOUNTS = "accounts.manage_accounts"
BROWSE_ANY_BACKUP = "backups.browse_any_backup"
MANAGE_CERTIFICATES = "workers.manage_certificates"
RUN_WIMP = "wimp.run_wimp"

# Entity types every change of which needs a permission beyond changing values: a fileMgr
# entity names a file, its path and its script, which every agent installs and runs as root.
# entities.services checks it for each change, whoever the door (webtool, API, admin, revert).
PROTECTED_TYPES = {"fileMgr": MANAGE_FILES}

# The reason the 403 page gives.
NOT_ALLOWED = "Your role does not allow this."


def allowed(user: object, permission: str) -> bool:
    """Whether user holds permission. A service called with a plain name or None acts for
    the system (a command run on the server, a task), which holds every permission."""
    return not hasattr(user, "has_perm") or user.has_perm(permission)


def require(user: object, permission: str) -> None:
    """Refuse with the 403 page unless user holds permission: for a view whose reading is
    open to every role and whose writing is not, and for a service's own check."""
    if not allowed(user, permission):
        raise PermissionDenied(NOT_ALLOWED)


class LabnetView(LoginRequiredMixin):
    """Any signed-in user reads."""


class PermissionView(LoginRequiredMixin, PermissionRequiredMixin):
    """An anonymous visitor is sent to the login page; a signed-in user without
    `permission_required` gets the 403 page with the reason (signing in again would not
    help)."""

    permission_denied_message = NOT_ALLOWED
