"""The guide's three backup status views (4.5), colour-coded: every server; one server's
directories; one backup server's disks and what they hold."""

from __future__ import annotations

from django.http import Http404
from django.views.generic import TemplateView

from core.permissions import LabnetView
from core.tables import configure

from ..models import BackupDisk
from ..status import directory_statuses, server_statuses, worst
from ..tables import DirectoryTable, DiskTable, ServerTable


class StatusView(LabnetView, TemplateView):
    template_name = "backups/status.html"

    def get_context_data(self, **kwargs):
        servers = server_statuses()
        table = configure(ServerTable(servers), self.request)
        disks = configure(DiskTable(BackupDisk.objects.all(), prefix="disk-"), self.request)
        return super().get_context_data(table=table, disks=disks, **kwargs)


class ServerView(LabnetView, TemplateView):
    """One server's directories: bk_directory, bk_server, last date, size, last run."""

    template_name = "backups/server.html"

    def get_context_data(self, name: str, **kwargs):
        statuses = directory_statuses([name])
        if not statuses:
            raise Http404(f"{name} has no BackupTable rows")
        servers = {s.row.bk_server for s in statuses}
        disks = BackupDisk.objects.filter(bk_server__in=servers)
        return super().get_context_data(
            name=name,
            state=worst(s.state for s in statuses),
            table=configure(DirectoryTable(statuses), self.request),
            disks=configure(DiskTable(disks, prefix="disk-"), self.request),
            **kwargs,
        )


class BackupServerView(LabnetView, TemplateView):
    """One backup server: its disks, what they hold, and the directories it backs up."""

    template_name = "backups/backup_server.html"

    def get_context_data(self, name: str, **kwargs):
        statuses = [s for s in directory_statuses() if s.row.bk_server == name]
        disks = BackupDisk.objects.filter(bk_server=name)
        if not statuses and not disks:
            raise Http404(f"{name} backs up nothing")
        return super().get_context_data(
            name=name,
            disks=configure(DiskTable(disks, prefix="disk-"), self.request),
            table=configure(DirectoryTable(statuses), self.request),
            **kwargs,
        )
