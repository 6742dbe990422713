"""Variable Maintenance and Entity Type Maintenance (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.permissions import (
    DELETE_TYPE,
    DELETE_VARIABLE,
    MAINTAIN_TYPES,
    MAINTAIN_VARIABLES,
    PermissionView,
)
from core.refusals import add_to_forms, refusal_text

from .. import services
from ..forms import ChooseTypeForm, EntityTypeForm, VariableDefinitionForm
from ..models import EntityType, Value, VariableDefinition
from .base import EntityTypeMixin


class VariableChooseView(PermissionView, View):
    """Variable Maintenance: the entity type select page."""

    permission_required = MAINTAIN_VARIABLES

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ChooseTypeForm(request.GET or None)
        if form.is_valid():
            return redirect("entities:variables", form.cleaned_data["type"].name)
        return render(
            request,
            "entities/choose_type.html",
            {"form": form, "title": "Variable Maintenance", "button": "Next"},
        )


class VariableListView(PermissionView, EntityTypeMixin, View):
    """The type's variable definitions with the properties that steer their editing."""

    permission_required = MAINTAIN_VARIABLES

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity_type = self.get_entity_type()
        definitions = entity_type.variables.select_related("reference_type", "enum_type")
        return render(
            request,
            "entities/variable_list.html",
            {"entity_type": entity_type, "definitions": definitions},
        )


class VariableEditView(PermissionView, EntityTypeMixin, View):
    """Edit a variable definition, or (no name in the URL) add one: Add Variable."""

    permission_required = MAINTAIN_VARIABLES

    def definition(self) -> VariableDefinition:
        entity_type = self.get_entity_type()
        if "variable" in self.kwargs:
            return get_object_or_404(
                VariableDefinition, entity_type=entity_type, name=self.kwargs["variable"]
            )
        return VariableDefinition(entity_type=entity_type)

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self.show(VariableDefinitionForm(instance=self.definition()))

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        definition = self.definition()
        name = definition.name
        form = VariableDefinitionForm(request.POST, instance=definition)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            services.do_save_variable(
                self.get_entity_type(),
                name or form.cleaned_data["name"],
                user=request.user,
                **form.definition_fields(),
            )
        except ValidationError as error:
            add_to_forms(error, form)
            return self.show(form, status=400)
        messages.success(request, f"Variable {self.entity_type.name}.{form.instance.name} saved.")
        return redirect("entities:variables", self.entity_type.name)

    def show(self, form: VariableDefinitionForm, status: int = 200) -> HttpResponse:
        definition = form.instance
        return render(
            self.request,
            "entities/variable_edit.html",
            {
                "entity_type": self.get_entity_type(),
                "form": form,
                "definition": definition if definition.pk else None,
            },
            status=status,
        )


class VariableDeleteView(PermissionView, EntityTypeMixin, View):
    """Delete a variable definition with every value of it, after a confirmation."""

    permission_required = DELETE_VARIABLE

    def get(self, request: HttpRequest, type: str, variable: str) -> HttpResponse:
        definition = get_object_or_404(
            VariableDefinition, entity_type=self.get_entity_type(), name=variable
        )
        return render(
            request,
            "entities/variable_delete.html",
            {
                "definition": definition,
                "entity_type": self.entity_type,
                "values": Value.objects.filter(variable=definition).count(),
            },
        )

    def post(self, request: HttpRequest, type: str, variable: str) -> HttpResponse:
        definition = get_object_or_404(
            VariableDefinition, entity_type=self.get_entity_type(), name=variable
        )
        services.do_delete_variable(definition, user=request.user)
        messages.success(request, f"Variable {definition} deleted.")
        return redirect("entities:variables", type)


class EntityTypeListView(PermissionView, View):
    """Entity Type Maintenance: the types with their sizes, and Add Entity Type."""

    permission_required = MAINTAIN_TYPES

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.show(EntityTypeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EntityTypeForm(request.POST)
        if form.is_valid():
            try:
                created = services.do_create_type(
                    form.cleaned_data["name"], form.cleaned_data["description"], user=request.user
                )
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                messages.success(request, f"Entity type {created.name} added.")
                return redirect("entities:types")
        return self.show(form, status=400)

    def show(self, form: EntityTypeForm, status: int = 200) -> HttpResponse:
        types = EntityType.objects.annotate(
            entity_count=Count("entities", distinct=True),
            variable_count=Count("variables", distinct=True),
        )
        return render(
            self.request, "entities/type_list.html", {"types": types, "form": form}, status=status
        )


class EntityTypeDeleteView(PermissionView, EntityTypeMixin, View):
    """Remove a type only after a confirmation listing what would be deleted with it."""

    permission_required = DELETE_TYPE

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity_type = self.get_entity_type()
        return render(
            request,
            "entities/type_delete.html",
            {"entity_type": entity_type, "summary": services.type_deletion_summary(entity_type)},
        )

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity_type = self.get_entity_type()
        try:
            services.do_delete_type(entity_type, user=request.user)
        except ValidationError as error:
            messages.error(request, refusal_text(error))
            return redirect("entities:type_delete", entity_type.name)
        messages.success(request, f"Entity type {entity_type.name} removed.")
        return redirect("entities:types")
