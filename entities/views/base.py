"""What the webtool's views share: finding an entity or a type named in the URL, and the
entity type select pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from core.views import ChooseView

from ..forms import ChooseTypeForm
from ..models import Entity, EntityType


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


class TypeChooseView(ChooseView):
    """The entity type select page in front of a screen (`next_url`) of one type."""

    form_class = ChooseTypeForm
