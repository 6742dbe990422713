"""A WIMP session's work: the agent of the host doing it reports its progress with its token."""

from __future__ import annotations

from rest_framework import serializers

from core import api

from ..models import AgentTask
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


class TaskReportSerializer(api.HostReportSerializer):
    state = serializers.ChoiceField(
        choices=AgentTask.reported_states(), help_text="running, then done or failed"
    )
    detail = DetailSerializer(required=False, help_text="the storage's live state, lines said")


class TaskReport(api.HostReportView):
    """POST: where task <task> of a WIMP session stands; only the token of <host>, the host
    doing it."""

    serializer_class = TaskReportSerializer
    id_kwarg = "task"
    service = staticmethod(do_record_report)
