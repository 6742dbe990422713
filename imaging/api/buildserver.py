"""buildserver through the API (--server URL --token T): the server's own agent token writes
what the build made into that server's tables (only the UUID and size columns, the device
names after UUID= and rs_date: imaging.build_records), and keeps each run's log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.refusals import api_refusal

from .. import build_records
from ..host.buildserver.planning import MAX_ROWS, TABLE_COLUMNS
from ..host.buildserver.steps import MAX_LOG
from ..replication import MAX_PATH

MAX_CELLS = sum(len(columns) for columns in TABLE_COLUMNS.values()) * MAX_ROWS


class BuildTablesSerializer(serializers.Serializer):
    tables = serializers.DictField(
        child=serializers.DictField(
            child=serializers.DictField(child=serializers.CharField(max_length=MAX_PATH))
        ),
        help_text='{table: {row: {column: value}}}, e.g. {"fstab": {"2": {"fst_uuid": "..."}}}',
    )
    changed = serializers.IntegerField(read_only=True)

    def validate_tables(self, tables: dict) -> dict:
        cells = sum(len(row) for rows in tables.values() for row in rows.values())
        if cells > MAX_CELLS:
            raise serializers.ValidationError(f"more than {MAX_CELLS} cells")
        for rows in tables.values():
            for row in rows:
                if not str(row).isdigit() or not 1 <= int(row) <= MAX_ROWS:
                    raise serializers.ValidationError(f"row {row!r} is not 1..{MAX_ROWS}")
        return {t: {int(r): cells for r, cells in rows.items()} for t, rows in tables.items()}


class BuildTables(GenericAPIView):
    """POST: what buildserver built on <host>, written into <host>'s tables in one batch."""

    permission_classes = [IsTheHostAgent]
    serializer_class = BuildTablesSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            changed = build_records.do_record_build(
                host, serializer.validated_data["tables"], user=request.user
            )
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response({"changed": changed})


class BuildReportSerializer(serializers.Serializer):
    status = serializers.IntegerField(min_value=-255, max_value=255)
    log = serializers.CharField(max_length=MAX_LOG, allow_blank=True, trim_whitespace=False)


class BuildReports(GenericAPIView):
    """POST: one buildserver run's exit status and log, kept in the web tool."""

    permission_classes = [IsTheHostAgent]
    serializer_class = BuildReportSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            report = build_records.do_keep_build_report(
                host, data["status"], data["log"], request.user.get_username()
            )
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response({**data, "id": report.pk}, status=201)
