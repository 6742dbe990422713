from django.db import models


class Kind(models.TextChoices):
    """Who an account is for (guide 4.2: the directory holds visitor and teaching accounts
    besides the university's people)."""

    PERSON = "person", "Person"
    VISITOR = "visitor", "Visitor"
    TEACHING = "teaching", "Teaching session"


class Action(models.TextChoices):
    CREATE = "create", "Created"
    MODIFY = "modify", "Modified"
    LOCK = "lock", "Locked"
    UNLOCK = "unlock", "Unlocked"
    RESET_PASSWORD = "reset_password", "Password reset"
    CHANGE_PASSWORD = "change_password", "Password changed by its owner"
    SET_EXPIRY = "set_expiry", "Expiry set"
    SET_GROUPS = "set_groups", "Groups set"
    SET_LINKED = "set_linked", "Link to the campus directory set"
    SYNC = "sync", "Synced from the campus directory"
    CAMPUS_GONE = "campus_gone", "Campus identity disappeared"
    EXPIRY_WARNED = "expiry_warned", "Sponsor told of the coming expiry"
    EXPIRED = "expired", "Locked at expiry"
    DELETE = "delete", "Deleted"
