"""A client's agent reports the result of re-imaging its local partition."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent, Seconds
from core.params import MAX_BIGINT

from ..models import ImageRestore
from ..restore_reports import do_record_restore


class RestoreSerializer(serializers.ModelSerializer):
    used_blocks = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)
    differed_blocks = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)
    written_bytes = serializers.IntegerField(min_value=0, max_value=MAX_BIGINT)
    seconds = Seconds(max_value=7 * 24 * 3600)

    class Meta:
        model = ImageRestore
        fields = [
            "partition",
            "image",
            "good",
            "used_blocks",
            "differed_blocks",
            "written_bytes",
            "seconds",
            "error",
            "received",
        ]
        read_only_fields = ["received"]

    def validate(self, data: dict) -> dict:
        if data["differed_blocks"] > data["used_blocks"]:
            raise serializers.ValidationError({"differed_blocks": "more than used_blocks"})
        return data


class HostRestores(GenericAPIView):
    """POST: the result of a restoreimage this host ran (its own token only)."""

    permission_classes = [IsTheHostAgent]
    serializer_class = RestoreSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        restore = do_record_restore(host, serializer.validated_data)
        return Response(self.get_serializer(restore).data, status=201)
