"""The REST API: types, variable definitions, entities with values and tables, the change
feed (DESIGN.md contract 3). Every write goes through entities.services."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.permissions import (
    ADD_ENTITY,
    ADD_VARIABLE,
    CHANGE_ENTITY,
    DELETE_ENTITY,
    DELETE_TYPE,
    DELETE_VARIABLE,
    MAINTAIN_TYPES,
    MAINTAIN_VARIABLES,
)
from core.refusals import api_refusal

from .. import services
from ..models import Change, Entity, EntityType, VariableDefinition
from ..reading import SECRET_MASK, committed_seq, entity_contents, entity_data
from ..secret_access import secret_access
from .serializers import (
    ChangeFeedSerializer,
    ChangeSerializer,
    EntityCreateSerializer,
    EntityDetailSerializer,
    EntitySummarySerializer,
    EntityTypeSerializer,
    EntityWriteSerializer,
    VariableDefinitionSerializer,
)


class EntityTypeList(GenericAPIView):
    queryset = EntityType.objects.all()
    serializer_class = EntityTypeSerializer
    change_permission = MAINTAIN_TYPES
    pagination_class = None

    def get(self, request):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            entity_type = services.do_create_type(**serializer.validated_data, user=request.user)
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response(self.get_serializer(entity_type).data, status=status.HTTP_201_CREATED)


class EntityTypeDetail(GenericAPIView):
    queryset = EntityType.objects.all()
    serializer_class = EntityTypeSerializer
    lookup_field = "name"
    change_permission = DELETE_TYPE

    def get(self, request, name):
        return Response(self.get_serializer(self.get_object()).data)

    def delete(self, request, name):
        try:
            services.do_delete_type(self.get_object(), user=request.user)
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class VariableList(GenericAPIView):
    serializer_class = VariableDefinitionSerializer
    change_permission = ADD_VARIABLE
    pagination_class = None

    def get_queryset(self):
        return VariableDefinition.objects.filter(
            entity_type__name=self.kwargs["type"]
        ).select_related("entity_type", "reference_type", "enum_type")

    def get(self, request, type):
        get_object_or_404(EntityType, name=type)
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def post(self, request, type):
        entity_type = get_object_or_404(EntityType, name=type)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        name = fields.pop("name")
        try:
            definition = services.do_add_variable(entity_type, name, user=request.user, **fields)
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response(self.get_serializer(definition).data, status=status.HTTP_201_CREATED)


class VariableDetail(GenericAPIView):
    serializer_class = VariableDefinitionSerializer
    change_permission = MAINTAIN_VARIABLES

    def get_object(self):
        return get_object_or_404(
            VariableDefinition.objects.select_related("entity_type"),
            entity_type__name=self.kwargs["type"],
            name=self.kwargs["name"],
        )

    def get(self, request, type, name):
        return Response(self.get_serializer(self.get_object()).data)

    def patch(self, request, type, name):
        definition = self.get_object()
        serializer = self.get_serializer(definition, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("name", None)
        try:
            definition = services.do_save_variable(
                definition.entity_type, name, user=request.user, **fields
            )
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response(self.get_serializer(definition).data)

    def delete(self, request, type, name):
        if not request.user.has_perm(DELETE_VARIABLE):
            self.permission_denied(request, "deleting variables needs the delete permission")
        services.do_delete_variable(self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def detail_data(request, entity: Entity) -> dict:
    access = secret_access(request.user)
    contents = entity_contents(
        entity, show_secrets=access.shows(entity.entity_type.name, entity.name)
    )
    return EntityDetailSerializer(
        {
            "entity_type": entity.entity_type,
            "name": entity.name,
            "active": entity.active,
            "values": contents.values,
            "tables": contents.tables,
            "missing": contents.missing,
        }
    ).data


class EntityList(GenericAPIView):
    serializer_class = EntitySummarySerializer
    change_permission = ADD_ENTITY

    @extend_schema(
        parameters=[
            OpenApiParameter("type", OpenApiTypes.STR, description="Only entities of this type"),
            OpenApiParameter("search", OpenApiTypes.STR, description="Part of the name"),
            OpenApiParameter("active", OpenApiTypes.BOOL),
        ]
    )
    def get(self, request):
        queryset = Entity.objects.select_related("entity_type").order_by(
            "entity_type__name", "name"
        )
        if "type" in request.query_params:
            queryset = queryset.filter(entity_type__name=request.query_params["type"])
        return self.page_of(queryset)

    def page_of(self, queryset):
        """One page of queryset narrowed by the search and active parameters."""
        params = self.request.query_params
        if "search" in params:
            queryset = queryset.filter(Q(name__icontains=params["search"]))
        if "active" in params:
            queryset = queryset.filter(active=params["active"].lower() in ("1", "true", "yes"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=EntityCreateSerializer, responses=EntityDetailSerializer)
    def post(self, request):
        serializer = EntityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entity_type = EntityType.objects.filter(name=data["type"]).first()
        if entity_type is None:
            raise APIValidationError({"type": [f"no entity type {data['type']!r}"]})
        try:
            entity = services.do_create_entity(
                entity_type, data["name"], data["values"], data["tables"], user=request.user
            )
        except ValidationError as exc:
            raise api_refusal(exc) from None
        entity.refresh_from_db(fields=["active"])
        return Response(detail_data(request, entity), status=status.HTTP_201_CREATED)


class EntitiesOfType(EntityList):
    """The entities of one type, paged (as NetBox lists each model); 404 for no such type."""

    http_method_names = ["get", "head", "options"]

    @extend_schema(
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="Part of the name"),
            OpenApiParameter("active", OpenApiTypes.BOOL),
        ]
    )
    def get(self, request, type):
        entity_type = get_object_or_404(EntityType, name=type)
        return self.page_of(
            Entity.objects.filter(entity_type=entity_type)
            .select_related("entity_type")
            .order_by("name")
        )


class EntityDetail(GenericAPIView):
    serializer_class = EntityDetailSerializer
    change_permission = CHANGE_ENTITY

    def get_object(self):
        return get_object_or_404(
            Entity.objects.select_related("entity_type"),
            entity_type__name=self.kwargs["type"],
            name=self.kwargs["name"],
        )

    def get(self, request, type, name):
        # The read agents and scripts make most: two queries, and the dict built here
        # rather than by the serializer (a third of the time otherwise).
        data = entity_data(type, name, lambda: secret_access(request.user).shows(type, name))
        return Response(data if data is not None else detail_data(request, self.get_object()))

    @extend_schema(request=EntityWriteSerializer, responses=EntityDetailSerializer)
    def patch(self, request, type, name):
        entity = self.get_object()
        serializer = EntityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.do_set_values(
                entity,
                serializer.validated_data["values"],
                serializer.validated_data["tables"],
                user=request.user,
            )
        except ValidationError as exc:
            raise api_refusal(exc) from None
        entity.refresh_from_db(fields=["active"])
        return Response(detail_data(request, entity))

    def delete(self, request, type, name):
        if not request.user.has_perm(DELETE_ENTITY):
            self.permission_denied(request, "deleting entities needs the delete permission")
        try:
            services.do_delete_entity(self.get_object(), user=request.user)
        except ValidationError as exc:
            raise api_refusal(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChangeFeed(GenericAPIView):
    """Changes after `since`, oldest first (DESIGN.md contract 3)."""

    serializer_class = ChangeFeedSerializer
    max_limit = 10000
    # An agent reads it with its last sequence number: a lagging replica would hide changes.
    reads_primary = True

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.INT, description="Last sequence number seen"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="At most this many (10000)"),
        ]
    )
    def get(self, request):
        try:
            since = int(request.query_params.get("since", 0))
            limit = min(int(request.query_params.get("limit", 1000)), self.max_limit)
        except ValueError:
            raise APIValidationError({"since": ["since and limit must be integers"]}) from None
        if limit < 1:
            raise APIValidationError({"limit": ["limit must be at least 1"]})
        # Read first and bound the query by it, so `latest` never passes a change not yet sent.
        latest = committed_seq()
        # Plain rows rather than a serializer per change: agents read this all day long.
        changes = list(
            Change.objects.filter(seq__gt=since, seq__lte=latest)
            .order_by("seq")
            .values(*ChangeSerializer.Meta.fields, "secret")[: limit + 1]
        )
        more = len(changes) > limit
        access = None  # looked up only when a secret value is in the page
        for change in changes:
            if not change.pop("secret"):
                continue
            access = access or secret_access(request.user)
            if not access.shows(change["entity_type"], change["entity"]):
                for key in ("old_value", "new_value"):
                    if change[key] is not None:
                        change[key] = SECRET_MASK
        return Response({"latest": latest, "more": more, "changes": changes[:limit]})
