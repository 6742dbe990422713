"""The tables of the backup status pages (guide 4.5, View Backup)."""

from __future__ import annotations

import django_tables2 as tables

from core.tables import NUM, LabnetTable

STATE = '<span class="badge {{ value }}">{{ value }}</span>'


class ServerTable(LabnetTable):
    """Every server with a BackupTable: its worst directory and its oldest last backup."""

    name = tables.TemplateColumn(
        "<a href=\"{% url 'backups:server' value %}\">{{ value }}</a>", verbose_name="Server"
    )
    state = tables.TemplateColumn(STATE, verbose_name="Status", orderable=False)
    oldest = tables.Column(verbose_name="Oldest last backup", orderable=False)
    directories = tables.TemplateColumn(
        "{{ value|length }}", verbose_name="Directories", attrs=NUM, orderable=False
    )
    failed = tables.Column(verbose_name="Last run failed", attrs=NUM, orderable=False)
    backup_servers = tables.Column(verbose_name="Backed up by", orderable=False)

    class Meta(LabnetTable.Meta):
        pass


class DirectoryTable(LabnetTable):
    """One server's BackupTable rows with what backupsync last did."""

    directory = tables.Column(accessor="row__directory", verbose_name="bk_directory")
    state = tables.TemplateColumn(STATE, verbose_name="Status", orderable=False)
    bk_server = tables.TemplateColumn(
        "<a href=\"{% url 'backups:backup_server' value %}\">{{ value }}</a>",
        accessor="row__bk_server",
        verbose_name="bk_server",
    )
    date = tables.Column(accessor="row__date", verbose_name="bk_date")
    age = tables.Column(verbose_name="Age (days)", attrs=NUM, default="never")
    size = tables.TemplateColumn(
        "{{ record.run.bytes|filesizeformat }}", verbose_name="Size", attrs=NUM, orderable=False
    )
    last_run = tables.TemplateColumn(
        template_name="backups/last_run_cell.html",
        verbose_name="Last run",
        orderable=False,
        empty_values=(),
    )
    now = tables.TemplateColumn(
        template_name="backups/now_form.html",
        verbose_name="Back up now",
        orderable=False,
        empty_values=(),
    )

    class Meta(LabnetTable.Meta):
        pass


class DiskTable(LabnetTable):
    """A backup server's disks as it last reported them."""

    mount = tables.Column(verbose_name="Disk")
    percent = tables.TemplateColumn(
        "{{ value|floatformat:1 }} %", verbose_name="Used", attrs=NUM, orderable=False
    )
    free = tables.TemplateColumn("{{ value|filesizeformat }}", verbose_name="Free", attrs=NUM)
    total = tables.TemplateColumn("{{ value|filesizeformat }}", verbose_name="Size", attrs=NUM)
    holds = tables.TemplateColumn(
        template_name="backups/holds_cell.html", verbose_name="Holds", orderable=False
    )
    reported = tables.Column(verbose_name="Reported")

    class Meta(LabnetTable.Meta):
        empty_text = "No backup disk has been reported yet."


class PartitionTable(LabnetTable):
    """A server's partitions as monitoring last read them (diskspace, core.readings)."""

    item = tables.Column(verbose_name="Partition")
    state = tables.TemplateColumn(STATE, verbose_name="Status", orderable=False)
    number = tables.TemplateColumn(
        "{{ value|floatformat:1 }} %", verbose_name="Used", attrs=NUM, orderable=False
    )
    free = tables.Column(
        accessor="number", verbose_name="Free", attrs=NUM, orderable=False, empty_values=()
    )
    detail = tables.Column(verbose_name="Device, size", orderable=False)
    reported = tables.Column(verbose_name="Read", orderable=False)

    class Meta(LabnetTable.Meta):
        empty_text = "Monitoring has no disk space reading of this server."

    def render_free(self, value: float | None) -> str:
        # diskspace's percentage is used / (used + available): what is left to users.
        return "" if value is None else f"{100 - value:.1f} %"
