"""Variable Maintenance and Entity Type Maintenance (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from core.permissions import (
    DELETE_TYPE,
    DELETE_VARIABLE,
    MAINTAIN_TYPES,
    MAINTAIN_VARIABLES,
    PermissionView,
)
from core.refusals import add_to_forms
from core.views import ConfirmDeleteView, TableListView

from .. import services
from ..forms import EntityTypeForm, VariableDefinitionForm
from ..models import EntityType, Value, VariableDefinition
from ..tables import EntityTypeTable, VariableTable
from .base import EntityTypeMixin, TypeChooseView


class VariableChooseView(PermissionView, TypeChooseView):
    """Variable Maintenance: the entity type select page."""

    permission_required = MAINTAIN_VARIABLES
    title = "Variable Maintenance"
    next_url = "entities:variables"


class VariableListView(PermissionView, EntityTypeMixin, TableListView):
    """The type's variable definitions with the properties that steer their editing."""

    permission_required = MAINTAIN_VARIABLES
    table_class = VariableTable
    template_name = "entities/variable_list.html"

    def get_queryset(self) -> QuerySet:
        return self.get_entity_type().variables.select_related(
            "entity_type", "reference_type", "enum_type"
        )

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(entity_type=self.get_entity_type(), **kwargs)


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
        # Add Variable makes a new definition; editing one changes it.
        save = services.do_save_variable if name else services.do_add_variable
        try:
            save(
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


class VariableDeleteView(PermissionView, EntityTypeMixin, ConfirmDeleteView):
    """Delete a variable definition with every value of it, after a confirmation."""

    permission_required = DELETE_VARIABLE
    template_name = "entities/variable_delete.html"

    def get_object(self) -> VariableDefinition:
        return get_object_or_404(
            VariableDefinition, entity_type=self.get_entity_type(), name=self.kwargs["variable"]
        )

    def confirm_context(self, definition: VariableDefinition) -> dict:
        return {
            "definition": definition,
            "entity_type": self.entity_type,
            "values": Value.objects.filter(variable=definition).count(),
        }

    def delete(self, definition: VariableDefinition) -> None:
        services.do_delete_variable(definition, user=self.request.user)

    def success_message(self, definition: VariableDefinition) -> str:
        return f"Variable {definition} deleted."

    def success_url(self, definition: VariableDefinition) -> str:
        return reverse("entities:variables", args=[self.entity_type.name])


class EntityTypeListView(PermissionView, TableListView):
    """Entity Type Maintenance: the types with their sizes, and Add Entity Type."""

    permission_required = MAINTAIN_TYPES
    table_class = EntityTypeTable
    template_name = "entities/type_list.html"
    queryset = EntityType.objects.annotate(
        entity_count=Count("entities", distinct=True),
        variable_count=Count("variables", distinct=True),
    )

    def get_context_data(self, **kwargs) -> dict:
        kwargs.setdefault("form", EntityTypeForm())
        return super().get_context_data(**kwargs)

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
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EntityTypeDeleteView(PermissionView, EntityTypeMixin, ConfirmDeleteView):
    """Remove a type only after a confirmation listing what would be deleted with it."""

    permission_required = DELETE_TYPE
    template_name = "entities/type_delete.html"

    def get_object(self) -> EntityType:
        return self.get_entity_type()

    def confirm_context(self, entity_type: EntityType) -> dict:
        return {
            "entity_type": entity_type,
            "summary": services.type_deletion_summary(entity_type),
        }

    def delete(self, entity_type: EntityType) -> None:
        services.do_delete_type(entity_type, user=self.request.user)

    def success_message(self, entity_type: EntityType) -> str:
        return f"Entity type {entity_type.name} removed."

    def success_url(self, entity_type: EntityType) -> str:
        return reverse("entities:types")
