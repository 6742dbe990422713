"""Enumerated field values of the configuration database."""

from django.db import models


class Widget(models.TextChoices):
    """How the webtool edits a variable (the guide's var_defs view_type)."""

    INPUT = "input", "Input box"
    SELECT = "select", "Drop-down with free input"
    SELECTONLY = "selectonly", "Drop-down only"
    MULTISELECT = "multiselect", "Multi-valued select"
    TEXTAREA = "textarea", "Text area"


class EnumerationKind(models.TextChoices):
    """Where a variable's acceptable values come from (replaces var_defs.query's raw SQL)."""

    NONE = "", "None"
    STATIC = "static", "A fixed list"
    ENTITIES = "entities", "The entities of a type"
    VALUES = "values", "The values of a variable across a type"


class ChangeAction(models.TextChoices):
    SET = "set", "Value set"
    DELETE = "delete", "Value deleted"
    CREATE_ENTITY = "create_entity", "Entity created"
    DELETE_ENTITY = "delete_entity", "Entity deleted"
    CREATE_TYPE = "create_type", "Entity type created"
    DELETE_TYPE = "delete_type", "Entity type deleted"
    SET_VARDEF = "set_vardef", "Variable definition saved"
    DELETE_VARDEF = "delete_vardef", "Variable definition deleted"


# What a revert (entities.history) can undo: values and entities. A definition's or a
# type's change is not offered one.
REVERTIBLE_ACTIONS = (
    ChangeAction.SET,
    ChangeAction.DELETE,
    ChangeAction.CREATE_ENTITY,
    ChangeAction.DELETE_ENTITY,
)
