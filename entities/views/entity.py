"""View, Modify, Entity Creation (and Use as Template) and removal of one entity."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from core.params import whole_number
from core.permissions import (
    ADD_ENTITY,
    CHANGE_VALUES,
    DELETE_ENTITY,
    VIEW_SECRETS,
    LabnetView,
    PermissionView,
)
from core.refusals import add_to_forms
from core.views import ConfirmDeleteView

from .. import services
from ..forms import EntityNameForm, EntityValuesForm
from ..models import Change, Entity
from ..reading import entity_contents, latest_seq
from .base import EntityMixin, EntityTypeMixin, TypeChooseView


def entity_form(
    request: HttpRequest, entity: Entity, data=None, editing: bool = True
) -> EntityValuesForm:
    show_secrets = request.user.has_perm(VIEW_SECRETS)
    contents = entity_contents(entity, show_secrets=show_secrets)
    return EntityValuesForm(
        contents.definitions,
        contents.values,
        contents.tables,
        data,
        show_secrets=show_secrets,
        editing=editing,
        type_name=entity.entity_type.name,
    )


class EntityView(LabnetView, EntityMixin, View):
    """The entity's variables in the Mandatory and Optional groups, and whether it is active."""

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity = self.get_entity()
        form = entity_form(request, entity, editing=False)
        missing = [name for name, f in form.fields.items() if f.mandatory and not f.original]
        return render(
            request,
            "entities/entity.html",
            {"entity": entity, "form": form, "missing": missing},
        )


class EntityModifyView(PermissionView, EntityMixin, View):
    """Modify Entity: Submit Changes stores every change in one transaction, or none."""

    permission_required = CHANGE_VALUES

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity = self.get_entity()
        return self.show(
            entity, entity_form(request, entity), latest_seq(entity.entity_type.name, [entity.name])
        )

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity = self.get_entity()
        form = entity_form(request, entity, request.POST)
        seen = whole_number(request.POST.get("seq") or "0", "a change sequence number")
        values, tables = form.changes()
        if not values and not tables:
            messages.info(request, f"{entity} was not changed: no field differs.")
            return redirect(entity)
        try:
            # The service checks `seen` under the lock that orders changes: two editors
            # submitting at the same moment cannot both pass a check made before writing.
            count = services.do_set_values(
                entity, values, tables, user=request.user, expected_seq=seen
            )
        except services.ChangedSince:
            # The form was opened before someone else's change: keep what this user typed,
            # say what happened, and carry the new seq so a second submit is deliberate.
            form.errors.append(stale_message(entity, seen))
            seq = latest_seq(entity.entity_type.name, [entity.name])
            return self.show(entity, form, seq, status=409)
        except ValidationError as refusal:
            add_to_forms(refusal, form)
            return self.show(entity, form, seen, status=400)
        messages.success(request, f"{entity}: {count} change(s) stored.")
        return redirect(entity)

    def show(self, entity: Entity, form: EntityValuesForm, seq: int, status: int = 200):
        return render(
            self.request,
            "entities/entity_modify.html",
            {"entity": entity, "form": form, "seq": seq},
            status=status,
        )


def stale_message(entity: Entity, seen: int) -> str:
    changes = Change.objects.filter(
        entity_type=entity.entity_type.name, entity=entity.name, seq__gt=seen
    ).order_by("seq")
    who = sorted({c.user or "the system" for c in changes})
    what = sorted({c.variable or c.get_action_display() for c in changes})
    return (
        f"{entity} was changed by {', '.join(who)} ({', '.join(what)}) after you opened this "
        "form. Nothing was stored. Your entries are kept below; check them against the current "
        "values and submit again to store them."
    )


class EntityCreateChooseView(PermissionView, TypeChooseView):
    """Entity Creation: pick the type of the new entity."""

    permission_required = ADD_ENTITY
    title = "Entity Creation"
    next_url = "entities:create"


class EntityCreateView(PermissionView, EntityTypeMixin, View):
    """A new entity of a type; with ?template=NAME, pre-filled from that entity (Use as
    Template)."""

    permission_required = ADD_ENTITY

    def blank_form(self, data=None) -> EntityValuesForm:
        entity_type = self.get_entity_type()
        show_secrets = self.request.user.has_perm(VIEW_SECRETS)
        template_name = self.request.GET.get("template")
        template = Entity.objects.filter(entity_type=entity_type, name=template_name).first()
        if template is not None:
            contents = entity_contents(template, show_secrets=show_secrets)
            values, tables = contents.values, contents.tables
        else:
            values, tables = {}, {}
        definitions = list(
            entity_type.variables.select_related("reference_type", "enum_type").order_by(
                "display_order", "name"
            )
        )
        self.template = template
        return EntityValuesForm(
            definitions,
            values,
            tables,
            data,
            show_secrets=show_secrets,
            type_name=entity_type.name,
        )

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self.show(EntityNameForm(), self.blank_form())

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        name_form = EntityNameForm(request.POST)
        form = self.blank_form(request.POST)
        if not name_form.is_valid():
            return self.show(name_form, form, status=400)
        values, tables = form.everything()
        try:
            entity = services.do_create_entity(
                self.get_entity_type(),
                name_form.cleaned_data["name"],
                values,
                tables,
                user=request.user,
            )
        except ValidationError as refusal:
            add_to_forms(refusal, name_form, form)
            return self.show(name_form, form, status=400)
        messages.success(request, f"{entity} created.")
        return redirect(entity)

    def show(self, name_form: EntityNameForm, form: EntityValuesForm, status: int = 200):
        return render(
            self.request,
            "entities/entity_create.html",
            {
                "entity_type": self.get_entity_type(),
                "name_form": name_form,
                "form": form,
                "template": self.template,
            },
            status=status,
        )


class EntityDeleteView(PermissionView, EntityMixin, ConfirmDeleteView):
    """Remove an entity after a confirmation; refused while others refer to it."""

    permission_required = DELETE_ENTITY
    template_name = "entities/entity_delete.html"

    def get_object(self) -> Entity:
        return self.get_entity()

    def confirm_context(self, entity: Entity) -> dict:
        return {"entity": entity, "referrers": services.references_to(entity)}

    def delete(self, entity: Entity) -> None:
        services.do_delete_entity(entity, user=self.request.user)

    def refused_url(self, entity: Entity) -> str:
        return entity.get_absolute_url()

    def success_url(self, entity: Entity) -> str:
        return f"{reverse('entities:home')}?type={entity.entity_type.name}"
