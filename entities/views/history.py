"""The History page of an entity, the change log, and Revert of a change or a batch."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from core.permissions import CHANGE_VALUES, VIEW_SECRETS, LabnetView, PermissionView
from core.refusals import refusal_text

from ..filtersets import ChangeFilter
from ..history import do_revert, revert_steps
from ..models import Change
from .base import EntityMixin
from .search import query_without_page

PAGE_SIZE = 50


def page_of(request: HttpRequest, changes) -> object:
    return Paginator(changes.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))


class EntityHistoryView(LabnetView, EntityMixin, View):
    """Who changed what of an entity, when, with the old and new values; newest first."""

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity = self.get_entity()
        changes = Change.objects.filter(entity_type=entity.entity_type.name, entity=entity.name)
        return render(
            request,
            "entities/history.html",
            {
                "entity": entity,
                "page": page_of(request, changes),
                "show_secrets": request.user.has_perm(VIEW_SECRETS),
            },
        )


class ChangeLogView(LabnetView, View):
    """Every change of the configuration database, newest first, filtered by user, type,
    entity and dates (and `?variable=`, `?batch=` from links)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        filters = ChangeFilter(request.GET)
        changes = filters.filter(Change.objects.all())
        if variable := request.GET.get("variable"):
            changes = changes.filter(variable=variable)  # e.g. ssh_key: host key changes
        if batch := request.GET.get("batch"):
            try:
                changes = changes.filter(batch=uuid.UUID(batch))
            except ValueError:
                messages.error(request, f"{batch!r} is not a batch id.")
        return render(
            request,
            "entities/history.html",
            {
                "page": page_of(request, changes),
                "page_query": query_without_page(request),
                "filters": filters,
                "show_secrets": request.user.has_perm(VIEW_SECRETS),
            },
            status=400 if filters.errors else 200,
        )


class RevertView(PermissionView, View):
    """Revert a change (`seq`) or a whole batch (`batch`): a preview, then the revert."""

    permission_required = CHANGE_VALUES

    def changes(self) -> list[Change]:
        if "seq" in self.kwargs:
            return list(Change.objects.filter(seq=self.kwargs["seq"]))
        return list(Change.objects.filter(batch=self.kwargs["batch"]).order_by("seq"))

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        changes = self.changes()
        try:
            steps, error = revert_steps(changes), ""
        except ValidationError as refused:
            steps, error = [], refusal_text(refused)
        return render(
            request,
            "entities/revert.html",
            {
                "changes": changes,
                "steps": steps,
                "error": error,
                "show_secrets": request.user.has_perm(VIEW_SECRETS),
                "next": request.GET.get("next", ""),
            },
            status=409 if error else 200,
        )

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            count = do_revert(self.changes(), user=request.user)
        except ValidationError as refused:
            messages.error(request, "Nothing was reverted: " + refusal_text(refused))
            return redirect(request.path)
        messages.success(request, f"Reverted: {count} change(s) recorded.")
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            return redirect(next_url)
        return redirect("entities:changes")
