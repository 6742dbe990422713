"""A host agent's report (nms.host posts it after each collection)."""

import logging
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent

from ..ingest import ingest_pending, queue_report
from .serializers import ReportSerializer

log = logging.getLogger("labnet.nms")


class HostReport(GenericAPIView):
    """The report is queued (committed) before anything else, then the queue is drained up
    to it: this request's report and whatever waits before it, many hosts' reports per
    transaction (nms.ingest). 201 with the state changes when this request applied the report; 202
    when a request beside it is applying it, or when applying failed: the report stays
    queued for the next drain, and the agent must not send it again."""

    serializer_class = ReportSerializer
    permission_classes = [IsTheHostAgent]

    @extend_schema(responses={201: None, 202: None})
    def post(self, request, host: str):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        received = timezone.now()
        taken = received - timedelta(seconds=data["age"]) if "age" in data else data.get("time")
        queued = queue_report(host, data["reports"], received=received, taken=taken)
        try:
            events = ingest_pending(upto=queued).applied.get(queued)
        except DatabaseError as exc:  # a deadlock, the database gone: still queued
            log.warning("nms: queued reports not applied yet: %s", exc)
            events = None
        if events is None:
            return Response({"host": host, "changes": []}, status=status.HTTP_202_ACCEPTED)
        changes = [{"category": e.category, "item": e.item, "state": e.new} for e in events]
        return Response({"host": host, "changes": changes}, status=status.HTTP_201_CREATED)
