"""What every webtool view shares: sign-in, the roles' permissions, finding an entity."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Max
from django.shortcuts import get_object_or_404

from ..models import Change, Entity, EntityType

# The roles of migration 0002: editors change values, admins also definitions and types.
CHANGE_VALUES = "entities.change_value"
ADD_ENTITY = "entities.add_entity"
DELETE_ENTITY = "entities.delete_entity"
MAINTAIN_VARIABLES = "entities.change_variabledefinition"
MAINTAIN_TYPES = "entities.add_entitytype"
SEE_SECRETS = "entities.view_secret_values"


class LabnetView(LoginRequiredMixin):
    """Any signed-in user reads."""


class PermissionView(LoginRequiredMixin, PermissionRequiredMixin):
    """A signed-in user without the permission gets 403 with the reason, not a login page."""

    raise_exception = True
    permission_denied_message = "Your role does not allow this."


class EntityMixin:
    """Views of one entity, named in the URL by its type and name."""

    def get_entity(self) -> Entity:
        if not hasattr(self, "entity"):
            self.entity = get_object_or_404(
                Entity.objects.select_related("entity_type"),
                entity_type__name=self.kwargs["type"],
                name=self.kwargs["name"],
            )
        return self.entity


class EntityTypeMixin:
    """Views of one entity type, named in the URL."""

    def get_entity_type(self) -> EntityType:
        if not hasattr(self, "entity_type"):
            self.entity_type = get_object_or_404(EntityType, name=self.kwargs["type"])
        return self.entity_type


def latest_seq(entity: Entity) -> int:
    """The sequence number of the entity's latest change: a form carries it to notice that
    someone else changed the entity while the form was open."""
    return (
        Change.objects.filter(entity_type=entity.entity_type.name, entity=entity.name).aggregate(
            seq=Max("seq")
        )["seq"]
        or 0
    )
