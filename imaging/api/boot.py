"""An appserver's agent reports its boot daemons and the requests they saw lately."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.params import MAX_INTEGER

from ..boot_reports import do_record_boot_report
from ..choices import BootProtocol

MAX_DAEMONS = 8
MAX_REQUESTS = 2000  # the agent sends at most this many in one report


class BootDaemonSerializer(serializers.Serializer):
    daemon = serializers.CharField(max_length=32)
    state = serializers.ChoiceField(choices=["running", "stopped"])
    pid = serializers.IntegerField(min_value=1, max_value=MAX_INTEGER, allow_null=True)
    listen = serializers.CharField(max_length=64, allow_blank=True)
    since = serializers.DateTimeField(allow_null=True)
    restarts = serializers.IntegerField(min_value=0, max_value=MAX_INTEGER)
    exit_status = serializers.IntegerField(
        min_value=-MAX_INTEGER, max_value=MAX_INTEGER, allow_null=True
    )
    problem = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)


class BootRequestSerializer(serializers.Serializer):
    client = serializers.CharField(max_length=128)
    protocol = serializers.ChoiceField(choices=BootProtocol.choices)
    path = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    peer = serializers.IPAddressField()
    problem = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    seen = serializers.DateTimeField()


class BootReportSerializer(serializers.Serializer):
    daemons = BootDaemonSerializer(many=True, max_length=MAX_DAEMONS)
    requests = BootRequestSerializer(many=True, max_length=MAX_REQUESTS)
    stored = serializers.IntegerField(read_only=True, help_text="requests stored")

    def validate_daemons(self, daemons: list[dict]) -> list[dict]:
        names = [d["daemon"] for d in daemons]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("a daemon is reported twice")
        return daemons


class BootReport(GenericAPIView):
    """POST: the boot daemons of <host> and the requests they saw since its last report
    (its own token only)."""

    permission_classes = [IsTheHostAgent]
    serializer_class = BootReportSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        daemons = [
            {
                "daemon": d["daemon"],
                "running": d["state"] == "running",
                "pid": d["pid"],
                "listen": d["listen"],
                "since": d["since"],
                "restarts": d["restarts"],
                "exit_status": d["exit_status"],
                "problem": d["problem"],
            }
            for d in data["daemons"]
        ]
        stored = do_record_boot_report(host, daemons, data["requests"])
        return Response({"stored": stored}, status=201)
