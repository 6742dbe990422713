"""A host agent's report (nms.host posts it after each collection)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent

from ..ingest import ingest_report
from .serializers import ReportSerializer


class HostReport(GenericAPIView):
    serializer_class = ReportSerializer
    permission_classes = [IsTheHostAgent]

    @extend_schema(responses={201: None})
    def post(self, request, host: str):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        received = timezone.now()
        taken = received - timedelta(seconds=data["age"]) if "age" in data else data.get("time")
        events = ingest_report(host, data["reports"], now=received, taken=taken)
        changes = [{"category": e.category, "item": e.item, "state": e.new} for e in events]
        return Response({"host": host, "changes": changes}, status=status.HTTP_201_CREATED)
