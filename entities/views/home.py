"""The main page with the guide's entry points, and the name autocompletion behind them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.permissions import VIEW_SECRETS, LabnetView

from ..models import Change, Entity, EntityType, Value, VariableDefinition

AUTOCOMPLETE_LIMIT = 20

ENTITY_ACTIONS = {"view": "entities:entity", "modify": "entities:modify"}


class MainMenuView(LabnetView, TemplateView):
    template_name = "entities/main_menu.html"

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(
            types=EntityType.objects.all(),
            recent=Change.objects.order_by("-seq")[:12],
            **kwargs,
        )


class EntityMaintenanceView(LabnetView, View):
    """The Entity Maintenance box: type, name, then View, Modify or Use as Template."""

    def get(self, request: HttpRequest) -> HttpResponse:
        type_name, name = request.GET.get("type", ""), request.GET.get("name", "").strip()
        if not Entity.objects.filter(entity_type__name=type_name, name=name).exists():
            messages.error(request, f"There is no {type_name} entity named {name!r}.")
            return redirect(f"{reverse('entities:home')}?type={type_name}&name={name}")
        action = request.GET.get("action", "view")
        if action == "template":
            return redirect(f"{reverse('entities:create', args=[type_name])}?template={name}")
        return redirect(ENTITY_ACTIONS.get(action, "entities:entity"), type_name, name)


class NameAutocompleteView(LabnetView, View):
    """`<option>`s of the entity names of a type starting with what was typed (htmx)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        names = Entity.objects.filter(
            entity_type__name=request.GET.get("type", ""),
            name__startswith=request.GET.get("name", "").strip(),
        ).values_list("name", flat=True)[:AUTOCOMPLETE_LIMIT]
        return render(request, "entities/options.html", {"options": names})


class ValueAutocompleteView(LabnetView, View):
    """`<option>`s of the values a variable holds across a type (search criteria)."""

    def get(self, request: HttpRequest, type: str, variable: str) -> HttpResponse:
        typed = next((v for k, v in request.GET.items() if k.startswith("c-")), "").strip()
        secret = VariableDefinition.objects.filter(
            entity_type__name=type, name=variable, secret=True
        ).exists()
        if secret and not request.user.has_perm(VIEW_SECRETS):
            return render(request, "entities/options.html", {"options": []})
        values = (
            Value.objects.filter(
                variable__entity_type__name=type,
                variable__name=variable,
                value__startswith=typed.rstrip("*"),
            )
            .order_by("value")
            .values_list("value", flat=True)
            .distinct()[:AUTOCOMPLETE_LIMIT]
        )
        return render(request, "entities/options.html", {"options": values})
