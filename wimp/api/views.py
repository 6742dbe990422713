"""A WIMP session's work: the agent of the host doing it reports its progress with its token."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.refusals import api_refusal

from ..choices import TaskState
from ..models import MAX_MESSAGE
from ..services import do_record_report

MAX_ITEMS = 200  # volumes, targets or lines in one report
MAX_TEXT = 500


class VolumeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_TEXT)
    size = serializers.IntegerField(min_value=0, max_value=2**63 - 1)
    origin = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, default="")
    path = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, default="")


class TargetSerializer(serializers.Serializer):
    iqn = serializers.CharField(max_length=MAX_TEXT)
    device = serializers.CharField(max_length=MAX_TEXT, allow_blank=True)
    initiators = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TEXT), max_length=MAX_ITEMS, default=list
    )
    sessions = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TEXT), max_length=MAX_ITEMS, default=list
    )


class DetailSerializer(serializers.Serializer):
    volumes = VolumeSerializer(many=True, required=False, max_length=MAX_ITEMS)
    targets = TargetSerializer(many=True, required=False, max_length=MAX_ITEMS)
    lines = serializers.ListField(
        child=serializers.CharField(max_length=MAX_TEXT, allow_blank=True),
        max_length=MAX_ITEMS,
        required=False,
    )
    timestamp = serializers.RegexField(
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$", required=False
    )


class TaskReportSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[c for c in TaskState.choices if c[0] != TaskState.QUEUED],
        help_text="running, then done or failed",
    )
    message = serializers.CharField(max_length=MAX_MESSAGE, allow_blank=True, default="")
    detail = DetailSerializer(required=False, help_text="the storage's live state, lines said")


class TaskReport(GenericAPIView):
    """POST: where task <task> of a WIMP session stands; only the token of <host>, the host
    doing it."""

    permission_classes = [IsTheHostAgent]
    serializer_class = TaskReportSerializer

    def post(self, request, host, task):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            found = do_record_report(
                host, task, data["state"], data["message"], data.get("detail") or {}
            )
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response({"state": found.state, "message": found.message})
