"""The guide's three backup status views (4.5), colour-coded: every server; one server's
directories; one backup server's disks and what they hold."""

from __future__ import annotations

from django.http import Http404
from django.views.generic import TemplateView

from core.permissions import CHANGE_VALUES, LabnetView, allowed
from core.readings import host_readings
from core.tables import configure

from ..models import BackupDisk
from ..status import directory_statuses, server_statuses, worst
from ..tables import DirectoryTable, DiskTable, PartitionTable, ServerTable

DISKSPACE = "diskspace"  # monitoring's category of the partitions' use


def directory_table(statuses, request) -> DirectoryTable:
    """The directories, with a "Back up now" button for those who may start one."""
    exclude = () if allowed(request.user, CHANGE_VALUES) else ("now",)
    return configure(DirectoryTable(statuses, exclude=exclude), request)


class StatusView(LabnetView, TemplateView):
    template_name = "backups/status.html"

    def get_context_data(self, **kwargs):
        servers = server_statuses()
        table = configure(ServerTable(servers), self.request)
        disks = configure(DiskTable(BackupDisk.objects.all(), prefix="disk-"), self.request)
        return super().get_context_data(table=table, disks=disks, **kwargs)


class ServerView(LabnetView, TemplateView):
    """One server's directories: bk_directory, bk_server, last date, size, last run; its
    partitions' space as monitoring reads it; its backup servers' disks."""

    template_name = "backups/server.html"

    def get_context_data(self, name: str, **kwargs):
        statuses = directory_statuses([name])
        if not statuses:
            raise Http404(f"{name} has no BackupTable rows")
        servers = {s.row.bk_server for s in statuses}
        disks = BackupDisk.objects.filter(bk_server__in=servers)
        partitions = host_readings(DISKSPACE, [name])
        return super().get_context_data(
            name=name,
            state=worst(s.state for s in statuses),
            table=directory_table(statuses, self.request),
            partitions=configure(PartitionTable(partitions, prefix="part-"), self.request),
            disks=configure(DiskTable(disks, prefix="disk-"), self.request),
            may_back_up=allowed(self.request.user, CHANGE_VALUES),
            any_on=any(s.row.on for s in statuses),
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
            table=directory_table(statuses, self.request),
            **kwargs,
        )
