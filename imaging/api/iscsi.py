"""A Windows 7 appserver's agent writes two things: TimeStamp of its own WindowsImageTab row
after syncimage rebuilt that image's master, and its iSCSI storage as it is now. Only the
appserver's own token; nothing else of the configuration can be written here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import IsTheHostAgent
from core.params import MAX_BIGINT
from core.refusals import api_refusal

from ..iscsi_services import do_record_image_sync, do_record_iscsi_state
from ..models import IscsiState

MAX_NAME = 255
MAX_ROWS = 2000  # masters, COWs or targets of one appserver: more than its clients
MAX_IQN = 223


class ImageSyncedSerializer(serializers.Serializer):
    image = serializers.CharField(max_length=MAX_NAME, help_text="the windowsImage synced")
    timestamp = serializers.CharField(max_length=19, help_text="YYYY-MM-DD HH:MM:SS, local")


class ImageSynced(GenericAPIView):
    """POST: syncimage on <host> rebuilt image's master; TimeStamp of that row becomes
    timestamp. Only <host>'s own token, only its own WindowsImageTab."""

    permission_classes = [IsTheHostAgent]
    serializer_class = ImageSyncedSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            do_record_image_sync(host, data["image"], data["timestamp"], user=request.user)
        except ValidationError as refused:
            raise api_refusal(refused) from None
        return Response(data)


def _bytes(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_BIGINT, **kwargs)


class MasterSerializer(serializers.Serializer):
    image = serializers.CharField(max_length=MAX_NAME)
    volume = serializers.CharField(max_length=MAX_NAME)
    size = _bytes()
    timestamp = serializers.CharField(max_length=19, allow_blank=True)
    sync = serializers.CharField(max_length=500, allow_blank=True, help_text="its sync state")


class CowSerializer(serializers.Serializer):
    client = serializers.CharField(max_length=MAX_NAME)
    volume = serializers.CharField(max_length=MAX_NAME)
    origin = serializers.CharField(max_length=MAX_NAME)
    cow_size = _bytes(help_text="cowLvSize (0: a thin snapshot)")
    written = _bytes(allow_null=True, help_text="bytes written (null: LVM cannot tell)")
    created = serializers.CharField(max_length=40, allow_blank=True)


class TargetSerializer(serializers.Serializer):
    iqn = serializers.CharField(max_length=MAX_IQN)
    device = serializers.CharField(max_length=4095, allow_blank=True)
    initiators = serializers.ListField(
        child=serializers.CharField(max_length=MAX_IQN), max_length=16
    )
    sessions = serializers.ListField(child=serializers.CharField(max_length=MAX_IQN), max_length=16)


class IscsiStateSerializer(serializers.ModelSerializer):
    free_bytes = _bytes()
    masters = MasterSerializer(many=True, max_length=MAX_ROWS)
    cows = CowSerializer(many=True, max_length=MAX_ROWS)
    targets = TargetSerializer(many=True, max_length=MAX_ROWS)

    class Meta:
        model = IscsiState
        fields = ["vgroup", "free_bytes", "masters", "cows", "targets", "reported"]
        read_only_fields = ["reported"]


class HostIscsiState(GenericAPIView):
    """POST: <host>'s iSCSI storage now (its own token only); it replaces the last report."""

    permission_classes = [IsTheHostAgent]
    serializer_class = IscsiStateSerializer

    def post(self, request, host):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = do_record_iscsi_state(host, serializer.validated_data)
        return Response(self.get_serializer(state).data)
