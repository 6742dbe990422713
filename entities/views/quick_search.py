"""The quick search of the top bar: every entity whose name or one of whose values holds the
text typed, grouped by type, in pages. Secret values are matched only for those who may see
them; the queries are the same few whatever the number of matches."""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from core.permissions import VIEW_SECRETS, LabnetView

from ..models import Entity, Value
from .search import query_without_page

PAGE_SIZE = 50
MAX_QUERY = 200  # characters: a quick search is a name or a value, not a document
MATCHES_SHOWN = 3  # values shown per entity


def matching_values(text: str, show_secrets: bool) -> QuerySet[Value]:
    values = Value.objects.filter(value__icontains=text)
    return values if show_secrets else values.filter(variable__secret=False)


class QuickSearchView(LabnetView, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        text = request.GET.get("q", "").strip()
        context: dict = {"q": text}
        if len(text) > MAX_QUERY:
            context["error"] = f"Search for at most {MAX_QUERY} characters."
            return render(request, "entities/quick_search.html", context, status=400)
        if text:
            context.update(self.results(request, text))
        return render(request, "entities/quick_search.html", context)

    def results(self, request: HttpRequest, text: str) -> dict:
        values = matching_values(text, request.user.has_perm(VIEW_SECRETS))
        entities = Entity.objects.filter(
            Q(name__icontains=text) | Q(pk__in=values.values("entity_id"))
        )
        counts = dict(
            entities.order_by()
            .values_list("entity_type__name")
            .annotate(n=Count("pk"))
            .values_list("entity_type__name", "n")
        )
        # The counts give the total, so the pager needs no COUNT of its own.
        ordered = entities.select_related("entity_type").order_by("entity_type__name", "name")
        paginator = Paginator(ordered, PAGE_SIZE)
        paginator.count = sum(counts.values())
        page = paginator.get_page(request.GET.get("page"))
        found = list(page.object_list)
        shown: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for entity_id, variable, value in (
            values.filter(entity__in=found)
            .order_by("entity_id", "variable__display_order", "variable__name", "indx")
            .values_list("entity_id", "variable__name", "value")
        ):
            if len(shown[entity_id]) < MATCHES_SHOWN:
                shown[entity_id].append((variable, value))
        groups = [
            (type_name, counts.get(type_name, 0), [(e, shown[e.pk]) for e in of_type])
            for type_name, of_type in groupby(found, key=lambda e: e.entity_type.name)
        ]
        return {"page": page, "groups": groups, "page_query": query_without_page(request)}
