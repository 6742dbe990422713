"""The table of the File webtool's list of managed files."""

from __future__ import annotations

import django_tables2 as tables

from core.tables import LabnetTable
from entities.models import Entity


class ManagedFileTable(LabnetTable):
    """fileMgr entities with the path the file is installed at (`path`, annotated)."""

    name = tables.Column(
        verbose_name="file",
        linkify=("filemgr:file", {"file": tables.A("name")}),
    )
    path = tables.TemplateColumn("<code>{{ value }}</code>", verbose_name="path")

    class Meta(LabnetTable.Meta):
        model = Entity
        fields = []
        empty_text = "No managed file yet."
