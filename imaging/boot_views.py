"""The boot page of a client: how it boots and what its appserver saw from it lately."""

from __future__ import annotations

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from core.permissions import VIEW_SECRETS, LabnetView
from core.tables import LabnetTable, configure

from .boot_page import BootPage, boot_client
from .models import BootRequest


class BootRequestTable(LabnetTable):
    seen = tables.Column(verbose_name="Seen", attrs={"td": {"class": "nowrap"}})
    protocol = tables.Column(verbose_name="Protocol")
    path = tables.Column(verbose_name="Asked for")
    peer = tables.Column(verbose_name="From")
    appserver = tables.Column(verbose_name="Appserver")
    problem = tables.Column(verbose_name="Error", default="")

    class Meta(LabnetTable.Meta):
        model = BootRequest
        fields = []
        orderable = False
        empty_text = "The appserver's agent has reported no request from this client lately."


class BootClientView(LabnetView, View):
    def get(self, request: HttpRequest, client: str) -> HttpResponse:
        page = BootPage(boot_client(client), request.user.has_perm(VIEW_SECRETS))
        table = configure(BootRequestTable(page.requests(), prefix="requests-"), request)
        return render(
            request,
            "imaging/boot_client.html",
            {
                "page": page,
                "entity": page.entity,
                "menu": page.menu("menu_template"),
                "ipxe": page.menu("ipxe_menu"),
                "dhcp": page.dhcp_entry(),
                "daemons": page.daemons(),
                "table": table,
            },
        )
