"""The configuration database: the guide's entity, var_defs and ent_var_vals tables, and the
change log that is both audit history and the agents' change feed.

Nothing outside entities.services writes these models' configuration rows."""

from django.db import models
from django.urls import reverse

from .choices import REVERTIBLE_ACTIONS, ChangeAction, EnumerationKind, Widget

NAME_HELP = (
    "ASCII letters, digits, '.', '_', '@', '-' and '+'; no '/' since it names a mirror file."
)


class EntityType(models.Model):
    """A kind of entity (client, server, fileMgr, ...): the guide's entity.type enumeration."""

    name = models.CharField(max_length=64, unique=True, help_text=NAME_HELP)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VariableDefinition(models.Model):
    """One variable an entity of a type may carry (a row of the guide's var_defs)."""

    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="variables")
    name = models.CharField(max_length=64, help_text=NAME_HELP)
    widget = models.CharField(max_length=16, choices=Widget.choices, default=Widget.INPUT)
    mandatory = models.BooleanField(
        default=False, help_text="The entity is active only when this variable has a value."
    )
    multi_valued = models.BooleanField(default=False)
    table = models.CharField(
        max_length=64,
        blank=True,
        help_text="The table this variable is a column of; its values' indx is the row number.",
    )
    reference_type = models.ForeignKey(
        EntityType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referenced_by",
        help_text="Each value must be the name of an entity of this type.",
    )
    regex = models.CharField(
        max_length=255, blank=True, help_text="Each value must match this regular expression."
    )
    enumeration = models.CharField(
        max_length=16, choices=EnumerationKind.choices, default=EnumerationKind.NONE, blank=True
    )
    enum_values = models.JSONField(
        default=list, blank=True, help_text="The fixed list of a static enumeration."
    )
    enum_type = models.ForeignKey(
        EntityType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enumerated_by",
        help_text="The type whose entities, or whose values of enum_variable, are enumerated.",
    )
    enum_variable = models.CharField(max_length=64, blank=True)
    display_order = models.IntegerField(default=0)
    tooltip = models.CharField(max_length=255, blank=True)
    secret = models.BooleanField(
        default=False, help_text="Shown only to users allowed to see secrets (iSCSI passwords)."
    )
    unique = models.BooleanField(
        default=False,
        help_text="No two entities of the type may hold the same value (an IP or MAC address).",
    )
    keep_whitespace = models.BooleanField(
        default=False,
        help_text="Values keep their leading and trailing spaces and line breaks; "
        "otherwise they are trimmed.",
    )

    class Meta:
        ordering = ["entity_type__name", "display_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "name"],
                name="unique_variable_per_type",
                violation_error_message="This entity type already has a variable of that name.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_type.name}.{self.name}"

    @property
    def is_multi(self) -> bool:
        """Table columns hold one value per row, so they take many values like multi-valued."""
        return self.multi_valued or bool(self.table)


class Entity(models.Model):
    """A named collection of variable values: one host, printer, managed file, ..."""

    entity_type = models.ForeignKey(EntityType, on_delete=models.CASCADE, related_name="entities")
    name = models.CharField(max_length=128, help_text=NAME_HELP)
    active = models.BooleanField(
        default=False,
        help_text="Every mandatory variable has a value (maintained by the service layer).",
    )

    class Meta:
        ordering = ["entity_type__name", "name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "name"],
                name="unique_entity_per_type",
                violation_error_message="An entity of this type with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_type.name}/{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("entities:entity", args=[self.entity_type.name, self.name])


class Value(models.Model):
    """One value of a variable of an entity (the guide's ent_var_vals row)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="values")
    variable = models.ForeignKey(VariableDefinition, on_delete=models.CASCADE, related_name="+")
    indx = models.PositiveIntegerField(default=1, help_text="Order from 1; a table's row number.")
    value = models.TextField()
    modified = models.DateTimeField()

    class Meta:
        ordering = ["entity", "variable__name", "indx"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "variable", "indx"],
                name="unique_value_position",
                violation_error_message="This variable already has a value at this index.",
            )
        ]
        permissions = [("view_secret_values", "Can see the values of secret variables")]

    def __str__(self) -> str:
        return f"{self.entity}.{self.variable.name}[{self.indx}]={self.value}"


class ChangeSequence(models.Model):
    """The single counter row the change log's sequence numbers come from.

    A writer locks it just before commit, so numbers are handed out in commit order and a
    rolled-back transaction leaves no gap: a reader of `since=N` never misses a change."""

    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"last change #{self.last_seq}"


class Change(models.Model):
    """One committed change, named by strings so it outlives what it names."""

    seq = models.BigIntegerField(primary_key=True)
    batch = models.UUIDField(db_index=True, help_text="Changes made by one user action share it.")
    user = models.CharField(max_length=150, blank=True)
    timestamp = models.DateTimeField()
    action = models.CharField(max_length=16, choices=ChangeAction.choices)
    entity_type = models.CharField(max_length=64)
    entity = models.CharField(max_length=128, blank=True)
    variable = models.CharField(max_length=64, blank=True)
    indx = models.PositiveIntegerField(null=True, blank=True)
    # None (no value) differs from any value in the feed, so these are nullable.
    old_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    new_value = models.TextField(null=True, blank=True)  # noqa: DJ001
    secret = models.BooleanField(default=False)
    reverts = models.UUIDField(
        null=True, blank=True, help_text="The batch this change's batch undoes (a revert)."
    )

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["entity_type", "entity", "seq"], name="change_entity")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.entity_type}/{self.entity} {self.variable}"

    @property
    def revertible(self) -> bool:
        """Whether a revert can undo this change (a value's or an entity's)."""
        return self.action in REVERTIBLE_ACTIONS
