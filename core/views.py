"""The generic pages every app would otherwise write again: choose a thing and go on to its
page, a list through a table, confirm and delete. An app's view declares what differs (form,
queryset, table, service call, URLs) and a permission mixin from core.permissions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from .permissions import LabnetView
from .refusals import refusal_text
from .tables import configure


class ChooseView(View):
    """A page of one choice (an entity type, ...) that goes on to `next_url` with the chosen
    thing's name as the URL's one argument."""

    form_class: type[forms.Form]
    next_url: str
    title = ""
    button = "Next"
    template_name = "core/choose.html"

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        form = self.form_class(request.GET or None)
        if form.is_valid():
            [chosen] = form.cleaned_data.values()
            return redirect(self.next_url, str(chosen))
        context = {"form": form, "title": self.title, "button": self.button}
        return render(request, self.template_name, {**context, **self.extra_context()})

    def extra_context(self) -> dict:
        """What a page adds below the choice (its template extends core/choose.html)."""
        return {}


class TableListView(SingleTableMixin, TemplateView):
    """A list page: `get_queryset()` shown through `table_class`, sorted by a click on a column
    head, paged, and `?columns=a&columns=b` to show only those columns (core.tables)."""

    queryset: QuerySet

    def get_queryset(self) -> QuerySet:
        return self.queryset.all()

    def get_table_data(self) -> QuerySet:
        return self.get_queryset()

    def get_table(self, **kwargs):
        table_class = self.get_table_class()
        return configure(table_class(self.get_table_data(), **kwargs), self.request)


class ConfirmDeleteView(View):
    """GET shows what would go (`template_name` with `object` and `confirm_context`); POST
    calls the service's `delete`. A refusal comes back as a message on `refused_url`."""

    # `delete` is the hook that calls the service, not an HTTP method: DELETE gets a 405.
    http_method_names = ["get", "post", "head", "options"]
    template_name: str

    def get_object(self) -> Model:
        raise NotImplementedError

    def delete(self, obj: Model) -> None:
        raise NotImplementedError

    def confirm_context(self, obj: Model) -> dict:
        return {}

    def success_url(self, obj: Model) -> str:
        raise NotImplementedError

    def refused_url(self, obj: Model) -> str:
        return self.request.path

    def success_message(self, obj: Model) -> str:
        return f"{obj} removed."

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        obj = self.get_object()
        return render(request, self.template_name, {"object": obj, **self.confirm_context(obj)})

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        obj = self.get_object()
        try:
            self.delete(obj)
        except ValidationError as refusal:
            messages.error(request, refusal_text(refusal))
            return redirect(self.refused_url(obj))
        messages.success(request, self.success_message(obj))
        return redirect(self.success_url(obj))


class RunView(LabnetView, TemplateView):
    """The page of one run (core.runs.Run): each step and how many are over. While any is
    under way the body reloads itself every `refresh` seconds (htmx asks for the body
    alone)."""

    model: type[Model]
    body_template_name: str
    refresh = 2

    def get_template_names(self) -> list[str]:
        if self.request.htmx:
            return [self.body_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs) -> dict:
        run = get_object_or_404(self.model, pk=self.kwargs["pk"])
        steps = list(run.steps.all())
        done = sum(1 for s in steps if not s.under_way)
        return super().get_context_data(
            run=run, steps=steps, done=done, refresh=self.refresh, **kwargs
        )
