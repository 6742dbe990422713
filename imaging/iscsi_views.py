"""The web tool's pages of the Windows 7 appservers' iSCSI storage, as each appserver's agent
last reported it (imaging.host.iscsi.upkeep): the appservers, and per appserver its master
images (size, TimeStamp, sync state), COW disks (client, created, bytes written of
cowLvSize), targets and logged-in sessions."""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from core.permissions import LabnetView
from core.tables import NUM, LabnetTable, configure
from core.views import TableListView

from .models import IscsiState

SIZE = "{{ value|filesizeformat }}"


class AppserverTable(LabnetTable):
    host = tables.TemplateColumn(
        '<a href="{% url "imaging:iscsi-host" record.host %}">{{ value }}</a>',
        verbose_name="Appserver",
    )
    vgroup = tables.Column(verbose_name="Volume group")
    free_bytes = tables.TemplateColumn(SIZE, verbose_name="Free", attrs=NUM)
    masters = tables.TemplateColumn("{{ value|length }}", verbose_name="Masters", attrs=NUM)
    cows = tables.TemplateColumn("{{ value|length }}", verbose_name="COW disks", attrs=NUM)
    targets = tables.TemplateColumn("{{ value|length }}", verbose_name="Targets", attrs=NUM)
    reported = tables.Column(verbose_name="Reported", attrs={"td": {"class": "nowrap"}})

    class Meta(LabnetTable.Meta):
        model = IscsiState
        fields = []
        empty_text = "No Windows 7 appserver has reported its iSCSI storage yet."


class IscsiListView(LabnetView, TableListView):
    template_name = "imaging/iscsi_list.html"
    table_class = AppserverTable

    def get_queryset(self) -> QuerySet:
        return IscsiState.objects.all()


class MasterTable(LabnetTable):
    image = tables.Column(verbose_name="Image")
    volume = tables.Column(verbose_name="Volume")
    size = tables.TemplateColumn(SIZE, verbose_name="Size", attrs=NUM)
    timestamp = tables.Column(verbose_name="TimeStamp")
    sync = tables.Column(verbose_name="Sync")

    class Meta(LabnetTable.Meta):
        empty_text = "No master image."


class CowTable(LabnetTable):
    client = tables.Column(verbose_name="Client")
    origin = tables.Column(verbose_name="Master")
    created = tables.Column(verbose_name="Created (last boot)")
    written = tables.TemplateColumn(
        "{% if value is None %}not known (thin){% else %}{{ value|filesizeformat }} of "
        "{{ record.cow_size|filesizeformat }}{% endif %}",
        verbose_name="Written",
        attrs=NUM,
    )

    class Meta(LabnetTable.Meta):
        empty_text = "No COW disk."


class TargetTable(LabnetTable):
    iqn = tables.Column(verbose_name="Target")
    device = tables.Column(verbose_name="Device")
    initiators = tables.TemplateColumn("{{ value|join:', ' }}", verbose_name="Initiator (ACL)")
    sessions = tables.TemplateColumn(
        "{{ value|join:', '|default:'none' }}", verbose_name="Logged in"
    )

    class Meta(LabnetTable.Meta):
        empty_text = "No target."


class IscsiHostView(LabnetView, TemplateView):
    template_name = "imaging/iscsi_host.html"

    def get_context_data(self, **kwargs):
        state = get_object_or_404(IscsiState, host=self.kwargs["host"])
        return super().get_context_data(
            state=state,
            masters=configure(MasterTable(state.masters, prefix="masters-"), self.request),
            cows=configure(CowTable(state.cows, prefix="cows-"), self.request),
            targets=configure(TargetTable(state.targets, prefix="targets-"), self.request),
            sessions=sum(len(t["sessions"]) for t in state.targets),
            **kwargs,
        )
