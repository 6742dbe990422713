"""The base of every list page's table (django-tables2): the site's look, sorting by a click
on a column head, paging, and a `?columns=` choice of columns."""

from __future__ import annotations

import django_tables2 as tables
from django.http import HttpRequest
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

PAGE_SIZE = 50
# Lazy: a page reads one row more than it shows instead of counting every row.
PAGING = {"per_page": PAGE_SIZE, "paginator_class": LazyPaginator}
NUM = {"th": {"class": "num"}, "td": {"class": "num"}}  # right-aligned figures


class LabnetTable(tables.Table):
    """Subclasses keep the look with `class Meta(LabnetTable.Meta)`."""

    class Meta:
        template_name = "core/table.html"
        attrs = {"class": "data"}
        default = ""  # an empty cell stays empty

    def choose_columns(self, chosen: list[str]) -> None:
        """Show only the chosen columns (unknown names ignored); none chosen shows all."""
        known = [name for name in chosen if name in self.columns.names()]
        if known:
            for name in self.columns.names():
                if name not in known:
                    self.columns.hide(name)


def configure(table: LabnetTable, request: HttpRequest) -> LabnetTable:
    """Sort, page and choose the columns of a table from the request, as every list does;
    for a page of several tables, each made with its own `prefix`."""
    RequestConfig(request, paginate=PAGING).configure(table)
    table.choose_columns(request.GET.getlist(f"{table.prefix}columns"))
    return table
