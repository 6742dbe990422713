"""A backup server's report: only its own token, and only bk_date of the rows that name it
as bk_server can change."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.refusals import api_refusal

from .. import services
from .serializers import BackupReportSerializer


class BackupReport(GenericAPIView):
    """POST what backupsync or bkupclean did: each row's result, each disk's use."""

    permission_classes = [IsTheHostAgent]
    serializer_class = BackupReportSerializer

    @extend_schema(
        responses={200: {"type": "object", "properties": {"dates_set": {"type": "integer"}}}}
    )
    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            changed = services.do_record_backup_report(
                host, data["results"], data["disks"], user=request.user
            )
        except ValidationError as refusal:
            raise api_refusal(refusal) from None
        return Response({"dates_set": changed})
